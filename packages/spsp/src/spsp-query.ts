import {
  SpspAbortedError,
  SpspContentTypeError,
  SpspError,
  SpspHttpError,
  SpspRedirectError,
  SpspResponseError,
  SpspTimeoutError,
  SpspUnreachableError,
} from './errors.js'
import { mediaTypeOf } from './media-type.js'
import { resolveSpspEndpoint } from './payment-pointer.js'
import { parseSpspResponse, SPSP_CONTENT_TYPE, SPSP_LEGACY_CONTENT_TYPE } from './spsp-response.js'
import type { SpspResponse } from './spsp-response.js'

/** RFC 0009 §Request: the Accept header of a query, exactly as the RFC shows it. */
export const SPSP_ACCEPT = `${SPSP_CONTENT_TYPE}, ${SPSP_LEGACY_CONTENT_TYPE}`

export const DEFAULT_QUERY_TIMEOUT_MS = 10_000
export const DEFAULT_MAX_REDIRECTS = 5
/** An SPSP body is two short fields: anything much larger is not one. */
export const MAX_RESPONSE_BYTES = 64 * 1024
const MAX_ERROR_BODY_BYTES = 4 * 1024

export interface QuerySpspOptions {
  /** Accept an http:// endpoint URL (local networks, tests). Pointers stay https. */
  readonly allowInsecure?: boolean
  /** For the whole query: every redirect and the body included. Default 10 s. */
  readonly timeoutMs?: number
  readonly signal?: AbortSignal
  /** Default: the global fetch (undici in Node 20). */
  readonly fetch?: typeof globalThis.fetch
  /** Default 5. */
  readonly maxRedirects?: number
}

/** RFC 0009 §Response Headers: how long the client may reuse this answer. */
export interface SpspCacheControl {
  /** `max-age=<i>`, a positive integer of seconds, when present and well formed. */
  readonly maxAgeSeconds: number | undefined
  /** `no-cache` (or `no-store`) was present: do not reuse. */
  readonly noCache: boolean
}

export interface SpspQueryResult extends SpspResponse {
  /** The endpoint the pointer resolved to (or the URL given). */
  readonly endpoint: string
  /**
   * The URL that answered, after redirects. RFC 0026 §"Endpoint Resolution": a client
   * MUST let the sender verify both the resolved and the ultimate endpoint hosts.
   */
  readonly url: string
  /** Every redirect target followed, in order (empty when none). */
  readonly redirects: readonly string[]
  readonly cacheControl: SpspCacheControl
}

const TIMED_OUT = Symbol('timeout')

/**
 * Queries an SPSP endpoint (RFC 0009 §Query) for a payment pointer or an endpoint URL.
 * Throws only the SpspQueryError union: InvalidPaymentPointerError before any I/O,
 * then SpspUnreachableError, SpspRedirectError, SpspHttpError, SpspContentTypeError,
 * SpspResponseError, SpspTimeoutError or SpspAbortedError.
 *
 * Redirects are followed by hand (at most `maxRedirects`), never from https to http,
 * even with `allowInsecure`; http → http needs an http start, which needs `allowInsecure`.
 */
export async function querySpsp(pointerOrUrl: string, options: QuerySpspOptions = {}): Promise<SpspQueryResult> {
  const endpoint = resolveSpspEndpoint(pointerOrUrl, options)
  const timeoutMs = options.timeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS
  if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) throw new RangeError(`timeoutMs must be a positive number, not ${timeoutMs}`)
  if (!Number.isInteger(maxRedirects) || maxRedirects < 0) throw new RangeError(`maxRedirects must be a natural number, not ${maxRedirects}`)
  const fetchImpl = options.fetch ?? globalThis.fetch
  const callerSignal = options.signal
  if (callerSignal?.aborted === true) throw new SpspAbortedError(endpoint.href, callerSignal.reason)

  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(TIMED_OUT), timeoutMs)
  const onAbort = (): void => controller.abort(callerSignal?.reason)
  callerSignal?.addEventListener('abort', onAbort, { once: true })
  let url = endpoint
  try {
    const redirects: string[] = []
    for (;;) {
      let response: Response
      try {
        response = await fetchImpl(url.href, {
          method: 'GET',
          headers: { Accept: SPSP_ACCEPT },
          redirect: 'manual',
          signal: controller.signal,
        })
      } catch (error) {
        throw new SpspUnreachableError(url.href, systemErrorCode(error), error)
      }
      if (REDIRECT_STATUSES.has(response.status)) {
        await discard(response)
        url = redirectTarget(url, response.headers.get('location'), redirects.length, maxRedirects)
        redirects.push(url.href)
        continue
      }
      if (response.status !== 200) throw await httpError(url.href, response)

      const contentType = response.headers.get('content-type') ?? undefined
      const mediaType = mediaTypeOf(contentType)
      if (mediaType !== SPSP_CONTENT_TYPE) {
        await discard(response)
        // RFC 0009 §Response Headers: Content-Type MUST be application/spsp4+json. The legacy
        // type is in our Accept (as in the RFC's example) only to get this clear error
        // from an old server instead of a 406: its body holds PSK2, not STREAM, credentials.
        const hint = mediaType === SPSP_LEGACY_CONTENT_TYPE ? ' (application/spsp+json is pre-STREAM SPSP: PSK2 credentials, unusable with STREAM)' : ''
        throw new SpspContentTypeError(url.href, contentType, hint)
      }
      const text = await readText(response, MAX_RESPONSE_BYTES, url.href)
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch {
        throw new SpspResponseError('body', 'is not JSON')
      }
      return {
        ...parseSpspResponse(json),
        endpoint: endpoint.href,
        url: url.href,
        redirects,
        cacheControl: parseCacheControl(response.headers.get('cache-control')),
      }
    }
  } catch (error) {
    // Whatever was in progress when the timer or the caller aborted, that is the cause.
    if (controller.signal.aborted) {
      if (controller.signal.reason === TIMED_OUT) throw new SpspTimeoutError(endpoint.href, timeoutMs)
      throw new SpspAbortedError(endpoint.href, callerSignal?.reason)
    }
    if (error instanceof SpspError) throw error
    throw new SpspUnreachableError(url.href, systemErrorCode(error), error)
  } finally {
    clearTimeout(timer)
    callerSignal?.removeEventListener('abort', onAbort)
  }
}

// RFC 9110 §15.4: the redirects that name a new location. For a GET they all mean "GET there".
const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308])

function redirectTarget(from: URL, location: string | null, followed: number, maxRedirects: number): URL {
  if (location === null) throw new SpspRedirectError(from.href, undefined, 'missing-location', 'no Location header')
  if (followed >= maxRedirects) throw new SpspRedirectError(from.href, location, 'too-many', `more than ${maxRedirects} redirects`)
  let to: URL
  try {
    to = new URL(location, from)
  } catch {
    throw new SpspRedirectError(from.href, location, 'invalid-location', 'the Location is not a URL')
  }
  if (to.protocol === 'http:' && from.protocol === 'https:') {
    // SPSP messages MUST be exchanged over HTTPS (RFC 0009 §Interfaces): never downgrade.
    throw new SpspRedirectError(from.href, location, 'insecure', 'refusing to follow a redirect from https to plain http')
  }
  if (to.protocol !== 'https:' && to.protocol !== 'http:') {
    throw new SpspRedirectError(from.href, location, 'scheme', `refusing to follow a redirect to ${to.protocol}`)
  }
  if (to.username !== '' || to.password !== '') {
    throw new SpspRedirectError(from.href, location, 'invalid-location', 'the Location has userinfo')
  }
  to.hash = ''
  return to
}

async function httpError(url: string, response: Response): Promise<SpspHttpError> {
  // RFC 0009 §Errors: an error body may be JSON `{ "id": …, "message": … }`.
  let id: string | undefined
  let message: string | undefined
  try {
    const body: unknown = JSON.parse(await readText(response, MAX_ERROR_BODY_BYTES, url))
    if (typeof body === 'object' && body !== null) {
      const fields = body as Record<string, unknown>
      if (typeof fields['id'] === 'string') id = fields['id']
      if (typeof fields['message'] === 'string') message = fields['message']
    }
  } catch {
    // No usable error body: the status says enough.
  }
  return new SpspHttpError(url, response.status, id, message)
}

/** The body as UTF-8 text, refused past `limit` bytes (checked while reading). */
async function readText(response: Response, limit: number, url: string): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN)
  if (declared > limit) {
    await discard(response)
    throw new SpspResponseError('body', `is larger than ${limit} bytes`)
  }
  if (response.body === null) return ''
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let length = 0
  for (;;) {
    let chunk: Awaited<ReturnType<typeof reader.read>>
    try {
      chunk = await reader.read()
    } catch (error) {
      throw new SpspUnreachableError(url, systemErrorCode(error), error)
    }
    if (chunk.done) break
    length += chunk.value.length
    if (length > limit) {
      await reader.cancel().catch(() => undefined)
      throw new SpspResponseError('body', `is larger than ${limit} bytes`)
    }
    chunks.push(chunk.value)
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks, length))
  } catch {
    throw new SpspResponseError('body', 'is not UTF-8')
  }
}

async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined)
}

/** RFC 0009 §Response Headers: `max-age=<i>` (a positive integer) and `no-cache`. */
export function parseCacheControl(header: string | null | undefined): SpspCacheControl {
  let maxAgeSeconds: number | undefined
  let noCache = false
  for (const directive of (header ?? '').split(',')) {
    const [name = '', value] = directive.trim().toLowerCase().split('=', 2)
    if (name === 'no-cache' || name === 'no-store') noCache = true
    else if (name === 'max-age' && value !== undefined && /^[1-9][0-9]{0,9}$/.test(value)) maxAgeSeconds = Number(value)
  }
  return { maxAgeSeconds, noCache }
}

/** undici wraps the system error: `TypeError('fetch failed', { cause: { code } })`. */
function systemErrorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; typeof e === 'object' && e !== null && depth < 4; depth++) {
    const { code, cause, errors } = e as { code?: unknown; cause?: unknown; errors?: unknown }
    if (typeof code === 'string') return code
    // AggregateError (every address of a host refused): take the first.
    e = cause ?? (Array.isArray(errors) ? errors[0] : undefined)
  }
  return undefined
}
