import { createCipheriv, createDecipheriv, createHmac, randomFillSync } from 'node:crypto'
import { conditionOf } from '@stack/ilp-core'
import { DecryptionError, StreamInvalidFieldError } from './errors.js'

// RFC 0029 §5.1: AES-256-GCM, 12-byte IV, 16-byte tag; the envelope is IV ‖ tag ‖ ciphertext
// (§5.1.1 and asn1 StreamEncryptionEnvelope), the ciphertext not length-prefixed.
const IV_LENGTH = 12
const TAG_LENGTH = 16
const KEY_LENGTH = 32

/** Bytes encryption adds to a plaintext STREAM packet: IV and authentication tag. */
export const ENCRYPTION_OVERHEAD = IV_LENGTH + TAG_LENGTH

/**
 * The longest plaintext STREAM packet that fits an ILP packet's data field (32767 bytes,
 * RFC 0027) once encrypted: asn1 StreamEncryptionEnvelope limits the ciphertext to 32739.
 */
export const MAX_STREAM_PACKET_LENGTH = 32767 - ENCRYPTION_OVERHEAD

// RFC 0029 §5.1.2 and §6.2: the fixed strings, as ASCII bytes.
const ENCRYPTION_KEY_STRING = new TextEncoder().encode('ilp_stream_encryption')
const FULFILLMENT_KEY_STRING = new TextEncoder().encode('ilp_stream_fulfillment')

function checkBytes(field: string, bytes: Uint8Array): void {
  if (!(bytes instanceof Uint8Array)) throw new StreamInvalidFieldError(field, 'must be a Uint8Array')
}

function checkKey(field: string, key: Uint8Array): void {
  checkBytes(field, key)
  if (key.length !== KEY_LENGTH) throw new StreamInvalidFieldError(field, `must be ${KEY_LENGTH} bytes, got ${key.length}`)
}

function checkSecret(secret: Uint8Array): void {
  checkBytes('sharedSecret', secret)
  if (secret.length === 0) throw new StreamInvalidFieldError('sharedSecret', 'must not be empty')
}

/**
 * A plain Uint8Array of a Buffer's bytes that owns its memory: a view when the Buffer has its
 * memory to itself (what node:crypto returns), a copy when it sits in a shared pool.
 */
function plain(buffer: Buffer): Uint8Array {
  if (buffer.byteOffset !== 0 || buffer.byteLength !== buffer.buffer.byteLength) return new Uint8Array(buffer)
  return new Uint8Array(buffer.buffer, 0, buffer.byteLength)
}

/** HMAC-SHA256(key, message): the one MAC of STREAM (keys, fulfillments, receipts, stateless-server tokens). */
export function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  checkBytes('key', key)
  checkBytes('message', message)
  return plain(createHmac('sha256', key).update(message).digest())
}

/** RFC 0029 §5.1.2: the AES-256-GCM key of a connection, HMAC-SHA256(sharedSecret, "ilp_stream_encryption"). */
export function encryptionKey(sharedSecret: Uint8Array): Uint8Array {
  checkSecret(sharedSecret)
  return hmacSha256(sharedSecret, ENCRYPTION_KEY_STRING)
}

/** RFC 0029 §6.2: the fulfillment HMAC key of a connection, HMAC-SHA256(sharedSecret, "ilp_stream_fulfillment"). */
export function fulfillmentKey(sharedSecret: Uint8Array): Uint8Array {
  checkSecret(sharedSecret)
  return hmacSha256(sharedSecret, FULFILLMENT_KEY_STRING)
}

/** RFC 0029 §6.3: the fulfillment of a Prepare whose data is `prepareData` (the encrypted STREAM packet). */
export function fulfillmentOf(fulfillmentKey: Uint8Array, prepareData: Uint8Array): Uint8Array {
  checkKey('fulfillmentKey', fulfillmentKey)
  return hmacSha256(fulfillmentKey, prepareData)
}

/** RFC 0029 §6.2: the condition a sender puts on a Prepare it wants fulfilled: SHA-256 of fulfillmentOf. */
export function executionConditionOf(fulfillmentKey: Uint8Array, prepareData: Uint8Array): Uint8Array {
  return conditionOf(fulfillmentOf(fulfillmentKey, prepareData))
}

/** RFC 0029 §6.1: a condition nobody can fulfill, for a Prepare that must be rejected (e.g. a quote). */
export function randomCondition(): Uint8Array {
  return randomFillSync(new Uint8Array(32))
}

// Random IVs drawn from a pool filled by one CSPRNG call per 1024 IVs: the same random IVs
// as one randomFillSync each (RFC 0029 §5.1.1), at a fraction of the per-call cost. Each
// pool byte is used once.
const IV_POOL_LENGTH = IV_LENGTH * 1024
let ivPool = new Uint8Array(0)
let ivPoolAt = 0

function nextIv(target: Uint8Array): Uint8Array {
  if (ivPoolAt + IV_LENGTH > ivPool.length) {
    ivPool = randomFillSync(new Uint8Array(IV_POOL_LENGTH))
    ivPoolAt = 0
  }
  target.set(ivPool.subarray(ivPoolAt, ivPoolAt + IV_LENGTH))
  ivPool.fill(0, ivPoolAt, ivPoolAt + IV_LENGTH)
  ivPoolAt += IV_LENGTH
  return target
}

/**
 * RFC 0029 §5.1: seals a plaintext STREAM packet under `key` (from encryptionKey) with a
 * fresh random IV. Returns IV ‖ tag ‖ ciphertext, ENCRYPTION_OVERHEAD bytes longer.
 */
export function encrypt(key: Uint8Array, plaintext: Uint8Array): Uint8Array {
  checkKey('encryptionKey', key)
  checkBytes('plaintext', plaintext)
  const out = new Uint8Array(ENCRYPTION_OVERHEAD + plaintext.length)
  const iv = nextIv(out.subarray(0, IV_LENGTH))
  // GCM's tag is 16 bytes (TAG_LENGTH) unless told otherwise; final() adds no bytes in GCM.
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  out.set(cipher.update(plaintext), ENCRYPTION_OVERHEAD)
  cipher.final()
  out.set(cipher.getAuthTag(), IV_LENGTH)
  return out
}

/**
 * RFC 0029 §5.1: opens an envelope made by `encrypt` (or any RFC 0029 implementation).
 * Throws DecryptionError when `data` is shorter than the envelope's IV and tag or does not
 * authenticate under `key` — for a Prepare, answer F06 Unexpected Payment (§4.2).
 */
export function decrypt(key: Uint8Array, data: Uint8Array): Uint8Array {
  checkKey('encryptionKey', key)
  checkBytes('data', data)
  if (data.length < ENCRYPTION_OVERHEAD) {
    throw new DecryptionError('too-short', `${data.length} bytes cannot hold the ${ENCRYPTION_OVERHEAD}-byte IV and tag`)
  }
  const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_LENGTH))
  // Always the full 16-byte tag (TAG_LENGTH), never a shorter one: the slice fixes its length.
  decipher.setAuthTag(data.subarray(IV_LENGTH, ENCRYPTION_OVERHEAD))
  const body = decipher.update(data.subarray(ENCRYPTION_OVERHEAD))
  try {
    decipher.final() // GCM: no bytes, only the tag check
  } catch {
    // Unauthenticated plaintext must not leak out of here.
    body.fill(0)
    throw new DecryptionError('authentication-failed', 'data does not authenticate under this key')
  }
  return plain(body)
}
