/** RFC 0035: requests and replies are `application/octet-stream`. */
export const OCTET_STREAM = 'application/octet-stream'

// ilp-plugin-http sends `application/ilp+octet-stream`; accepted for interop.
const ACCEPTED = new Set([OCTET_STREAM, 'application/ilp+octet-stream'])

export function isOctetStream(contentType: string | undefined): boolean {
  if (contentType === undefined) return false
  const bare = contentType.split(';', 1)[0]?.trim().toLowerCase() ?? ''
  return ACCEPTED.has(bare)
}
