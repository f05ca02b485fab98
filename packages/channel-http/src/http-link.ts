import { Agent, request as httpRequest } from 'node:http'
import type { IncomingMessage } from 'node:http'
import { randomUUID } from 'node:crypto'
import { setMaxListeners } from 'node:events'
import { connect as netConnect } from 'node:net'
import {
  LinkAbortedError,
  LinkBusyError,
  LinkClosedError,
  LinkNotConnectedError,
  LinkPayloadTooLargeError,
  LinkRemoteError,
  LinkTimeoutError,
  StateListeners
} from '@stack/channel-core'
import type { Link, LinkState, RequestHandler, RequestOptions, StateListener } from '@stack/channel-core'
import { OCTET_STREAM } from './media-type.js'

export interface HttpLinkOptions {
  /** The peer's endpoint, e.g. `http://127.0.0.1:8080/ilp` (RFC 0035: any path). */
  readonly url: string
  /** Sent as `Authorization: Bearer <token>` (RFC 0035 §Authentication). */
  readonly token: string
  /** Deadline of a request when the caller gives none. Default 30 000 ms. */
  readonly timeoutMs?: number
  /** Requests awaiting a reply; past it `request` rejects with `LinkBusyError` unsent. Default 1000. */
  readonly maxInFlight?: number
  /** Keep-alive sockets to the peer. Default 64. */
  readonly maxSockets?: number
  /** Largest reply body accepted. Default 64 KiB. */
  readonly maxBodyBytes?: number
}

const EMPTY = new Uint8Array(0)

/** Nothing answered HTTP at the peer's URL (refused, reset, timed out): the link is not up. */
export class HttpPeerUnreachableError extends Error {
  override readonly name = 'HttpPeerUnreachableError'
  constructor(readonly url: string, readonly reason: string) {
    super(`nothing answers HTTP at ${url}: ${reason}`)
  }
}

/** Socket-level failures of a POST that show the peer is gone (not merely slow or refusing). */
const LOST = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE'])
const PROBE_TIMEOUT_MS = 5_000
const PROBE_RETRY = { initialMs: 100, maxMs: 5_000 }

/**
 * ILP over HTTP (RFC 0035), the synchronous form that ilp-plugin-http and deployed connectors
 * speak: each request is a POST of the bytes, and the reply comes back in the 200 response.
 * Requests go out over keep-alive sockets. Incoming requests reach this link's handler through
 * an `IlpHttpServer` the link is attached to.
 *
 * Retries: none. A POST carrying a Prepare is not idempotent (RFC 0035 allows retries only of
 * the reply delivery, §Retry Behavior), so a failed request is the caller's to judge.
 */
export class HttpLink implements Link {
  readonly #url: URL
  readonly #authorization: string
  readonly #timeoutMs: number
  readonly #maxInFlight: number
  readonly #maxBodyBytes: number
  readonly #agent: Agent
  readonly #listeners = new StateListeners()
  readonly #requests = new Set<AbortController>()
  #state: LinkState = 'idle'
  readonly #closing = new AbortController()
  #probeTimer: NodeJS.Timeout | undefined
  /** @internal read by IlpHttpServer */
  handler: RequestHandler | undefined

  constructor(options: HttpLinkOptions) {
    this.#url = new URL(options.url)
    this.#authorization = `Bearer ${options.token}`
    this.#timeoutMs = options.timeoutMs ?? 30_000
    this.#maxInFlight = options.maxInFlight ?? 1000
    this.#maxBodyBytes = options.maxBodyBytes ?? 64 * 1024
    this.#agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 64 })
    // Every request in flight that a handler forwards (a cluster's relay) listens on it: no
    // MaxListenersExceededWarning past ten.
    setMaxListeners(0, this.#closing.signal)
  }

  get state(): LinkState {
    return this.#state
  }

  get inFlight(): number {
    return this.#requests.size
  }

  /** @internal the signal handlers see; fires when the link closes. */
  get closingSignal(): AbortSignal {
    return this.#closing.signal
  }

  /**
   * HTTP has no connection to open, so the link is up once the peer's port takes a connection
   * (RFC 0035 defines no ping). Rejects with HttpPeerUnreachableError
   * when nothing answers; the caller (a dialer) retries.
   */
  async connect(): Promise<void> {
    if (this.#state === 'closed') throw new LinkClosedError()
    if (this.#state === 'connected') return
    this.#setState('connecting')
    try {
      await this.#probe()
    } catch (error) {
      if (this.#state === 'connecting') this.#setState('idle')
      throw error
    }
    if (this.#state === 'connecting') this.#setState('connected')
  }

  async close(): Promise<void> {
    if (this.#state === 'closed') return
    clearTimeout(this.#probeTimer)
    this.#setState('closed')
    this.#closing.abort(new LinkClosedError())
    for (const controller of this.#requests) controller.abort(new LinkClosedError())
    this.#agent.destroy()
  }

  request(data: Uint8Array, options: RequestOptions = {}): Promise<Uint8Array> {
    if (this.#state === 'closed') return Promise.reject(new LinkClosedError())
    if (this.#state !== 'connected') return Promise.reject(new LinkNotConnectedError(this.#state))
    if (options.signal?.aborted === true) return Promise.reject(new LinkAbortedError(options.signal.reason))
    if (this.#requests.size >= this.#maxInFlight) return Promise.reject(new LinkBusyError(this.#maxInFlight))
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs
    const controller = new AbortController()
    this.#requests.add(controller)
    const onCallerAbort = (): void => controller.abort(new LinkAbortedError(options.signal?.reason))
    options.signal?.addEventListener('abort', onCallerAbort, { once: true })
    const timer = setTimeout(() => controller.abort(new LinkTimeoutError(timeoutMs)), timeoutMs)
    return this.#post(data, controller.signal).catch((error: unknown) => {
      if (LOST.has((error as { code?: unknown }).code as string) && this.#state === 'connected') this.#lost()
      throw error
    }).finally(() => {
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onCallerAbort)
      this.#requests.delete(controller)
    })
  }

  /**
   * @internal An authenticated request of the peer's reached our server (IlpHttpServer): it is
   * there, whether or not its own URL answers yet, so its packets are taken. Its POSTs are the
   * best sign RFC 0035 gives; only a link that has a handler (its node attached it) goes up.
   */
  heard(): void {
    if (this.#state === 'closed' || this.#state === 'connected' || this.handler === undefined) return
    clearTimeout(this.#probeTimer)
    this.#setState('connected')
  }

  setRequestHandler(handler: RequestHandler | undefined): void {
    this.handler = handler
  }

  onStateChange(listener: StateListener): () => void {
    return this.#listeners.add(listener)
  }

  #setState(state: LinkState): void {
    if (state === this.#state) return
    this.#state = state
    this.#listeners.emit(state)
  }

  /** The peer went away mid-use: down until a probe gets an answer again (backing off). */
  #lost(attempt = 0): void {
    this.#setState('reconnecting')
    const delay = Math.min(PROBE_RETRY.maxMs, PROBE_RETRY.initialMs * 2 ** Math.min(attempt, 20))
    this.#probeTimer = setTimeout(() => {
      this.#probe().then(
        () => {
          if (this.#state === 'reconnecting') this.#setState('connected')
        },
        () => {
          if (this.#state === 'reconnecting') this.#lost(attempt + 1)
        }
      )
    }, delay)
    this.#probeTimer.unref()
  }

  /**
   * A TCP connection to the URL's host and port, closed at once: something listens. Not an
   * HTTP request, which some servers (ilp-plugin-http) would read as a bad ILP packet.
   */
  #probe(): Promise<void> {
    const port = Number(this.#url.port || (this.#url.protocol === 'https:' ? 443 : 80))
    const host = this.#url.hostname.replace(/^\[|\]$/g, '')
    return new Promise<void>((resolve, reject) => {
      const socket = netConnect({ host, port, timeout: PROBE_TIMEOUT_MS }, () => {
        socket.destroy()
        resolve()
      })
      socket.on('timeout', () => socket.destroy(Object.assign(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`), { code: 'ETIMEDOUT' })))
      socket.on('error', (error: Error & { code?: string }) => reject(new HttpPeerUnreachableError(this.#url.href, error.code ?? error.message)))
    })
  }

  #post(data: Uint8Array, signal: AbortSignal): Promise<Uint8Array> {
    return new Promise<Uint8Array>((resolve, reject) => {
      const fail = (error: unknown): void => {
        // The abort reason is our typed error (timeout, caller abort, close); else the socket's.
        const reason: unknown = signal.aborted ? signal.reason : error
        reject(reason instanceof Error ? reason : new LinkClosedError(String(reason)))
      }
      const req = httpRequest(
        this.#url,
        {
          method: 'POST',
          agent: this.#agent,
          signal,
          headers: {
            'Content-Type': OCTET_STREAM,
            Accept: OCTET_STREAM,
            Authorization: this.#authorization,
            'Content-Length': data.length,
            // RFC 0035 §Request: a UUIDv4 per request, for the peer's logs and correlation.
            'Request-Id': randomUUID()
          }
        },
        (res) => {
          readBody(res, this.#maxBodyBytes).then((body) => {
            const status = res.statusCode ?? 0
            if (status === 200) resolve(body)
            else reject(new LinkRemoteError(`HTTP ${status}`, res.statusMessage ?? '', new TextDecoder().decode(body.subarray(0, 512))))
          }, fail)
        }
      )
      req.on('error', fail)
      req.end(data.length === 0 ? EMPTY : data)
    })
  }
}

/** Reads a response body up to `limit` bytes; more is an error, not a bigger buffer. */
export function readBody(res: IncomingMessage, limit: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    res.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        res.destroy(new LinkPayloadTooLargeError(size, limit))
        return
      }
      chunks.push(chunk)
    })
    res.once('end', () => {
      const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)
      resolve(new Uint8Array(body.buffer, body.byteOffset, body.byteLength))
    })
    res.once('error', reject)
    res.once('aborted', () => reject(new LinkClosedError('response aborted')))
  })
}
