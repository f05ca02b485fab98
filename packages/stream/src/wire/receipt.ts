import { timingSafeEqual } from 'node:crypto'
import { hmacSha256 } from './crypto.js'
import { InvalidReceiptError, StreamInvalidFieldError, StreamTruncatedError, StreamVersionError } from './errors.js'
import { plainView } from './oer-reader.js'
import { checkUInt64 } from './oer-writer.js'

/** RFC 0039 §"Specification": the only receipt version. */
export const RECEIPT_VERSION = 1

// RFC 0039: version UInt8 ‖ nonce UInt128 ‖ streamId UInt8 ‖ totalReceived UInt64 ‖ hmac UInt256,
// fixed-size fields, no length prefixes; the HMAC covers everything before it.
const NONCE_LENGTH = 16
const SECRET_LENGTH = 32
const NONCE_AT = 1
const STREAM_ID_AT = NONCE_AT + NONCE_LENGTH
const TOTAL_AT = STREAM_ID_AT + 1
const HMAC_AT = TOTAL_AT + 8

/** Bytes of a version 1 receipt. */
export const RECEIPT_LENGTH = HMAC_AT + 32

/** A decoded version 1 receipt (RFC 0039). */
export interface Receipt {
  version: typeof RECEIPT_VERSION
  /** 16 bytes that identify the connection to the verifier. */
  nonce: Uint8Array
  /** RFC 0039 gives the stream ID a single byte (UInt8): only streams 0–255 can have receipts. */
  streamId: bigint
  /** Total received on the stream so far, in the receiver's units. UInt64. */
  totalReceived: bigint
  /** HMAC-SHA256 under the receipt secret of the 26 bytes before it. */
  hmac: Uint8Array
}

export interface CreateReceiptOptions {
  nonce: Uint8Array
  streamId: bigint
  totalReceived: bigint
  /** The 32-byte receipt secret shared by verifier and receiver (never the sender). */
  secret: Uint8Array
}

function checkLength(field: string, bytes: Uint8Array, length: number): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    const got = bytes instanceof Uint8Array ? `${bytes.length} bytes` : typeof bytes
    throw new StreamInvalidFieldError(field, `must be ${length} bytes, got ${got}`)
  }
}

/** RFC 0039: the receipt a receiver puts in a StreamReceipt frame of each Fulfill. */
export function createReceipt(options: CreateReceiptOptions): Uint8Array {
  const { nonce, streamId, totalReceived, secret } = options
  checkLength('receipt.nonce', nonce, NONCE_LENGTH)
  if (typeof streamId !== 'bigint' || streamId < 0n || streamId > 0xffn) {
    throw new StreamInvalidFieldError('receipt.streamId', `must be a bigint in [0, 255] (RFC 0039 UInt8), got ${String(streamId)}`)
  }
  checkUInt64('receipt.totalReceived', totalReceived)
  checkLength('receipt.secret', secret, SECRET_LENGTH)

  const receipt = new Uint8Array(RECEIPT_LENGTH)
  receipt[0] = RECEIPT_VERSION
  receipt.set(nonce, NONCE_AT)
  receipt[STREAM_ID_AT] = Number(streamId)
  new DataView(receipt.buffer).setBigUint64(TOTAL_AT, totalReceived)
  receipt.set(hmacSha256(secret, receipt.subarray(0, HMAC_AT)), HMAC_AT)
  return receipt
}

/**
 * Decodes a version 1 receipt without checking its HMAC (the sender cannot: it lacks the
 * secret). Byte fields are views of `bytes`.
 */
export function decodeReceipt(bytes: Uint8Array): Receipt {
  if (!(bytes instanceof Uint8Array)) throw new StreamInvalidFieldError('receipt', 'must be a Uint8Array')
  bytes = plainView(bytes)
  if (bytes.length < 1) throw new StreamTruncatedError('receipt.version', 1, 0)
  const version = bytes[0] as number
  if (version !== RECEIPT_VERSION) throw new StreamVersionError('receipt.version', version)
  if (bytes.length < RECEIPT_LENGTH) throw new StreamTruncatedError('receipt', RECEIPT_LENGTH, bytes.length)
  if (bytes.length > RECEIPT_LENGTH) {
    throw new StreamInvalidFieldError('receipt', `${bytes.length - RECEIPT_LENGTH} bytes after the HMAC`)
  }
  return {
    version: RECEIPT_VERSION,
    nonce: bytes.subarray(NONCE_AT, STREAM_ID_AT),
    streamId: BigInt(bytes[STREAM_ID_AT] as number),
    totalReceived: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(TOTAL_AT),
    hmac: bytes.subarray(HMAC_AT, RECEIPT_LENGTH),
  }
}

/**
 * RFC 0039 §"Overview": decodes the receipt and checks its HMAC under the receipt secret
 * (constant time). `secret` may be a function of the decoded receipt, for a verifier that
 * derives each secret from the nonce (§"Stateless Verifier"). Throws InvalidReceiptError
 * when the HMAC does not match and a StreamCodecError when the bytes are not a receipt.
 * Whether the amount grew and the receipt is fresh is the verifier's to judge.
 */
export function verifyReceipt(bytes: Uint8Array, secret: Uint8Array | ((receipt: Receipt) => Uint8Array)): Receipt {
  const receipt = decodeReceipt(bytes)
  const key = typeof secret === 'function' ? secret(receipt) : secret
  checkLength('receipt.secret', key, SECRET_LENGTH)
  const expected = hmacSha256(key, bytes.subarray(0, HMAC_AT))
  if (!timingSafeEqual(expected, receipt.hmac)) throw new InvalidReceiptError('receipt HMAC does not match the secret')
  return receipt
}
