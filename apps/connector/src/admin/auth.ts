import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

const digest = (text: string): Buffer => createHash('sha256').update(text).digest()

/**
 * The admin API's bearer check (RFC 6750 §2.1, `Authorization: Bearer <token>`): the digests are
 * compared in constant time, so neither the token's length nor its first wrong byte leaks.
 * Without a token configured every request passes (config.ts allows that on loopback only).
 */
export function bearerCheck(token: string | undefined): (req: IncomingMessage) => boolean {
  if (token === undefined) return () => true
  const want = digest(token)
  return (req) => {
    const header = req.headers.authorization
    const match = header === undefined ? null : /^Bearer +(\S+) *$/i.exec(header)
    return match !== null && timingSafeEqual(want, digest(match[1] as string))
  }
}
