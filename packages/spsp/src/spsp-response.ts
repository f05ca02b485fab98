import { isValidAddress } from '@stack/ilp-core'
import { SpspResponseError } from './errors.js'

/** RFC 0009 §Response Headers: the one content type of an SPSP (STREAM) response. */
export const SPSP_CONTENT_TYPE = 'application/spsp4+json'
/**
 * The pre-STREAM SPSP type (SPSP v2/v3, PSK2 credentials). RFC 0009's example request
 * still lists it in Accept, but a response of this type is not usable with STREAM.
 */
export const SPSP_LEGACY_CONTENT_TYPE = 'application/spsp+json'

/** RFC 0009 §Response Body: the shared secret is 32 bytes. */
export const SHARED_SECRET_LENGTH = 32

/** An SPSP response (RFC 0009), decoded. */
export interface SpspResponse {
  /** RFC 0009: MUST be used as the STREAM destinationAccount. A valid ILP address (RFC 0015). */
  readonly destinationAccount: string
  /** RFC 0009: MUST be used as the STREAM sharedSecret. 32 bytes. */
  readonly sharedSecret: Uint8Array
  /** RFC 0039 §SPSP: the receiver will attach STREAM receipts (`receipts_enabled: true`). */
  readonly receiptsEnabled: boolean
}

/** The JSON body, as RFC 0009 (and RFC 0039 §SPSP for `receipts_enabled`) spells it. */
export interface SpspResponseJson {
  destination_account: string
  shared_secret: string
  receipts_enabled?: true
}

/**
 * Decodes an SPSP response body (already JSON-parsed). Throws SpspResponseError naming
 * the field. Fields this code does not understand are ignored (RFC 0009 §Response Body:
 * implementations MUST ignore them).
 */
export function parseSpspResponse(json: unknown): SpspResponse {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new SpspResponseError('body', 'is not a JSON object')
  }
  const body = json as Record<string, unknown>
  const destination = body['destination_account']
  if (typeof destination !== 'string') throw new SpspResponseError('destination_account', missingOrType(destination, 'a string'))
  if (!isValidAddress(destination)) {
    throw new SpspResponseError('destination_account', `"${capped(destination)}" is not a valid ILP address (RFC 0015)`)
  }
  const secret = body['shared_secret']
  if (typeof secret !== 'string') throw new SpspResponseError('shared_secret', missingOrType(secret, 'a string'))
  const sharedSecret = decodeSharedSecret(secret)
  const receipts = body['receipts_enabled']
  if (receipts !== undefined && typeof receipts !== 'boolean') {
    throw new SpspResponseError('receipts_enabled', 'is not a boolean')
  }
  return { destinationAccount: destination, sharedSecret, receiptsEnabled: receipts === true }
}

/**
 * The JSON body for an SPSP response, the secret in padded base64 (RFC 0009 recommends
 * base64 over base64url). Checks its input like parseSpspResponse: throws SpspResponseError.
 */
export function formatSpspResponse(response: {
  readonly destinationAccount: string
  readonly sharedSecret: Uint8Array
  readonly receiptsEnabled?: boolean
}): SpspResponseJson {
  const { destinationAccount, sharedSecret, receiptsEnabled } = response
  if (typeof destinationAccount !== 'string' || !isValidAddress(destinationAccount)) {
    throw new SpspResponseError('destination_account', `"${capped(String(destinationAccount))}" is not a valid ILP address (RFC 0015)`)
  }
  if (!(sharedSecret instanceof Uint8Array) || sharedSecret.length !== SHARED_SECRET_LENGTH) {
    throw new SpspResponseError('shared_secret', `must be ${SHARED_SECRET_LENGTH} bytes`)
  }
  const json: SpspResponseJson = {
    destination_account: destinationAccount,
    shared_secret: Buffer.from(sharedSecret.buffer, sharedSecret.byteOffset, sharedSecret.length).toString('base64'),
  }
  // RFC 0039 §SPSP step 4: only `true` is meaningful; absent means no receipts.
  if (receiptsEnabled === true) json.receipts_enabled = true
  return json
}

// 32 bytes are 43 base64 characters (the last holding 4 bits and 2 zero bits) plus one "=".
const BASE64 = /^[A-Za-z0-9+/]{43}=?$/
const BASE64URL = /^[A-Za-z0-9_-]{43}=?$/

/**
 * RFC 0009 §Response Body: 32 bytes, base64 or base64url "including padding"; clients
 * SHOULD accept base64url. Unpadded text is accepted too (Node's and the `base64url`
 * package's base64url, used by Rafiki, omit the padding). One alphabet per value, and the
 * encoding must be canonical (zero trailing bits): no two texts for one secret.
 */
function decodeSharedSecret(text: string): Uint8Array {
  if (!BASE64.test(text) && !BASE64URL.test(text)) {
    throw new SpspResponseError('shared_secret', `is not ${SHARED_SECRET_LENGTH} bytes in base64 or base64url`)
  }
  const bytes = Buffer.from(text, 'base64')
  const unpadded = text.endsWith('=') ? text.slice(0, -1) : text
  if (bytes.length !== SHARED_SECRET_LENGTH || bytes.toString('base64url') !== unpadded.replace(/\+/g, '-').replace(/\//g, '_')) {
    throw new SpspResponseError('shared_secret', 'is not canonical base64 (non-zero trailing bits)')
  }
  return new Uint8Array(bytes) // a copy: small Buffers are views of a shared pool
}

function missingOrType(value: unknown, expected: string): string {
  return value === undefined ? 'is missing' : `is not ${expected}`
}

function capped(s: string): string {
  return s.length > 64 ? `${s.slice(0, 64)}…` : s
}
