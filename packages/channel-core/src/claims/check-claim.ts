/**
 * The receiver's checks of one incoming claim, as pure functions, in the order the engine runs
 * them around the (scheme's) signature check: the channel is ours from this peer and still pays
 * (`checkClaimChannel`), then the amount grows and stays within the deposit (`claimGrowth`).
 */
import { ClaimChannelClosedError, ClaimExceedsDepositError, ClaimNotIncreasingError, ClaimWrongChannelError } from '../claim-errors.js'
import type { ClaimChannelView } from './claim-scheme.js'

export interface ClaimParties {
  /** Our account: the channel's receiver. */
  readonly account: string
  /** The peer's account: the channel's sender. */
  readonly peer: string
  readonly fieldNames?: { readonly sender: string; readonly receiver: string }
}

/** Throws the refusal for a channel that is unknown, not from `peer` to `account`, or closed. */
export function checkClaimChannel<View extends ClaimChannelView>(channelId: string, channel: View | undefined, parties: ClaimParties): asserts channel is View {
  if (channel === undefined || channel.id !== channelId) throw new ClaimWrongChannelError(channelId, 'channelId', 'a channel on the ledger', channel?.id)
  const names = parties.fieldNames ?? { sender: 'sender', receiver: 'receiver' }
  if (channel.receiver !== parties.account) throw new ClaimWrongChannelError(channelId, names.receiver, parties.account, channel.receiver)
  if (channel.sender !== parties.peer) throw new ClaimWrongChannelError(channelId, names.sender, parties.peer, channel.sender)
  if (channel.status === 'closed') throw new ClaimChannelClosedError(channelId)
}

/**
 * What a (verified) claim of `amount` adds over the best of the claim we hold (`held`) and what
 * the ledger paid out already: 0n for the very amount we hold (the payer re-sends after a lost
 * acceptance: it was credited once, so nothing is credited again), ClaimNotIncreasingError for
 * one not above the best, ClaimExceedsDepositError for one the ledger would never pay.
 */
export function claimGrowth(amount: bigint, channel: ClaimChannelView, held: bigint | undefined): bigint {
  const best = held !== undefined && held > channel.claimed ? held : channel.claimed
  if (held !== undefined && amount === held && held >= channel.claimed) return 0n
  if (amount <= best) throw new ClaimNotIncreasingError(channel.id, amount, best)
  if (amount > channel.deposit) throw new ClaimExceedsDepositError(channel.id, amount, channel.deposit)
  return amount - best
}
