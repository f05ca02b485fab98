/**
 * The two bits of HTTP content negotiation SPSP needs (RFC 9110 §8.3.1, §12.5.1),
 * without a dependency: the media type of a Content-Type, and whether an Accept
 * header asks for one exact type.
 */

/** `type/subtype` of a Content-Type value, lowercased, parameters dropped; undefined if absent. */
export function mediaTypeOf(contentType: string | null | undefined): string | undefined {
  if (contentType === null || contentType === undefined) return undefined
  const semicolon = contentType.indexOf(';')
  const essence = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase()
  return essence === '' ? undefined : essence
}

/**
 * True when `accept` names `mediaType` itself with a non-zero weight. Wildcards
 * (`*\/*`, `application/*`) do not count: SPSP is chosen by naming it (RFC 0026
 * §"Payment Setup Protocols": the protocol is negotiated by its media type), so a
 * browser or crawler sending `*\/*` is not handed a shared secret.
 */
export function acceptsMediaType(accept: string | undefined, mediaType: string): boolean {
  if (accept === undefined) return false
  for (const range of accept.split(',')) {
    const [type = '', ...params] = range.split(';')
    if (type.trim().toLowerCase() !== mediaType) continue
    const weight = params.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith('q='))
    if (weight === undefined || Number(weight.slice(2)) > 0) return true
  }
  return false
}
