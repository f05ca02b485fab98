import { createServer } from 'node:http'
import type { IncomingMessage, OutgoingHttpHeaders, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { acceptsMediaType } from './media-type.js'
import { formatSpspResponse, SPSP_CONTENT_TYPE } from './spsp-response.js'

/** What a generator hands out: fresh STREAM credentials for one client (RFC 0009). */
export interface SpspDetails {
  readonly destinationAccount: string
  /** 32 bytes; RFC 0009: SHOULD differ in each query response. */
  readonly sharedSecret: Uint8Array
  /** RFC 0039 §SPSP step 4: the STREAM server will attach receipts (set it when it will). */
  readonly receiptsEnabled?: boolean
}

/** RFC 0039 §SPSP: nonce and secret a Verifier passed in `Receipt-Nonce` / `Receipt-Secret`. */
export interface SpspReceiptParams {
  /** 16 bytes (UInt128). */
  readonly nonce: Uint8Array
  /** 32 bytes. */
  readonly secret: Uint8Array
}

export interface SpspRequestContext {
  /** The request path, without query. */
  readonly path: string
  /** Present when the request carried both receipt headers (RFC 0039 §SPSP step 2). */
  readonly receipt: SpspReceiptParams | undefined
  readonly request: IncomingMessage
}

/**
 * Mints credentials for one query; `undefined` means "no such receiver" (404,
 * RFC 0009 §Errors). A throw or rejection is answered 500 and logged.
 */
export type SpspGenerator = (
  context: SpspRequestContext,
) => SpspDetails | undefined | Promise<SpspDetails | undefined>

export type SpspLog = (message: string, error?: unknown) => void

export interface SpspHandlerOptions {
  readonly generate: SpspGenerator
  /** Where 500s are reported. Default: console.error. */
  readonly log?: SpspLog
  /** RFC 0009 §"Request Headers to Support Web Monetization Polyfills" CORS headers. Default true. */
  readonly cors?: boolean
}

export type SpspRequestHandler = (request: IncomingMessage, response: ServerResponse) => void

const ALLOW = 'GET, HEAD, OPTIONS'
const CORS_HEADERS: OutgoingHttpHeaders = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Headers': 'web-monetization-id',
}
// RFC 0009 §Response Headers: Cache-Control MUST be sent. Each answer holds a secret meant
// for one client, so no cache may keep it: `no-cache` is the directive RFC 0009 clients
// understand, `no-store` the one HTTP caches (RFC 9111 §5.2.2.5) obey.
const CACHE_CONTROL = 'no-store, no-cache'
const RECEIPT_NONCE_LENGTH = 16
const RECEIPT_SECRET_LENGTH = 32

/**
 * A node:http request handler for one SPSP endpoint (whatever path it is mounted at):
 * `http.createServer(handler)`, `https.createServer(tls, handler)`, or called from a router.
 * It never throws and never leaves a request unanswered.
 */
export function createSpspHandler(options: SpspHandlerOptions): SpspRequestHandler {
  const { generate } = options
  return spspHandler(() => generate, options)
}

function spspHandler(
  route: (path: string) => SpspGenerator | undefined,
  options: { readonly log?: SpspLog; readonly cors?: boolean },
): SpspRequestHandler {
  const log = options.log ?? ((message: string, error?: unknown) => console.error(message, error))
  const cors = options.cors ?? true
  return (request, response) => {
    handle(request, response, route, cors).catch((error: unknown) => {
      log(`spsp: ${request.method} ${request.url}: ${error instanceof Error ? error.message : String(error)}`, error)
      try {
        if (!response.headersSent) sendError(response, 500, 'InternalServerError', 'Failed to generate credentials', cors)
        else response.destroy()
      } catch {
        response.destroy()
      }
    })
  }
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  route: (path: string) => SpspGenerator | undefined,
  cors: boolean,
): Promise<void> {
  const path = requestPath(request.url)
  if (path === undefined) return sendError(response, 400, 'InvalidRequestError', 'Invalid request target', cors)
  const generate = route(path)
  if (generate === undefined) return sendError(response, 404, 'InvalidReceiverError', 'Invalid receiver ID', cors)

  const method = request.method
  if (method === 'OPTIONS') {
    // RFC 0009: CORS headers on OPTIONS too (a polyfill's preflight).
    response.writeHead(204, { Allow: ALLOW, ...(cors ? { ...CORS_HEADERS, 'Access-Control-Allow-Methods': ALLOW } : {}) })
    response.end()
    return
  }
  if (method !== 'GET' && method !== 'HEAD') {
    // RFC 9110 §15.5.6: a 405 lists what the resource does allow.
    return sendText(response, 405, `method ${method ?? '?'} not allowed`, { Allow: ALLOW }, cors)
  }
  if (!acceptsMediaType(request.headers.accept, SPSP_CONTENT_TYPE)) {
    return sendText(response, 406, `this SPSP endpoint answers only ${SPSP_CONTENT_TYPE}: ask for it in Accept`, {}, cors)
  }
  const receipt = receiptParams(request)
  if (typeof receipt === 'string') return sendError(response, 400, 'InvalidRequestError', receipt, cors)

  const headers: OutgoingHttpHeaders = {
    'Content-Type': SPSP_CONTENT_TYPE,
    'Cache-Control': CACHE_CONTROL,
    Vary: 'Accept',
    ...(cors ? CORS_HEADERS : {}),
  }
  if (method === 'HEAD') {
    // RFC 9110 §9.3.2: the headers a GET would get. No credentials are minted for a HEAD,
    // so there is no Content-Length to state (which §9.3.2 allows).
    response.writeHead(200, headers)
    response.end()
    return
  }
  const details = await generate({ path, receipt, request })
  if (details === undefined) return sendError(response, 404, 'InvalidReceiverError', 'Invalid receiver ID', cors)
  // A generator returning a bad address or secret is a server fault: formatSpspResponse
  // throws, and the caller of handle() answers 500 and logs it.
  const body = JSON.stringify(formatSpspResponse(details))
  response.writeHead(200, { ...headers, 'Content-Length': Buffer.byteLength(body) })
  response.end(body)
}

function requestPath(target: string | undefined): string | undefined {
  if (target === undefined) return undefined
  try {
    return new URL(target, 'http://spsp.invalid').pathname
  } catch {
    return undefined
  }
}

/** RFC 0039 §SPSP: both headers or neither, base64 (as Verifiers send them). An error text otherwise. */
function receiptParams(request: IncomingMessage): SpspReceiptParams | undefined | string {
  const nonce = request.headers['receipt-nonce']
  const secret = request.headers['receipt-secret']
  if (nonce === undefined && secret === undefined) return undefined
  if (typeof nonce !== 'string' || typeof secret !== 'string') {
    return 'Receipt-Nonce and Receipt-Secret must accompany each other'
  }
  const nonceBytes = decodeBase64(nonce, RECEIPT_NONCE_LENGTH)
  const secretBytes = decodeBase64(secret, RECEIPT_SECRET_LENGTH)
  if (nonceBytes === undefined) return `Receipt-Nonce must be ${RECEIPT_NONCE_LENGTH} bytes in base64`
  if (secretBytes === undefined) return `Receipt-Secret must be ${RECEIPT_SECRET_LENGTH} bytes in base64`
  return { nonce: nonceBytes, secret: secretBytes }
}

function decodeBase64(text: string, length: number): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text.trim())) return undefined
  const bytes = Buffer.from(text.trim(), 'base64')
  return bytes.length === length ? new Uint8Array(bytes) : undefined
}

/** RFC 0009 §Errors: `{ "id": …, "message": … }` as application/spsp4+json. */
function sendError(response: ServerResponse, status: number, id: string, message: string, cors: boolean): void {
  const body = JSON.stringify({ id, message })
  response.writeHead(status, {
    'Content-Type': SPSP_CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': CACHE_CONTROL,
    ...(cors ? CORS_HEADERS : {}),
  })
  response.end(body)
}

function sendText(response: ServerResponse, status: number, text: string, extra: OutgoingHttpHeaders, cors: boolean): void {
  const body = `${text}\n`
  response.writeHead(status, {
    ...extra,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': CACHE_CONTROL,
    ...(cors ? CORS_HEADERS : {}),
  })
  response.end(body)
}

export interface SpspServerOptions {
  /** Path → generator, e.g. `{ '/.well-known/pay': …, '/alice': … }`. Other paths: 404. */
  readonly endpoints: Readonly<Record<string, SpspGenerator>> | ReadonlyMap<string, SpspGenerator>
  readonly log?: SpspLog
  readonly cors?: boolean
}

/**
 * A small standalone SPSP server over plain HTTP: for loopback, tests, or behind a
 * TLS-terminating proxy (RFC 0009: SPSP MUST be HTTPS on the network — for TLS in
 * process, give createSpspHandler to node:https).
 */
export class SpspServer {
  readonly #server: Server
  #url: string | undefined

  constructor(options: SpspServerOptions) {
    const endpoints =
      options.endpoints instanceof Map ? new Map(options.endpoints) : new Map(Object.entries(options.endpoints))
    this.#server = createServer(spspHandler((path) => endpoints.get(path), options))
  }

  /** Listens on `port` (0: any free one) of `host`; resolves once listening. */
  listen(port = 0, host = '127.0.0.1'): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(error)
      this.#server.once('error', onError)
      this.#server.listen(port, host, () => {
        this.#server.off('error', onError)
        const address = this.#server.address() as AddressInfo
        const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address
        this.#url = `http://${shownHost}:${address.port}`
        resolve()
      })
    })
  }

  /** `http://host:port` (no trailing slash) once listening. */
  get url(): string {
    if (this.#url === undefined) throw new Error('SpspServer is not listening')
    return this.#url
  }

  /** Stops listening and closes every connection, idle keep-alive ones included. */
  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.#server.listening) return resolve()
      this.#server.close((error) => (error === undefined ? resolve() : reject(error)))
      this.#server.closeAllConnections()
      this.#url = undefined
    })
  }
}
