/**
 * Typed failures of payment pointers and SPSP. One class per condition, each with a
 * fixed `name`; all extend SpspError so a caller can catch the family at once.
 */
export abstract class SpspError extends Error {}

/** Shown inputs are capped: a pointer or URL may be megabytes of hostile text. */
function shown(input: string): string {
  return input.length > 80 ? `${input.slice(0, 80)}…` : input
}

export type InvalidPaymentPointerReason =
  /** Neither a `$` payment pointer nor (where URLs are accepted) an absolute URL. */
  | 'not-a-pointer'
  /** A character outside ASCII: RFC 0026 defines no mapping (no IDN), so it is refused. */
  | 'non-ascii'
  /** An ASCII control character or space (nothing is trimmed silently). */
  | 'character'
  /** RFC 0026: the host is empty (RFC 7230 §2.7.2: an https URI needs a host). */
  | 'empty-host'
  /** The host breaks RFC 3986 `host`, or the URL parser would read it as another host. */
  | 'host'
  /** RFC 0026: userinfo (`user@`) is excluded. */
  | 'userinfo'
  /** RFC 0026: a port is excluded from a pointer. */
  | 'port'
  /** RFC 0026: a query is excluded from a pointer. */
  | 'query'
  /** RFC 0026: a fragment is excluded (and an endpoint URL has no use for one). */
  | 'fragment'
  /** The path breaks RFC 3986 `path-abempty`, or holds a `.`/`..` segment. */
  | 'path'
  /** An endpoint URL whose scheme is neither https nor (allowed) http. */
  | 'scheme'
  /** A plain http:// endpoint URL without `{ allowInsecure: true }`. */
  | 'insecure'

/** A payment pointer (or SPSP endpoint URL) that must not be resolved (RFC 0026). */
export class InvalidPaymentPointerError extends SpspError {
  override readonly name = 'InvalidPaymentPointerError'
  readonly input: string
  readonly reason: InvalidPaymentPointerReason

  constructor(input: string, reason: InvalidPaymentPointerReason, detail: string) {
    super(`invalid payment pointer "${shown(input)}": ${detail}`)
    this.input = input
    this.reason = reason
  }
}

/** An SPSP response body (or a value given to formatSpspResponse) breaking RFC 0009. */
export class SpspResponseError extends SpspError {
  override readonly name = 'SpspResponseError'
  /** The JSON field at fault (`destination_account`, `shared_secret`, …), or `body`. */
  readonly field: string

  constructor(field: string, message: string) {
    super(`SPSP response ${field}: ${message}`)
    this.field = field
  }
}

/** The endpoint could not be reached: DNS, refused connection, TLS, reset. */
export class SpspUnreachableError extends SpspError {
  override readonly name = 'SpspUnreachableError'
  readonly url: string
  /** The system error code when there is one (`ECONNREFUSED`, `ENOTFOUND`, `CERT_HAS_EXPIRED`…). */
  readonly code: string | undefined

  constructor(url: string, code: string | undefined, cause: unknown) {
    super(`SPSP endpoint ${url} is unreachable${code === undefined ? '' : ` (${code})`}`, { cause })
    this.url = url
    this.code = code
  }
}

/** The endpoint answered with a status other than 200 (redirects are followed first). */
export class SpspHttpError extends SpspError {
  override readonly name = 'SpspHttpError'
  readonly url: string
  readonly status: number
  /** RFC 0009 §Errors: the `id` of a JSON error body (`InvalidReceiverError`), if any. */
  readonly errorId: string | undefined
  readonly errorMessage: string | undefined

  constructor(url: string, status: number, errorId?: string, errorMessage?: string) {
    const because = errorId === undefined ? '' : `: ${errorId}${errorMessage === undefined ? '' : ` (${shown(errorMessage)})`}`
    super(`SPSP endpoint ${url} answered HTTP ${status}${because}`)
    this.url = url
    this.status = status
    this.errorId = errorId
    this.errorMessage = errorMessage
  }
}

/** A 200 answer whose Content-Type is not `application/spsp4+json` (RFC 0009 §Response Headers). */
export class SpspContentTypeError extends SpspError {
  override readonly name = 'SpspContentTypeError'
  readonly url: string
  /** The Content-Type received, or undefined when there was none. */
  readonly contentType: string | undefined

  constructor(url: string, contentType: string | undefined, hint = '') {
    super(
      `SPSP endpoint ${url} answered Content-Type ${contentType === undefined ? '(none)' : `"${shown(contentType)}"`}, ` +
        `not application/spsp4+json${hint}`,
    )
    this.url = url
    this.contentType = contentType
  }
}

export type SpspRedirectFailure = 'insecure' | 'scheme' | 'too-many' | 'missing-location' | 'invalid-location'

/** A redirect that was not followed. */
export class SpspRedirectError extends SpspError {
  override readonly name = 'SpspRedirectError'
  readonly url: string
  /** The Location header, when there was one. */
  readonly location: string | undefined
  readonly reason: SpspRedirectFailure

  constructor(url: string, location: string | undefined, reason: SpspRedirectFailure, detail: string) {
    super(`SPSP endpoint ${url} redirected${location === undefined ? '' : ` to "${shown(location)}"`}: ${detail}`)
    this.url = url
    this.location = location
    this.reason = reason
  }
}

/** The whole query (every redirect and the body included) took longer than `timeoutMs`. */
export class SpspTimeoutError extends SpspError {
  override readonly name = 'SpspTimeoutError'
  readonly url: string
  readonly timeoutMs: number

  constructor(url: string, timeoutMs: number) {
    super(`SPSP query to ${url} timed out after ${timeoutMs} ms`)
    this.url = url
    this.timeoutMs = timeoutMs
  }
}

/** The caller's AbortSignal fired; its reason is the `cause`. */
export class SpspAbortedError extends SpspError {
  override readonly name = 'SpspAbortedError'
  readonly url: string

  constructor(url: string, cause: unknown) {
    super(`SPSP query to ${url} was aborted`, { cause })
    this.url = url
  }
}

/** Everything querySpsp can throw. */
export type SpspQueryError =
  | InvalidPaymentPointerError
  | SpspUnreachableError
  | SpspHttpError
  | SpspContentTypeError
  | SpspRedirectError
  | SpspResponseError
  | SpspTimeoutError
  | SpspAbortedError

export type QuoteFailure =
  /** Neither or both of amountToSend and amountToDeliver, or not a positive amount. */
  | 'invalid-amount'
  /** Slippage not a decimal in [0, 1) with at most 9 decimals. */
  | 'invalid-slippage'
  /** minExchangeRate is not a non-negative decimal. */
  | 'invalid-exchange-rate'
  /** No probe reached the receiver (RFC 0029 §3.4): no route, the receiver refused, the path fails. */
  | 'rate-probe-failed'
  /** Probes reached the receiver, but the largest packet the path carries delivers nothing. */
  | 'rate-rounds-to-zero'
  /** The probed rate is below the caller's minExchangeRate: nothing was sent. */
  | 'exchange-rate-too-low'
  /** A floor in asset units needs the receiver's asset, and it did not tell it (RFC 0029 §4.3.3). */
  | 'unknown-destination-asset'
  /** A fixed delivery over a rate that rounds to nothing: no bound on what it would cost. */
  | 'unenforceable-delivery'
  /** The caller's signal fired. */
  | 'aborted'

/** A payment that cannot be quoted; nothing was sent (probes are unfulfillable). */
export class QuoteError extends SpspError {
  override readonly name = 'QuoteError'
  readonly code: QuoteFailure

  constructor(code: QuoteFailure, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}
