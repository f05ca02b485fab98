/**
 * Payment channel claims in the XRP Ledger's own format (XRPL docs, "channel_authorize" and
 * rippled `serializePayChanAuthorization`): the signed message is the hash prefix `CLM\0`
 * (0x434C4D00), the 32-byte channel id, and the cumulative amount in drops as UInt64
 * big-endian — 44 bytes. ripple-keypairs signs it as the ledger verifies it: secp256k1 ECDSA
 * over SHA-512Half of the message (canonical DER), or ed25519 over the message itself.
 * So a claim signed here is one a real XRP Ledger's PaymentChannelClaim accepts.
 */
import { deriveKeypair, generateSeed, sign, verify } from 'ripple-keypairs'
import { checkChannelId, checkDrops, checkPublicKey, type KeyAlgorithm } from '@stack/ledger-xrp'

/** `CLM\0`: the XRP Ledger's hash prefix for payment channel claims. */
export const CLAIM_HASH_PREFIX = 0x434c_4d00
export const CLAIM_SIGNING_DATA_LENGTH = 4 + 32 + 8

/** A claim key pair in the XRP Ledger's hex forms (public: 33 bytes, `02`/`03` or `ED` first; private: `00` or `ED` + 32 bytes). */
export interface ClaimKeyPair {
  readonly algorithm: KeyAlgorithm
  readonly publicKey: string
  readonly privateKey: string
}

/** The 44 bytes a claim of `drops` on `channelId` signs. */
export function claimSigningData(channelId: string, drops: bigint): Uint8Array {
  const channel = checkChannelId('channelId', channelId)
  checkDrops('amount', drops)
  const bytes = new Uint8Array(CLAIM_SIGNING_DATA_LENGTH)
  const view = new DataView(bytes.buffer)
  view.setUint32(0, CLAIM_HASH_PREFIX, false)
  bytes.set(Buffer.from(channel, 'hex'), 4)
  view.setBigUint64(36, drops, false)
  return bytes
}

/** The signature (uppercase hex) of a claim of cumulative `drops` on `channelId`. */
export function signClaim(privateKey: string, channelId: string, drops: bigint): string {
  return sign(toHex(claimSigningData(channelId, drops)), privateKey).toUpperCase()
}

/** Whether `signature` is `publicKey`'s claim of exactly `drops` on exactly `channelId`. Never throws on malformed input. */
export function verifyClaim(publicKey: string, channelId: string, drops: bigint, signature: string): boolean {
  let data: Uint8Array
  try {
    checkPublicKey('publicKey', publicKey)
    data = claimSigningData(channelId, drops)
  } catch {
    return false
  }
  if (typeof signature !== 'string' || !/^(?:[0-9A-Fa-f]{2})+$/.test(signature)) return false
  try {
    return verify(toHex(data), signature, publicKey)
  } catch {
    // ripple-keypairs throws on a signature that is not DER (secp256k1) or not 64 bytes (ed25519)
    return false
  }
}

/** A new random claim key pair. */
export function generateClaimKeyPair(algorithm: KeyAlgorithm = 'ed25519'): ClaimKeyPair {
  const seed = generateSeed({ algorithm: algorithm === 'ed25519' ? 'ed25519' : 'ecdsa-secp256k1' })
  return { algorithm, ...deriveKeypair(seed) }
}

/** The claim key pair of an XRP Ledger seed (`s…`; its encoding says which algorithm). */
export function claimKeyPairFromSeed(seed: string): ClaimKeyPair {
  const keys = deriveKeypair(seed)
  return { algorithm: keys.publicKey.toUpperCase().startsWith('ED') ? 'ed25519' : 'secp256k1', ...keys }
}

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').toUpperCase()
}
