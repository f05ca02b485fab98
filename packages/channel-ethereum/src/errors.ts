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

/** We have no outgoing channel to pay from and are not configured to open one (`funding`). */
export class NoOutgoingChannelError extends Error {
  override readonly name = 'NoOutgoingChannelError'
  constructor(readonly receiver: string) {
    super(`no payment channel to ${receiver}, and no funding configured to open one`)
  }
}
