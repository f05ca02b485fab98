/**
 * The proof this channel puts in a value transfer (BTP: the `claim` sub-protocol of TRANSFER,
 * RFC 0023): one EIP-712 signed cumulative claim, 130 bytes, fixed layout.
 *
 * | bytes    | content                                               |
 * | -------- | ----------------------------------------------------- |
 * | 0        | version, 1                                            |
 * | 1–32     | channel id (the contract's bytes32)                   |
 * | 33–64    | cumulative amount in wei, uint256 big-endian, ≥ 1     |
 * | 65–129   | signature r ‖ s ‖ v (65 bytes, as `ecrecover` takes)   |
 *
 * Pure functions over bytes; the signature is checked by the receiver, not here.
 */
import { bytesToHex, hexToBytes, type Hex } from 'viem'
import { MalformedClaimError } from './errors.js'

export const CLAIM_PROOF_VERSION = 1
export const CLAIM_PROOF_LENGTH = 1 + 32 + 32 + 65

const MAX_UINT256 = (1n << 256n) - 1n

export interface ClaimProof {
  /** 0x + 64 lowercase hex digits. */
  readonly channelId: Hex
  /** Cumulative, wei. */
  readonly amount: bigint
  /** 0x + 130 hex digits. */
  readonly signature: Hex
}

/** The 130 bytes of `claim`. Throws MalformedClaimError for a field out of range. */
export function encodeClaimProof(claim: ClaimProof): Uint8Array {
  if (typeof claim.channelId !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(claim.channelId)) {
    throw new MalformedClaimError('channelId', 'must be 0x and 64 hex digits')
  }
  if (typeof claim.amount !== 'bigint' || claim.amount < 1n || claim.amount > MAX_UINT256) {
    throw new MalformedClaimError('amount', 'must be a uint256 of at least 1')
  }
  if (typeof claim.signature !== 'string' || !/^0x[0-9a-fA-F]{130}$/.test(claim.signature)) {
    throw new MalformedClaimError('signature', 'must be 0x and 130 hex digits')
  }
  const bytes = new Uint8Array(CLAIM_PROOF_LENGTH)
  bytes[0] = CLAIM_PROOF_VERSION
  bytes.set(hexToBytes(claim.channelId), 1)
  bytes.set(hexToBytes(`0x${claim.amount.toString(16).padStart(64, '0')}`), 33)
  bytes.set(hexToBytes(claim.signature), 65)
  return bytes
}

/** The claim in `bytes`. Throws MalformedClaimError naming the field that is wrong. */
export function decodeClaimProof(bytes: Uint8Array): ClaimProof {
  if (!(bytes instanceof Uint8Array)) throw new MalformedClaimError('proof', 'must be bytes')
  if (bytes.length !== CLAIM_PROOF_LENGTH) throw new MalformedClaimError('length', `must be ${CLAIM_PROOF_LENGTH} bytes, is ${bytes.length}`)
  if (bytes[0] !== CLAIM_PROOF_VERSION) throw new MalformedClaimError('version', `must be ${CLAIM_PROOF_VERSION}, is ${String(bytes[0])}`)
  const amount = BigInt(bytesToHex(bytes.subarray(33, 65)))
  if (amount === 0n) throw new MalformedClaimError('amount', 'must be at least 1')
  return { channelId: bytesToHex(bytes.subarray(1, 33)), amount, signature: bytesToHex(bytes.subarray(65, 130)) }
}
