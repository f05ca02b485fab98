/**
 * A claim is EIP-712 typed data: `Claim(bytes32 channelId,uint256 amount)` in the domain
 * (name "PaymentChannel", version "1", chainId, verifyingContract = the channel contract), so
 * that a wallet shows the sender what it signs and the contract checks it with `ecrecover`.
 */
import { hashTypedData, recoverTypedDataAddress, type Address, type Hex } from 'viem'
import type { AccountId } from '@stack/ledger-core'
import type { EthereumLedger } from '@stack/ledger-ethereum'

export const CLAIM_DOMAIN_NAME = 'PaymentChannel'
export const CLAIM_DOMAIN_VERSION = '1'

export const claimTypes = {
  Claim: [
    { name: 'channelId', type: 'bytes32' },
    { name: 'amount', type: 'uint256' }
  ]
} as const

/** Where a claim is valid: one contract on one chain. */
export interface ClaimDomain {
  readonly chainId: number
  readonly verifyingContract: Address
}

/** The typed data of a claim of cumulative `amount` on `channelId`. */
export function claimTypedData(domain: ClaimDomain, channelId: Hex, amount: bigint) {
  return {
    domain: { name: CLAIM_DOMAIN_NAME, version: CLAIM_DOMAIN_VERSION, chainId: domain.chainId, verifyingContract: domain.verifyingContract },
    types: claimTypes,
    primaryType: 'Claim',
    message: { channelId, amount }
  } as const
}

/** The EIP-712 digest of the claim: what the contract's `claimDigest` returns. */
export function claimDigest(domain: ClaimDomain, channelId: Hex, amount: bigint): Hex {
  return hashTypedData(claimTypedData(domain, channelId, amount))
}

/** Signs a claim with account `from` of the ledger (65 bytes r‖s‖v). */
export function signClaim(ledger: EthereumLedger, from: AccountId, domain: ClaimDomain, channelId: Hex, amount: bigint): Promise<Hex> {
  return ledger.signTypedData(from, claimTypedData(domain, channelId, amount))
}

/** The address that signed the claim, or undefined when the signature is malformed. */
export async function recoverClaimSigner(domain: ClaimDomain, channelId: Hex, amount: bigint, signature: Hex): Promise<Address | undefined> {
  try {
    return await recoverTypedDataAddress({ ...claimTypedData(domain, channelId, amount), signature })
  } catch {
    return undefined
  }
}

// secp256k1's order n / 2: the contract refuses a larger s (EIP-2), so do we.
const halfCurveOrder = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n

/** True when `signature` is a canonical 65-byte signature by `signer` of this claim: what the contract accepts. */
export async function verifyClaim(domain: ClaimDomain, channelId: Hex, amount: bigint, signature: Hex, signer: Address): Promise<boolean> {
  if (!/^0x[0-9a-fA-F]{130}$/.test(signature)) return false
  const s = BigInt(`0x${signature.slice(66, 130)}`)
  const v = Number.parseInt(signature.slice(130, 132), 16)
  if (s > halfCurveOrder || ![0, 1, 27, 28].includes(v)) return false
  const recovered = await recoverClaimSigner(domain, channelId, amount, signature)
  return recovered !== undefined && recovered.toLowerCase() === signer.toLowerCase()
}
