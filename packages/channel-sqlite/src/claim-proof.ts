/**
 * The proof this channel puts in a value transfer (BTP: the `claim` sub-protocol of TRANSFER):
 * one signed cumulative claim of ledger-sqlite, 105 bytes, fixed layout.
 *
 * | bytes   | content                                                      |
 * | ------- | ------------------------------------------------------------ |
 * | 0       | version, 1                                                   |
 * | 1–32    | channel id (the 64 hex digits of the ledger's id, decoded)   |
 * | 33–40   | cumulative amount, UInt64 big-endian, at least 1             |
 * | 41–104  | ed25519 signature of ledger-sqlite's claim message (64 bytes) |
 *
 * Pure functions over bytes; the signature is checked by the receiver against the channel's
 * key on the ledger, not here.
 */
import { MAX_UINT64 } from '@stack/channel-core'
import { MalformedClaimError } from './errors.js'

export const CLAIM_PROOF_VERSION = 1
export const CLAIM_PROOF_LENGTH = 1 + 32 + 8 + 64

export interface ClaimProof {
  /** 64 lowercase hex digits. */
  readonly channelId: string
  /** Cumulative: everything the receiver may redeem from the channel. */
  readonly amount: bigint
  readonly signature: Uint8Array
}

const channelIdPattern = /^[0-9a-f]{64}$/

/** The 105 bytes of `claim`. Throws MalformedClaimError for a field out of range. */
export function encodeClaimProof(claim: ClaimProof): Uint8Array {
  if (typeof claim.channelId !== 'string' || !channelIdPattern.test(claim.channelId)) {
    throw new MalformedClaimError('channelId', 'must be 64 lowercase hex digits')
  }
  if (typeof claim.amount !== 'bigint' || claim.amount < 1n || claim.amount > MAX_UINT64) {
    throw new MalformedClaimError('amount', 'must be a UInt64 of at least 1')
  }
  if (!(claim.signature instanceof Uint8Array) || claim.signature.length !== 64) {
    throw new MalformedClaimError('signature', 'must be 64 bytes')
  }
  const bytes = new Uint8Array(CLAIM_PROOF_LENGTH)
  bytes[0] = CLAIM_PROOF_VERSION
  bytes.set(Buffer.from(claim.channelId, 'hex'), 1)
  new DataView(bytes.buffer).setBigUint64(33, claim.amount, false)
  bytes.set(claim.signature, 41)
  return bytes
}

/** The claim in `bytes`. Throws MalformedClaimError naming the field that is wrong. */
export function decodeClaimProof(bytes: Uint8Array): ClaimProof {
  if (!(bytes instanceof Uint8Array)) throw new MalformedClaimError('proof', 'must be bytes')
  if (bytes.length !== CLAIM_PROOF_LENGTH) throw new MalformedClaimError('length', `must be ${CLAIM_PROOF_LENGTH} bytes, is ${bytes.length}`)
  if (bytes[0] !== CLAIM_PROOF_VERSION) throw new MalformedClaimError('version', `must be ${CLAIM_PROOF_VERSION}, is ${String(bytes[0])}`)
  const amount = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(33, false)
  if (amount === 0n) throw new MalformedClaimError('amount', 'must be at least 1')
  return {
    channelId: Buffer.from(bytes.subarray(1, 33)).toString('hex'),
    amount,
    signature: bytes.slice(41, 105)
  }
}
