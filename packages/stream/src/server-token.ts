import { randomFillSync } from 'node:crypto'
import { decrypt, encrypt, hmacSha256 } from './wire/crypto.js'
import type { ReceiptOptions } from './connection-core.js'

/**
 * Stateless connection details (RFC 0029 §4.1, RFC 0039 §"Stateless Receiver"): the
 * address segment carries a token, and the shared secret is an HMAC of it under the
 * server secret, so any server holding that secret can accept the first packet.
 *
 *   segment      = base64url(token) [ "~" tag ]
 *   sharedSecret = HMAC-SHA256(serverSecret, "ilp_stream_shared_secret" ‖ token ‖ tag)
 *
 * token is 18 random bytes, or — with receipts — the receipt nonce and secret sealed
 * under a key derived from the server secret (the receipt secret must not travel in the
 * clear, RFC 0039). The tag is part of the HMAC: changing it yields another secret, and
 * the packet fails to decrypt (F06).
 */
const SHARED_SECRET_STRING = new TextEncoder().encode('ilp_stream_shared_secret')
const TOKEN_KEY_STRING = new TextEncoder().encode('ilp_stream_receipt_token')
const NONCE_LENGTH = 18
const RECEIPT_NONCE_LENGTH = 16
const RECEIPT_SECRET_LENGTH = 32
const TAG_PATTERN = /^[A-Za-z0-9_-]{1,256}$/

export class InvalidConnectionTagError extends Error {
  override readonly name = 'InvalidConnectionTagError'
  readonly tag: string
  constructor(tag: string) {
    super(`connection tag must be 1-256 characters of [A-Za-z0-9_-], got ${JSON.stringify(tag)}`)
    this.tag = tag
  }
}

export interface ConnectionToken {
  /** The address segment after the server's address. */
  segment: string
  sharedSecret: Uint8Array
  tag: string | undefined
  receipt: ReceiptOptions | undefined
}

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url')
}

function sharedSecretOf(serverSecret: Uint8Array, token: Uint8Array, tag: string | undefined): Uint8Array {
  const tagBytes = new TextEncoder().encode(tag ?? '')
  const message = new Uint8Array(SHARED_SECRET_STRING.length + token.length + tagBytes.length)
  message.set(SHARED_SECRET_STRING)
  message.set(token, SHARED_SECRET_STRING.length)
  message.set(tagBytes, SHARED_SECRET_STRING.length + token.length)
  return hmacSha256(serverSecret, message)
}

export function createConnectionToken(serverSecret: Uint8Array, tag?: string, receipt?: ReceiptOptions): ConnectionToken {
  if (tag !== undefined && !TAG_PATTERN.test(tag)) throw new InvalidConnectionTagError(tag)
  let token: Uint8Array
  if (receipt === undefined) {
    token = randomFillSync(new Uint8Array(NONCE_LENGTH))
  } else {
    if (receipt.nonce.length !== RECEIPT_NONCE_LENGTH) throw new RangeError(`receiptNonce must be ${RECEIPT_NONCE_LENGTH} bytes`)
    if (receipt.secret.length !== RECEIPT_SECRET_LENGTH) throw new RangeError(`receiptSecret must be ${RECEIPT_SECRET_LENGTH} bytes`)
    const plain = new Uint8Array(RECEIPT_NONCE_LENGTH + RECEIPT_SECRET_LENGTH)
    plain.set(receipt.nonce)
    plain.set(receipt.secret, RECEIPT_NONCE_LENGTH)
    token = encrypt(hmacSha256(serverSecret, TOKEN_KEY_STRING), plain)
  }
  const segment = base64url(token) + (tag === undefined ? '' : `~${tag}`)
  return { segment, sharedSecret: sharedSecretOf(serverSecret, token, tag), tag, receipt }
}

/** Recomputes a segment's details; undefined if it cannot be one of ours. No state is consulted. */
export function openConnectionToken(serverSecret: Uint8Array, segment: string): ConnectionToken | undefined {
  const tilde = segment.indexOf('~')
  const tokenText = tilde === -1 ? segment : segment.slice(0, tilde)
  const tag = tilde === -1 ? undefined : segment.slice(tilde + 1)
  if (tag !== undefined && !TAG_PATTERN.test(tag)) return undefined
  if (!/^[A-Za-z0-9_-]+$/.test(tokenText)) return undefined
  const token = new Uint8Array(Buffer.from(tokenText, 'base64url'))
  let receipt: ReceiptOptions | undefined
  if (token.length !== NONCE_LENGTH) {
    try {
      const plain = decrypt(hmacSha256(serverSecret, TOKEN_KEY_STRING), token)
      if (plain.length !== RECEIPT_NONCE_LENGTH + RECEIPT_SECRET_LENGTH) return undefined
      receipt = { nonce: plain.slice(0, RECEIPT_NONCE_LENGTH), secret: plain.slice(RECEIPT_NONCE_LENGTH) }
    } catch {
      return undefined
    }
  }
  return { segment, sharedSecret: sharedSecretOf(serverSecret, token, tag), tag, receipt }
}
