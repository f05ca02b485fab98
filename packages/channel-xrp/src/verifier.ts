/**
 * The receiver's check of one claim, as a pure function: right channel (ours, from this peer),
 * right key, the amount only grows, and stays within the channel's amount as the caller knows
 * it. Throws the ClaimRefusedError for the first failure; returns the growth to credit.
 */
import { verifyClaim } from './claim.js'
import type { ClaimProof } from './claim-proof.js'
import type { XrpChannelState } from './channel-state.js'
import { ClaimChannelClosedError, ClaimExceedsChannelError, ClaimNotIncreasingError, ClaimSignatureError, ClaimWrongChannelError } from './errors.js'

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
  const { channel } = expected
  if (channel === undefined || channel.channelId.toUpperCase() !== claim.channelId.toUpperCase()) {
    throw new ClaimWrongChannelError(claim.channelId, 'channelId', 'a channel we know', channel?.channelId)
  }
  if (channel.destination !== expected.destination) throw new ClaimWrongChannelError(claim.channelId, 'destination', expected.destination, channel.destination)
  if (channel.account !== expected.account) throw new ClaimWrongChannelError(claim.channelId, 'account', expected.account, channel.account)
  if (channel.closed === true) throw new ClaimChannelClosedError(claim.channelId)
  if (!verifyClaim(channel.publicKey, claim.channelId, claim.amount, claim.signature)) throw new ClaimSignatureError(claim.channelId, claim.amount)
  const best = expected.best > channel.balance ? expected.best : channel.balance
  if (claim.amount === expected.best && expected.best >= channel.balance) return 0n
  if (claim.amount <= best) throw new ClaimNotIncreasingError(claim.channelId, claim.amount, best)
  if (claim.amount > channel.amount) throw new ClaimExceedsChannelError(claim.channelId, claim.amount, channel.amount)
  return claim.amount - best
}
