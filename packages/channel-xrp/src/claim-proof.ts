/**
 * The proof this channel puts in a value transfer (BTP: the `claim` sub-protocol of
 * TRANSFER, RFC 0023): one signed cumulative XRP Ledger claim.
 *
 * | bytes      | content                                                     |
 * | ---------- | ----------------------------------------------------------- |
 * | 0          | version, 1                                                  |
 * | 1–32       | channel id (the XRP Ledger's PaymentChannel id)             |
 * | 33–40      | cumulative drops, UInt64 big-endian, 1..10^17               |
 * | 41         | signature length n: 64 (ed25519) or 8..72 (secp256k1 DER)   |
 * | 42–(41+n)  | the claim signature over `CLM\0` ‖ channel id ‖ drops       |
 *
 * Pure functions over bytes; the signature is checked by the verifier against the channel's
 * public key, not here.
 */
import { MAX_DROPS } from '@stack/ledger-xrp'
import { MalformedClaimError } from './errors.js'

export const CLAIM_PROOF_VERSION = 1
const HEADER_LENGTH = 1 + 32 + 8 + 1
const MIN_SIGNATURE = 8
const MAX_SIGNATURE = 72

export interface ClaimProof {
  /** 64 uppercase hex digits, as the XRP Ledger writes channel ids. */
  readonly channelId: string
  /** Cumulative drops: everything the receiver may redeem from the channel. */
  readonly amount: bigint
  /** Uppercase hex, as a PaymentChannelClaim's `Signature` field. */
  readonly signature: string
}

const channelIdPattern = /^[0-9A-Fa-f]{64}$/
const hexPattern = /^(?:[0-9A-Fa-f]{2})*$/

/** The bytes of `claim`. Throws MalformedClaimError for a field out of range. */
export function encodeClaimProof(claim: ClaimProof): Uint8Array {
  if (typeof claim.channelId !== 'string' || !channelIdPattern.test(claim.channelId)) throw new MalformedClaimError('channelId', 'must be 64 hex digits')
  if (typeof claim.amount !== 'bigint' || claim.amount < 1n || claim.amount > MAX_DROPS) throw new MalformedClaimError('amount', 'must be drops in 1..10^17')
  if (typeof claim.signature !== 'string' || !hexPattern.test(claim.signature)) throw new MalformedClaimError('signature', 'must be hex')
  const signature = Buffer.from(claim.signature, 'hex')
  if (signature.length < MIN_SIGNATURE || signature.length > MAX_SIGNATURE) throw new MalformedClaimError('signature', `must be ${MIN_SIGNATURE}..${MAX_SIGNATURE} bytes`)
  const bytes = new Uint8Array(HEADER_LENGTH + signature.length)
  bytes[0] = CLAIM_PROOF_VERSION
  bytes.set(Buffer.from(claim.channelId, 'hex'), 1)
  new DataView(bytes.buffer).setBigUint64(33, claim.amount, false)
  bytes[41] = signature.length
  bytes.set(signature, HEADER_LENGTH)
  return bytes
}

/** The claim in `bytes`. Throws MalformedClaimError naming the field that is wrong. */
export function decodeClaimProof(bytes: Uint8Array): ClaimProof {
  if (!(bytes instanceof Uint8Array)) throw new MalformedClaimError('proof', 'must be bytes')
  if (bytes.length < HEADER_LENGTH + MIN_SIGNATURE) throw new MalformedClaimError('length', `must be at least ${HEADER_LENGTH + MIN_SIGNATURE} bytes, is ${bytes.length}`)
  if (bytes[0] !== CLAIM_PROOF_VERSION) throw new MalformedClaimError('version', `must be ${CLAIM_PROOF_VERSION}, is ${String(bytes[0])}`)
  const amount = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(33, false)
  if (amount < 1n || amount > MAX_DROPS) throw new MalformedClaimError('amount', 'must be drops in 1..10^17')
  const length = bytes[41] ?? 0
  if (length < MIN_SIGNATURE || length > MAX_SIGNATURE) throw new MalformedClaimError('signature', `length must be ${MIN_SIGNATURE}..${MAX_SIGNATURE}, is ${length}`)
  if (bytes.length !== HEADER_LENGTH + length) throw new MalformedClaimError('length', `must be ${HEADER_LENGTH + length} bytes, is ${bytes.length}`)
  return {
    channelId: Buffer.from(bytes.subarray(1, 33)).toString('hex').toUpperCase(),
    amount,
    signature: Buffer.from(bytes.subarray(HEADER_LENGTH)).toString('hex').toUpperCase()
  }
}
