import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { boundedHttpServer, type BoundedHttpServer, type HttpBounds } from '@stack/channel-core'
import type { HttpLink } from './http-link.js'
import { isOctetStream, OCTET_STREAM } from './media-type.js'

/** Returns the account a bearer token belongs to, or `undefined` to refuse it. */
export type HttpAuthenticator = (token: string) => string | undefined

export interface HttpLogger {
  warn(message: string, context?: Record<string, unknown>): void
}

export interface IlpHttpServerOptions {
  /** Default 127.0.0.1. */
  readonly host?: string
  /** Default 0 (any free port; see `port` after `listen`). */
  readonly port?: number
  /** The path requests are POSTed to. Default `/ilp`. */
  readonly path?: string
  /** `account → token` (compared in constant time), or a function deciding. */
  readonly accounts: Readonly<Record<string, string>> | HttpAuthenticator
  /** Largest request body accepted (413 past it). Default 64 KiB. */
  readonly maxBodyBytes?: number
  /** Requests being handled at once per server (503 past it). Default 10 000. */
  readonly maxIncoming?: number
  /**
   * A check of the body before it reaches the link: return a reason to refuse it with 400.
   * The link never parses what it carries; the layer above may say what a packet is here
   * (e.g. "first byte is 12, an ILP Prepare"). By default every body is accepted.
   */
  readonly acceptBody?: (body: Uint8Array) => string | undefined
  readonly logger?: HttpLogger
  /** Header and body timeouts and the cap on sockets with no authenticated request yet (channel-core http-bounds.ts). */
  readonly httpBounds?: HttpBounds
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest()

export function tokenAuthenticator(accounts: Readonly<Record<string, string>>): HttpAuthenticator {
  const table = [...Object.entries(accounts)].map(([account, token]) => [account, digest(token)] as const)
  return (token) => {
    const got = digest(token)
    let found: string | undefined
    // Compare against every entry, in constant time each: which account matched does not leak.
    for (const [account, want] of table) if (timingSafeEqual(want, got)) found = account
    return found
  }
}

const silent: HttpLogger = { warn() {} }

/**
 * The receiving side of ILP over HTTP (RFC 0035) on node:http: authenticates the bearer token,
 * reads the body within a size bound, and hands it to the `HttpLink` attached for that account;
 * the handler's reply is the 200 body. Bad requests get their status: 401 (token), 404 (path),
 * 405 (method), 413 (size), 415 (media type), 400 (body refused), 503 (no handler or too busy),
 * 500 (the handler failed). None of them takes the server down.
 */
export class IlpHttpServer {
  readonly #options: IlpHttpServerOptions
  readonly #authenticate: HttpAuthenticator
  readonly #links = new Map<string, HttpLink>()
  readonly #logger: HttpLogger
  readonly #server: Server
  readonly #bounded: BoundedHttpServer
  #incoming = 0

  constructor(options: IlpHttpServerOptions) {
    this.#options = options
    this.#logger = options.logger ?? silent
    this.#authenticate = typeof options.accounts === 'function' ? options.accounts : tokenAuthenticator(options.accounts)
    this.#bounded = boundedHttpServer(options.httpBounds, (req, res) => this.#handle(req, res))
    this.#server = this.#bounded.server
    this.#server.keepAliveTimeout = 30_000
  }

  get port(): number {
    const address = this.#server.address()
    return typeof address === 'object' && address !== null ? (address as AddressInfo).port : 0
  }

  /** The URL peers POST to (after `listen`). */
  get url(): string {
    return `http://${this.#options.host ?? '127.0.0.1'}:${this.port}${this.#options.path ?? '/ilp'}`
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject)
      this.#server.listen(this.#options.port ?? 0, this.#options.host ?? '127.0.0.1', () => {
        this.#server.off('error', reject)
        resolve()
      })
    })
    return this.port
  }

  /** Requests authenticated as `account` go to `link`'s handler. */
  attach(account: string, link: HttpLink): void {
    this.#links.set(account, link)
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve())
      this.#server.closeAllConnections()
    })
  }

  #refuse(res: ServerResponse, status: number, reason: string, context: Record<string, unknown> = {}): void {
    this.#logger.warn('request refused', { status, reason, ...context })
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(reason) })
    res.end(reason)
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?', 1)[0]
    if (path !== (this.#options.path ?? '/ilp')) return this.#drain(req, () => this.#refuse(res, 404, 'not found'))
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST')
      return this.#drain(req, () => this.#refuse(res, 405, 'method not allowed'))
    }
    const header = req.headers.authorization ?? ''
    const token = header.startsWith('Bearer ') ? header.slice(7) : header
    const account = token === '' ? undefined : this.#authenticate(token)
    const link = account === undefined ? undefined : this.#links.get(account)
    if (account === undefined || link === undefined) return this.#drain(req, () => this.#refuse(res, 401, 'invalid authorization'))
    this.#bounded.authenticated(req.socket)
    if (!isOctetStream(req.headers['content-type'])) {
      return this.#drain(req, () => this.#refuse(res, 415, `content-type must be ${OCTET_STREAM}`))
    }
    const limit = this.#options.maxBodyBytes ?? 64 * 1024
    const declared = Number(req.headers['content-length'] ?? Number.NaN)
    if (declared > limit) {
      // Say so and close: reading a body we will not use would be the cost the limit avoids.
      res.setHeader('Connection', 'close')
      this.#refuse(res, 413, `body exceeds ${limit} bytes`)
      req.destroy()
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    let tooLarge = false
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) tooLarge = true
      else chunks.push(chunk)
    })
    req.once('error', () => undefined)
    req.once('end', () => {
      if (tooLarge) return this.#refuse(res, 413, `body exceeds ${limit} bytes`)
      const buffer = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)
      const body = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
      void this.#dispatch(account, link, body, res)
    })
  }

  async #dispatch(account: string, link: HttpLink, body: Uint8Array, res: ServerResponse): Promise<void> {
    const refusal = this.#options.acceptBody?.(body)
    if (refusal !== undefined) return this.#refuse(res, 400, refusal, { account })
    link.heard()
    const handler = link.handler
    if (handler === undefined || link.state !== 'connected') return this.#refuse(res, 503, 'no handler', { account })
    if (this.#incoming >= (this.#options.maxIncoming ?? 10_000)) {
      res.setHeader('Retry-After', '1')
      return this.#refuse(res, 503, 'too many requests in flight', { account })
    }
    this.#incoming++
    try {
      const reply = await handler(body, { signal: link.closingSignal })
      res.writeHead(200, { 'Content-Type': OCTET_STREAM, 'Content-Length': reply.length })
      res.end(reply)
    } catch (error) {
      // RFC 0035 §Error Handling: a 5xx, which the sender turns into a T00 Reject.
      this.#refuse(res, 500, error instanceof Error ? error.message : String(error), { account })
    } finally {
      this.#incoming--
    }
  }

  /** Reads and discards a request body, then answers: a keep-alive socket stays usable. */
  #drain(req: IncomingMessage, then: () => void): void {
    req.resume()
    req.once('end', then)
    req.once('error', () => undefined)
  }
}
