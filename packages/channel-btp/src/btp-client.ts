import { LinkClosedError, LinkRemoteError } from '@stack/channel-core'
import WebSocket from 'ws'
import { BtpAuthError } from './btp-link-errors.js'
import type { BtpLinkOptions } from './btp-link.js'
import { BtpLink } from './btp-link.js'
import { BtpType, ContentType } from './btp-frame.js'
import { messageBytes, wsTransport, type WsFrameTransport } from './ws-transport.js'

export interface ReconnectOptions {
  /** First wait after a lost connection. Default 100 ms. */
  readonly initialDelayMs?: number
  /** Longest wait between attempts. Default 10 000 ms. */
  readonly maxDelayMs?: number
}

export interface BtpClientOptions extends BtpLinkOptions {
  /** `ws://host:port/path`, or `btp+ws://username:token@host:port` as interledgerjs writes it. */
  readonly url: string
  /** `auth_username`; taken from the URL when absent. */
  readonly username?: string
  /** `auth_token`; taken from the URL when absent. Empty means no authentication. */
  readonly token?: string
  /** Reconnect with exponential backoff after the connection is lost; `false` to stay down. */
  readonly reconnect?: ReconnectOptions | false
  /** How long the server may take to answer the auth message. Default 10 000 ms. */
  readonly authTimeoutMs?: number
}

const encoder = new TextEncoder()

/**
 * A BTP 2.0 client (RFC 0023) over WebSocket: authenticates on every (re)connection, then
 * carries ILP bytes and value both ways. While it reconnects, requests reject at once with
 * `LinkNotConnectedError`; requests in flight when the connection drops reject with
 * `LinkClosedError` (their answers could only come on the lost connection).
 */
export class BtpClient extends BtpLink {
  readonly #url: string
  readonly #username: string
  readonly #token: string
  readonly #reconnect: Required<ReconnectOptions> | false
  readonly #authTimeoutMs: number
  readonly #maxPayload: number
  #ws: WebSocket | undefined
  #transport: WsFrameTransport | undefined
  #connecting: Promise<void> | undefined
  #retryTimer: ReturnType<typeof setTimeout> | undefined
  #attempt = 0

  constructor(options: BtpClientOptions) {
    super(options)
    // `btp+ws:` is not a special scheme to WHATWG URL, which then refuses to change it: strip first.
    const url = new URL(options.url.replace(/^btp\+(wss?):/, '$1:'))
    this.#username = options.username ?? decodeURIComponent(url.username)
    this.#token = options.token ?? decodeURIComponent(url.password)
    url.username = ''
    url.password = ''
    this.#url = url.toString()
    this.#reconnect = options.reconnect === false
      ? false
      : { initialDelayMs: options.reconnect?.initialDelayMs ?? 100, maxDelayMs: options.reconnect?.maxDelayMs ?? 10_000 }
    this.#authTimeoutMs = options.authTimeoutMs ?? 10_000
    // ws itself drops frames far beyond our limit; between the two, the session answers ERROR.
    this.#maxPayload = this.session.limits.maxFrameBytes * 4
  }

  /** Opens the WebSocket and authenticates. Rejects with `BtpAuthError` when refused. */
  connect(): Promise<void> {
    if (this.state === 'closed') return Promise.reject(new LinkClosedError())
    if (this.state === 'connected') return Promise.resolve()
    if (this.#connecting === undefined) {
      this.setState('connecting')
      this.#connecting = this.#open().finally(() => {
        this.#connecting = undefined
      })
      this.#connecting.catch(() => {
        if (this.state === 'connecting') this.setState('idle')
      })
    }
    return this.#connecting
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return
    this.setState('closed')
    clearTimeout(this.#retryTimer)
    this.session.detach(new LinkClosedError())
    const ws = this.#ws
    this.#ws = undefined
    this.#transport?.flush()
    this.#transport = undefined
    if (ws !== undefined && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        ws.once('close', () => resolve())
        ws.close(1000, 'closed')
        // A peer that never completes the closing handshake must not hold us.
        setTimeout(() => {
          ws.terminate()
          resolve()
        }, 1000).unref()
      })
    }
  }

  async #open(): Promise<void> {
    const ws = new WebSocket(this.#url, { perMessageDeflate: false, maxPayload: this.#maxPayload })
    ws.binaryType = 'nodebuffer'
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve)
      ws.once('error', reject)
    })
    ws.on('error', (error) => this.logger.warn('websocket error', { error: error.message }))
    if (this.state === 'closed') {
      ws.terminate()
      throw new LinkClosedError()
    }
    this.#ws = ws
    // RFC 6455 §5.3: a client masks every frame it sends.
    const transport = wsTransport(ws, { mask: true })
    this.#transport = transport
    this.session.attach(transport)
    ws.on('message', (data) => this.session.receive(messageBytes(data)))
    ws.once('close', () => this.#onClose(ws))
    try {
      // RFC 0023 §Authentication: the first message, primary `auth`, then the credentials.
      await this.session.call(
        (requestId) => ({
          type: BtpType.Message,
          requestId,
          protocolData: [
            { protocolName: 'auth', contentType: ContentType.ApplicationOctetStream, data: new Uint8Array(0) },
            { protocolName: 'auth_username', contentType: ContentType.TextPlainUtf8, data: encoder.encode(this.#username) },
            { protocolName: 'auth_token', contentType: ContentType.TextPlainUtf8, data: encoder.encode(this.#token) }
          ]
        }),
        this.#authTimeoutMs
      )
    } catch (error) {
      this.#ws = undefined
      this.#transport = undefined
      this.session.detach()
      ws.terminate()
      if (error instanceof LinkRemoteError) throw new BtpAuthError(error.code, error.detail)
      throw error
    }
    this.#attempt = 0
    this.setState('connected')
    this.logger.info('connected', { url: this.#url })
  }

  #onClose(ws: WebSocket): void {
    if (this.#ws !== ws) return
    this.#ws = undefined
    this.#transport = undefined
    this.session.detach(new LinkClosedError('connection lost'))
    // Closed on purpose, or lost during the first connect (whose caller hears of it): no retry.
    if (this.state === 'closed' || this.state === 'connecting') return
    this.logger.warn('connection lost', { url: this.#url })
    if (this.#reconnect === false) {
      this.setState('idle')
      return
    }
    this.setState('reconnecting')
    this.#scheduleRetry(this.#reconnect)
  }

  #scheduleRetry(options: Required<ReconnectOptions>): void {
    const base = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** Math.min(this.#attempt, 20))
    const delay = base / 2 + Math.random() * (base / 2) // jitter: peers that lost one server do not return in step
    this.#attempt++
    this.#retryTimer = setTimeout(() => {
      if (this.state !== 'reconnecting') return
      this.#open().catch((error: unknown) => {
        if (this.state !== 'reconnecting') return
        this.logger.warn('reconnect failed', { error: error instanceof Error ? error.message : String(error), attempt: this.#attempt })
        // Refused credentials stay refused: no retry loop against a server that said no.
        if (error instanceof BtpAuthError) this.setState('idle')
        else this.#scheduleRetry(options)
      })
    }, delay)
  }
}
