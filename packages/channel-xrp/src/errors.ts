/** The shared refusals live in channel-core (claim-errors.ts); this package adds its own. */
export {
  ClaimRefusedError,
  MalformedClaimError,
  ClaimWrongChannelError,
  ClaimSignatureError,
  ClaimNotIncreasingError,
  ClaimChannelClosedError,
  NoValueHandlerError,
  DepositExhaustedError,
  ChannelShutDownError,
  InvalidChannelOptionError,
} from '@stack/channel-core'
import { ClaimRefusedError } from '@stack/channel-core'

/** The cumulative amount is above the channel's amount as we know it: the ledger would never pay it. */
export class ClaimExceedsChannelError extends ClaimRefusedError {
  override readonly name = 'ClaimExceedsChannelError'
  constructor(readonly channelId: string, readonly amount: bigint, readonly channelAmount: bigint) {
    super(`claim of ${amount} drops on channel ${channelId} exceeds the channel's ${channelAmount} drops`)
  }
}

/** We have no outgoing channel to pay from: open one on the ledger (PaymentChannelCreate) and configure it. */
export class NoOutgoingChannelError extends Error {
  override readonly name = 'NoOutgoingChannelError'
  constructor(readonly account: string, readonly destination: string) {
    super(`no payment channel from ${account} to ${destination} is configured`)
  }
}

/** We hold no unredeemed claim on this channel. */
export class NothingToRedeemError extends Error {
  override readonly name = 'NothingToRedeemError'
  constructor(readonly channelId: string) {
    super(`no unredeemed claim on payment channel ${channelId}`)
  }
}
