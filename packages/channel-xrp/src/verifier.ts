/**
 * The receiver's check of one claim, as a pure function: the claim engine's own checks
 * (channel-core check-claim.ts) over a channel as the caller knows it, with this ledger's
 * signature. Throws the ClaimRefusedError for the first failure; returns the growth to credit.
 */
import { checkClaimChannel, claimGrowth, ClaimSignatureError } from '@stack/channel-core'
import { verifyClaim } from './claim.js'
import type { ClaimProof } from './claim-proof.js'
import type { XrpChannelState } from './channel-state.js'
import { xrpChannelView, xrpFieldNames } from './xrp-scheme.js'

export interface ClaimExpectation {
  /** The channel as the caller knows it (undefined: unknown, refused). */
  readonly channel: XrpChannelState | undefined
  /** Our address: the channel's destination. */
  readonly destination: string
  /** The peer's address: the channel's source. */
  readonly account: string
  /** The best claim already held on this channel (0n if none). */
  readonly best: bigint
}

/**
 * The drops this claim adds over the best of `expected.best` and the channel's balance: 0n for
 * a claim equal to the best held (the payer re-sending after a lost acknowledgement; harmless
 * as a replay, since nothing is credited), ClaimNotIncreasingError for one below it.
 */
export function verifyIncomingClaim(claim: ClaimProof, expected: ClaimExpectation): bigint {
  const channelId = claim.channelId.toUpperCase()
  const channel = expected.channel === undefined ? undefined : xrpChannelView(expected.channel)
  checkClaimChannel(channelId, channel, { account: expected.destination, peer: expected.account, fieldNames: xrpFieldNames })
  if (!verifyClaim(channel.publicKey, channelId, claim.amount, claim.signature)) throw new ClaimSignatureError(channelId, claim.amount)
  return claimGrowth(claim.amount, channel, expected.best)
}
