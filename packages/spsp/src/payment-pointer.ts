import { InvalidPaymentPointerError } from './errors.js'

/**
 * Payment pointers, RFC 0026. How the RFC is read here:
 *
 * - Syntax (§"Payment Pointer Syntax"): `"$" host path-abempty` with `host` and
 *   `path-abempty` from RFC 3986. Anything outside that grammar is invalid (§"Endpoint
 *   Resolution": such pointers MUST be considered invalid). So no userinfo, no port, no
 *   query, no fragment — each refused with its own reason — and no whitespace: nothing
 *   is trimmed.
 * - Character set: ASCII only. The RFC defines no mapping from other characters (no IDN)
 *   and warns of the risks, so a non-ASCII pointer is refused, not converted to punycode.
 *   An A-label (`xn--…`) is ASCII and is accepted as written (the URL parser validates it).
 * - Resolution: `"https://" host path-abempty`, with an empty or `/` path replaced by
 *   `/.well-known/pay`. A pointer always resolves to https; plain http is reachable only
 *   by giving an http:// endpoint URL with `allowInsecure` (see resolveSpspEndpoint).
 * - The URL must denote what the pointer says (§"Semantic Attacks and Phishing"). Inside
 *   the grammar, a pointer is still refused when the WHATWG URL parser (the one fetch
 *   uses) would read a different host or path than the one written: a percent-encoded
 *   host (`ex%61mple.com` → `example.com`), IPv4 shorthand (`127.1`, `0x7f.0.0.1`),
 *   dot segments (`/a/../b` → `/b`, which could turn `/..` into `/`). ASCII case in the
 *   host is the one difference allowed (DNS names are case-insensitive).
 * - An empty host is refused (RFC 7230 §2.7.2 forbids it in https URIs), and so is an
 *   RFC 3986 IPvFuture literal or anything else the URL parser refuses (bad punycode).
 */
export interface PaymentPointer {
  /** The host as written, ASCII-lowercased. */
  readonly host: string
  /** The path after RFC 0026 resolution (`/.well-known/pay` for an empty or `/` path). */
  readonly path: string
  /** The SPSP endpoint: `https://host/path`. */
  readonly endpoint: string
}

// RFC 3986 §2.2, §2.3, §3.2.2, §3.3 — ASCII character classes, as regex bodies.
const UNRESERVED = "A-Za-z0-9\\-._~"
const SUB_DELIMS = "!$&'()*+,;="
const PCT_ENCODED = '%[0-9A-Fa-f]{2}'
const REG_NAME = new RegExp(`^(?:[${UNRESERVED}${SUB_DELIMS}]|${PCT_ENCODED})*$`)
const PATH_ABEMPTY = new RegExp(`^(?:/(?:[${UNRESERVED}${SUB_DELIMS}:@]|${PCT_ENCODED})*)*$`)
// IP-literal = "[" ( IPv6address / IPvFuture ) "]": the characters are checked here, the
// exact IPv6 grammar by the URL parser, which implements the same one (RFC 3986 §3.2.2).
const IP_LITERAL = /^\[[0-9A-Fa-f:.]+\]$/
// A `.` or `..` segment, also percent-encoded (%2e): RFC 3986 §6.2.2.2 equivalence.
const DOT_SEGMENT = /(?:^|\/)(?:\.|%2e){1,2}(?=\/|$)/i
const WELL_KNOWN_PAY = '/.well-known/pay'

/**
 * Parses a payment pointer (RFC 0026) and resolves its SPSP endpoint. Throws
 * InvalidPaymentPointerError, with a `reason`, for anything the RFC does not allow.
 */
export function parsePaymentPointer(pointer: string): PaymentPointer {
  if (typeof pointer !== 'string' || !pointer.startsWith('$')) {
    throw new InvalidPaymentPointerError(String(pointer), 'not-a-pointer', 'a payment pointer starts with "$"')
  }
  checkCharacters(pointer)
  const body = pointer.slice(1)
  if (body.includes('#')) fail(pointer, 'fragment', 'a payment pointer has no fragment (#…)')
  if (body.includes('?')) fail(pointer, 'query', 'a payment pointer has no query (?…)')

  const slash = body.indexOf('/')
  const authority = slash === -1 ? body : body.slice(0, slash)
  const rawPath = slash === -1 ? '' : body.slice(slash)
  if (authority.includes('@')) fail(pointer, 'userinfo', 'a payment pointer has no userinfo (user@)')

  let host: string
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']')
    host = close === -1 ? authority : authority.slice(0, close + 1)
    const rest = close === -1 ? '' : authority.slice(close + 1)
    if (rest.startsWith(':')) fail(pointer, 'port', 'a payment pointer has no port')
    if (rest !== '' || !IP_LITERAL.test(host)) fail(pointer, 'host', `"${host}" is not an IP literal`)
  } else {
    if (authority.includes(':')) fail(pointer, 'port', 'a payment pointer has no port')
    host = authority
    if (host === '') fail(pointer, 'empty-host', 'the host is empty')
    if (!REG_NAME.test(host)) fail(pointer, 'host', `"${host}" is not an RFC 3986 host`)
  }

  if (!PATH_ABEMPTY.test(rawPath)) fail(pointer, 'path', `"${rawPath}" is not an RFC 3986 path-abempty`)
  if (DOT_SEGMENT.test(rawPath)) fail(pointer, 'path', 'a "." or ".." path segment would be removed from the URL')
  // RFC 0026 §"Payment Setup Protocol Receiver Endpoint Resolution".
  const path = rawPath === '' || rawPath === '/' ? WELL_KNOWN_PAY : rawPath

  let url: URL
  try {
    url = new URL(`https://${host}${path}`)
  } catch {
    return fail(pointer, 'host', `"${host}" is not a host an https URL can hold`)
  }
  // The URL must say what the pointer says (RFC 0026 §"Semantic Attacks and Phishing").
  if (!host.startsWith('[') && url.hostname !== host.toLowerCase()) {
    fail(pointer, 'host', `the URL parser reads the host "${host}" as "${url.hostname}"`)
  }
  if (url.pathname !== path || url.port !== '' || url.search !== '' || url.hash !== '') {
    fail(pointer, 'path', `the URL parser reads the path "${path}" as "${url.pathname}"`)
  }
  return { host: url.hostname, path, endpoint: url.href }
}

export interface ResolveOptions {
  /**
   * Accept a plain `http://` endpoint URL (local networks and tests). Never changes what
   * a `$` pointer resolves to: that is always https (RFC 0026).
   */
  readonly allowInsecure?: boolean
}

/**
 * The SPSP endpoint URL for a payment pointer or a raw endpoint URL (RFC 0009
 * §Specification: clients SHOULD support raw URLs). A URL must be https — or http with
 * `allowInsecure` — and have no userinfo, no fragment, and only ASCII (give IDNs as
 * A-labels); a query is allowed, the endpoint URL being opaque. Returns a fresh URL.
 */
export function resolveSpspEndpoint(pointerOrUrl: string, options: ResolveOptions = {}): URL {
  if (typeof pointerOrUrl === 'string' && pointerOrUrl.startsWith('$')) {
    return new URL(parsePaymentPointer(pointerOrUrl).endpoint)
  }
  const input = String(pointerOrUrl)
  let url: URL
  try {
    url = new URL(input)
  } catch {
    return fail(input, 'not-a-pointer', 'neither a payment pointer ($host/path) nor an absolute URL')
  }
  checkCharacters(input)
  if (url.protocol === 'http:') {
    if (options.allowInsecure !== true) {
      fail(input, 'insecure', 'plain http:// is refused (SPSP is HTTPS only); pass { allowInsecure: true } for local networks and tests')
    }
  } else if (url.protocol !== 'https:') {
    fail(input, 'scheme', `the scheme ${url.protocol} is not https`)
  }
  if (url.username !== '' || url.password !== '') fail(input, 'userinfo', 'an endpoint URL has no userinfo')
  if (url.href.includes('#')) fail(input, 'fragment', 'an endpoint URL has no fragment (#…)')
  return url
}

function checkCharacters(input: string): void {
  for (let i = 0; i < input.length; i++) {
    const c = input.charCodeAt(i)
    if (c > 0x7f) fail(input, 'non-ascii', 'only ASCII is allowed (RFC 0026 defines no IDN mapping: give the xn-- form)')
    if (c <= 0x20 || c === 0x7f) fail(input, 'character', 'control characters and spaces are not allowed')
  }
}

function fail(input: string, reason: InvalidPaymentPointerError['reason'], detail: string): never {
  throw new InvalidPaymentPointerError(input, reason, detail)
}
