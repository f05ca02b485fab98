/**
 * The claim a channel's sender signs, and ed25519 signing and verification through node:crypto.
 *
 * Claim message, 68 bytes, fixed layout (in the style of the XRP Ledger's `CLM\0` ‖ channel ‖
 * amount, with our own domain prefix so a signature made here means nothing anywhere else):
 *
 * | bytes  | content                                                     |
 * | ------ | ----------------------------------------------------------- |
 * | 0–27   | domain prefix, ASCII `stack/ledger-sqlite/claim/v1` (28 B)  |
 * | 28–59  | channel id, 32 bytes (the 64 hex digits of the id, decoded) |
 * | 60–67  | cumulative amount, UInt64 big-endian                        |
 *
 * The signature is the 64-byte ed25519 signature (RFC 8032, pure Ed25519, no prehash) of those
 * 68 bytes by the key whose raw 32-byte public key the channel was opened with.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto'
import { checkAmount, InvalidArgumentError } from '@stack/ledger-core'

export const CLAIM_DOMAIN = 'stack/ledger-sqlite/claim/v1'
const domainBytes = new TextEncoder().encode(CLAIM_DOMAIN)
export const CLAIM_MESSAGE_LENGTH = domainBytes.length + 32 + 8

const channelIdPattern = /^[0-9a-f]{64}$/

/** True when `id` has the form of a channel id of this ledger: 64 lowercase hex digits. */
export function isChannelId(id: unknown): id is string {
  return typeof id === 'string' && channelIdPattern.test(id)
}

/** The 68 bytes the sender signs for a claim of cumulative `amount` on `channelId`. */
export function claimMessage(channelId: string, amount: bigint): Uint8Array {
  if (!isChannelId(channelId)) throw new InvalidArgumentError('channelId', channelId, 'must be 64 lowercase hex digits')
  checkAmount('amount', amount)
  const message = new Uint8Array(CLAIM_MESSAGE_LENGTH)
  message.set(domainBytes, 0)
  message.set(Buffer.from(channelId, 'hex'), domainBytes.length)
  new DataView(message.buffer).setBigUint64(domainBytes.length + 32, amount, false)
  return message
}

export interface ClaimKeyPair {
  /** Raw ed25519 public key, 32 bytes: what `createChannel` takes. */
  readonly publicKey: Uint8Array
  /** Raw ed25519 private key (the RFC 8032 seed), 32 bytes. Keep it secret. */
  readonly privateKey: Uint8Array
}

/** A fresh ed25519 key pair for a channel's sender. */
export function generateClaimKeyPair(): ClaimKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519')
  return { publicKey: rawPublicKey(publicKey), privateKey: Uint8Array.from(Buffer.from(privateKey.export({ format: 'jwk' }).d ?? '', 'base64url')) }
}

/** The signature of `claimMessage(channelId, amount)` by the 32-byte private key (seed). */
export function signClaim(privateKey: Uint8Array, channelId: string, amount: bigint): Uint8Array {
  return Uint8Array.from(sign(null, claimMessage(channelId, amount), privateKeyObject(privateKey)))
}

/** True when `signature` is the signature of `claimMessage(channelId, amount)` by `publicKey`. Never throws. */
export function verifyClaim(publicKey: Uint8Array, channelId: string, amount: bigint, signature: Uint8Array): boolean {
  if (!(signature instanceof Uint8Array) || signature.length !== 64) return false
  try {
    return verify(null, claimMessage(channelId, amount), publicKeyObject(publicKey), signature)
  } catch {
    return false
  }
}

/** Throws `InvalidArgumentError` unless `key` is a 32-byte ed25519 public key (a valid curve point). */
export function checkPublicKey(field: string, key: unknown): Uint8Array {
  if (key instanceof Uint8Array && key.length === 32) {
    try {
      publicKeyObject(key)
      return key
    } catch {
      // falls through to the error below
    }
  }
  throw new InvalidArgumentError(field, key, 'must be a raw ed25519 public key of 32 bytes')
}

function publicKeyObject(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' })
}

function privateKeyObject(seed: Uint8Array): KeyObject {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) {
    throw new InvalidArgumentError('privateKey', seed, 'must be a raw ed25519 private key (seed) of 32 bytes')
  }
  return createPrivateKey({ key: pkcs8(seed), format: 'der', type: 'pkcs8' })
}

// RFC 8410: PKCS#8 PrivateKeyInfo for Ed25519 is a fixed 16-byte header followed by the seed.
function pkcs8(seed: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed])
}

function rawPublicKey(key: KeyObject): Uint8Array {
  return Uint8Array.from(Buffer.from(key.export({ format: 'jwk' }).x ?? '', 'base64url'))
}
