/** The shared refusals live in channel-core (claim-errors.ts); this package adds its own. */
export {
  ClaimRefusedError,
  MalformedClaimError,
  ClaimWrongChannelError,
  ClaimSignatureError,
  ClaimNotIncreasingError,
  ClaimExceedsDepositError,
  ClaimChannelClosedError,
  NoValueHandlerError,
  DepositExhaustedError,
  ChannelShutDownError,
  InvalidChannelOptionError,
} from '@stack/channel-core'

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
