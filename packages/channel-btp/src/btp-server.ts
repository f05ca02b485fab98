import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { boundedHttpServer, LinkClosedError, type BoundedHttpServer, type HttpBounds } from '@stack/channel-core'
import type WebSocket from 'ws'
import { WebSocketServer } from 'ws'
import { AuthThrottle, type AuthThrottleOptions } from './auth-throttle.js'
import { BtpCodecError } from './btp-errors.js'
import type { BtpFrame } from './btp-frame.js'
import { BtpType } from './btp-frame.js'
import type { BtpLinkOptions } from './btp-link.js'
import { BtpLink } from './btp-link.js'
import { encodeBtpFrame } from './encode.js'
import { decodeBtpFrame, readBtpHeader } from './decode.js'
import { errorFrame } from './session-contract.js'
import { messageBytes, wsTransport, type WsFrameTransport } from './ws-transport.js'

/** Returns the account the credentials belong to, or `undefined` to refuse them. */
export type BtpAuthenticator = (username: string, token: Uint8Array) => string | undefined

export interface BtpServerOptions extends BtpLinkOptions {
  /** Default 127.0.0.1. */
  readonly host?: string
  /** Default 0: any free port (see `port` after `listen`). */
  readonly port?: number
  /**
   * Either a table `username → token` (one account per username, compared in constant time)
   * or a function deciding.
   */
  readonly accounts: Readonly<Record<string, string>> | BtpAuthenticator
  /** A client that has not authenticated by then is disconnected. Default 10 000 ms. */
  readonly authTimeoutMs?: number
  /** Throttling of failed authentications per remote address (see auth-throttle.ts). */
  readonly authThrottle?: AuthThrottleOptions
  /** Timeouts of the upgrade request and the cap on sockets not yet logged in (channel-core http-bounds.ts). */
  readonly httpBounds?: HttpBounds
}

/** WebSocket close code 1013 (RFC 6455 registry): try again later. Not a refusal of credentials. */
const TRY_AGAIN_LATER = 1013

const digest = (bytes: Uint8Array): Buffer => createHash('sha256').update(bytes).digest()

/** Constant-time check of tokens: the hashes are equal-length, so no early exit leaks. */
export function accountsAuthenticator(accounts: Readonly<Record<string, string>>): BtpAuthenticator {
  const table = new Map<string, Buffer>()
  for (const [username, token] of Object.entries(accounts)) table.set(username, digest(new TextEncoder().encode(token)))
  return (username, token) => {
    const want = table.get(username)
    const got = digest(token)
    return want !== undefined && timingSafeEqual(want, got) ? username : undefined
  }
}

type ConnectionListener = (link: BtpServerLink, account: string) => void

/**
 * A BTP 2.0 server (RFC 0023): many accounts on one port, one account per username/token.
 * Each account is one stable `BtpServerLink`, connected while its client is, so handlers
 * survive the client's reconnections (until the link is closed). A newer connection for an
 * account replaces the older.
 */
export class BtpServer {
  readonly #options: BtpServerOptions
  readonly #authenticate: BtpAuthenticator
  readonly #links = new Map<string, BtpServerLink>()
  readonly #listeners = new Set<ConnectionListener>()
  readonly #throttle: AuthThrottle
  #wss: WebSocketServer | undefined
  #http: BoundedHttpServer | undefined

  constructor(options: BtpServerOptions) {
    this.#options = options
    this.#authenticate = typeof options.accounts === 'function' ? options.accounts : accountsAuthenticator(options.accounts)
    this.#throttle = new AuthThrottle(options.authThrottle)
  }

  /** The port listened on (after `listen`). */
  get port(): number {
    const address = this.#http?.server.address()
    return typeof address === 'object' && address !== null ? (address as AddressInfo).port : 0
  }

  async listen(): Promise<number> {
    const maxFrameBytes = this.#options.limits?.maxFrameBytes ?? 1 << 20
    // Our own HTTP server, for its bounds; a plain request (no upgrade) is told to upgrade, as ws does.
    const http = boundedHttpServer(this.#options.httpBounds, (_request, response) => {
      response.writeHead(426, { 'Content-Type': 'text/plain', Connection: 'close' }).end('BTP: upgrade to WebSocket')
    })
    const wss = new WebSocketServer({ server: http.server, perMessageDeflate: false, maxPayload: maxFrameBytes * 4 })
    this.#wss = wss
    this.#http = http
    // ws re-emits the HTTP server's errors: a failed listen is the promise's, later ones are logged.
    let listening = false
    wss.on('error', (error) => {
      if (listening) this.#logger.warn('server error', { error: error.message })
    })
    await new Promise<void>((resolve, reject) => {
      http.server.once('error', reject)
      http.server.listen(this.#options.port ?? 0, this.#options.host ?? '127.0.0.1', () => {
        http.server.off('error', reject)
        listening = true
        resolve()
      })
    })
    wss.on('connection', (ws, request) => this.#accept(ws, request))
    return this.port
  }

  /**
   * The link of `account`, made on first use so handlers can be set before the client comes.
   * A closed link refuses the account's logins until its link is asked for again: then a new one
   * (a peer removed, then added back under its id).
   */
  link(account: string): BtpServerLink {
    let link = this.#links.get(account)
    if (link === undefined || link.state === 'closed') {
      link = new BtpServerLink(this.#options)
      this.#links.set(account, link)
    }
    return link
  }

  /** Called each time a client authenticates. Returns the function that unsubscribes. */
  onConnection(listener: ConnectionListener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  async close(): Promise<void> {
    const wss = this.#wss
    this.#wss = undefined
    await Promise.all([...this.#links.values()].map((link) => link.close()))
    const http = this.#http
    this.#http = undefined
    if (wss === undefined) return
    for (const ws of wss.clients) ws.terminate()
    await new Promise<void>((resolve) => wss.close(() => resolve()))
    if (http !== undefined) {
      http.server.closeAllConnections()
      await new Promise<void>((resolve) => http.server.close(() => resolve()))
    }
  }

  get #logger() {
    return this.#options.logger ?? { warn() {}, info() {} }
  }

  #accept(ws: WebSocket, request: IncomingMessage): void {
    ws.binaryType = 'nodebuffer'
    ws.on('error', (error) => this.#logger.warn('websocket error', { error: error.message }))
    const remote = remoteAddress(request)
    if (!this.#throttle.admit(remote, Date.now())) {
      this.#logger.info('authentication throttled: too many connections awaiting their verdict', { remote })
      ws.close(TRY_AGAIN_LATER, 'too many authentication attempts, try again later')
      return
    }
    let released = false
    const release = (): void => {
      if (released) return
      released = true
      this.#throttle.release(remote)
    }
    let holding = false
    const timer = setTimeout(() => {
      // RFC 0023 §Authentication: too long without auth data, the server closes.
      this.#logger.warn('authentication timed out', { remote })
      this.#throttle.failed(remote, Date.now())
      release()
      ws.close(1008, 'authentication timed out')
    }, this.#options.authTimeoutMs ?? 10_000)
    ws.once('close', () => {
      clearTimeout(timer)
      // A held refusal keeps its place even if the client leaves: hanging up early must not
      // buy the address its next attempt sooner.
      if (!holding) release()
    })
    ws.once('message', (data) => {
      clearTimeout(timer)
      const refusal = this.#authenticateFirst(ws, messageBytes(data), remote)
      if (refusal === undefined) {
        this.#http?.authenticated(request.socket)
        release()
        return
      }
      // Held, keeping its place: the address gets its verdicts no faster (auth-throttle.ts).
      holding = true
      setTimeout(() => {
        release()
        if (ws.readyState !== ws.OPEN) return
        if (refusal.frame !== undefined) ws.send(encodeBtpFrame(refusal.frame))
        ws.close(1008, 'authentication refused')
      }, this.#throttle.failed(remote, Date.now())).unref()
    })
  }

  /** Authenticates the first message; returns the refusal to send, or undefined once accepted. */
  #authenticateFirst(ws: WebSocket, bytes: Uint8Array, remote: string): { frame?: BtpFrame } | undefined {
    const refuse = (requestId: number | undefined, code: string, name: string, detail: string, account?: string): { frame?: BtpFrame } => {
      // The account tried, never the token; cut, as the client chose it.
      this.#logger.warn('authentication refused', { remote, ...(account === undefined ? {} : { account: account.slice(0, 64) }), detail })
      return requestId === undefined ? {} : { frame: errorFrame(requestId, code, name, detail) }
    }
    let frame: BtpFrame
    try {
      frame = decodeBtpFrame(bytes, { maxBytes: 64 * 1024 })
    } catch (error) {
      const header = readBtpHeader(bytes)
      const isRequest = header !== undefined && (header.type === BtpType.Message || header.type === BtpType.Transfer)
      const detail = error instanceof BtpCodecError ? error.message : 'unreadable auth message'
      return refuse(isRequest ? header.requestId : undefined, 'F01', 'InvalidFieldsError', detail)
    }
    if (frame.type !== BtpType.Message && frame.type !== BtpType.Transfer) {
      return refuse(undefined, 'F00', 'NotAcceptedError', 'first frame must be the auth message')
    }
    if (frame.type !== BtpType.Message || frame.protocolData[0]?.protocolName !== 'auth') {
      return refuse(frame.requestId, 'F00', 'NotAcceptedError', 'first message must be the auth message (primary sub-protocol auth)')
    }
    const usernameEntry = frame.protocolData.find((entry) => entry.protocolName === 'auth_username')
    const username = usernameEntry === undefined ? '' : new TextDecoder().decode(usernameEntry.data)
    const names = new Set<string>()
    for (const entry of frame.protocolData) {
      if (names.has(entry.protocolName)) return refuse(frame.requestId, 'F01', 'InvalidFieldsError', `duplicate sub-protocol ${entry.protocolName}`, username)
      names.add(entry.protocolName)
    }
    const token = frame.protocolData.find((entry) => entry.protocolName === 'auth_token')
    if (token === undefined) return refuse(frame.requestId, 'F01', 'InvalidFieldsError', 'auth_token sub-protocol is required', username)
    const authenticated = this.#authenticate(username, token.data)
    if (authenticated === undefined) return refuse(frame.requestId, 'F00', 'NotAcceptedError', 'invalid auth_username or auth_token', username)
    const existing = this.#links.get(authenticated)
    if (existing?.state === 'closed') return refuse(frame.requestId, 'F00', 'NotAcceptedError', 'account is closed', username)
    const link = existing ?? this.link(authenticated)
    ws.send(encodeBtpFrame({ type: BtpType.Response, requestId: frame.requestId, protocolData: [] }))
    link.attach(ws)
    this.#logger.info('client authenticated', { account: authenticated, remote })
    for (const listener of this.#listeners) listener(link, authenticated)
    return undefined
  }
}

/** The peer's IP address, an IPv4 one without its IPv6 mapping (`::ffff:`). */
function remoteAddress(request: IncomingMessage): string {
  const address = request.socket.remoteAddress ?? 'unknown'
  return address.startsWith('::ffff:') ? address.slice(7) : address
}

/** One account of a `BtpServer`: a Link and Channel to whichever client holds the account. */
export class BtpServerLink extends BtpLink {
  #ws: WebSocket | undefined
  #transport: WsFrameTransport | undefined

  /** Resolves once a client has authenticated for this account. */
  connect(): Promise<void> {
    return this.whenConnected()
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return
    this.setState('closed')
    this.session.detach(new LinkClosedError())
    const ws = this.#ws
    this.#ws = undefined
    this.#transport?.flush()
    ws?.close(1000, 'closed')
  }

  /** @internal Used by BtpServer after authentication. */
  attach(ws: WebSocket): void {
    const previous = this.#ws
    if (previous !== undefined) {
      this.#ws = undefined
      this.session.detach(new LinkClosedError('replaced by a newer connection'))
      this.#transport?.flush()
      previous.close(4000, 'replaced by a newer connection')
    }
    this.#ws = ws
    this.#transport = wsTransport(ws, { mask: false })
    this.session.attach(this.#transport)
    ws.on('message', (data) => this.session.receive(messageBytes(data)))
    ws.once('close', () => {
      if (this.#ws !== ws) return
      this.#ws = undefined
      this.#transport = undefined
      this.session.detach(new LinkClosedError('connection lost'))
      if (this.state !== 'closed') this.setState('idle')
    })
    this.setState('connected')
  }
}
