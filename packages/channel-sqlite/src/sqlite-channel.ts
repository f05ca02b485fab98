import { ClaimChannel, checkPositive, InvalidChannelOptionError, MAX_UINT64, type ChannelLogger, type ChannelWatch, type ClaimCarrier, type ClaimStore } from '@stack/channel-core'
import { hasPaymentChannels, type Ledger, type PaymentChannel, type PaymentChannelCapability } from '@stack/ledger-core'
import { SqliteScheme, type ChannelFunding, type SqliteChannelView, type SqliteOutgoingState } from './sqlite-scheme.js'

export interface SqliteChannelOptions {
  /** The shared ledger both peers' accounts live on (one per asset). */
  readonly ledger: Ledger & PaymentChannelCapability
  /** Our account on it: pays from here, receives here. */
  readonly account: string
  /** The peer's account on it. */
  readonly peerAccount: string
  /** Carries claims to the peer and brings the peer's (the BTP link's value side). */
  readonly carrier: ClaimCarrier
  /** Where the claim key, the cumulative amount sent and the best claims received are kept (this account with this peer). */
  readonly store: ClaimStore<Uint8Array, SqliteOutgoingState>
  /** Open a channel on the first payment and top it up. Absent: pay only over a channel opened with `openChannel`. */
  readonly funding?: ChannelFunding
  /** Redeem on the ledger once the unredeemed part of the best claim reaches this. Absent: only on stop, when idle, or in a dispute. */
  readonly redeemThreshold?: bigint
  /** The watcher `start` runs (see `tick`). Absent: call `tick` yourself. */
  readonly watch?: ChannelWatch
  /** The clock (ms since the epoch). Default `Date.now`. Use the ledger's clock. */
  readonly now?: () => number
  readonly logger?: ChannelLogger
}

/**
 * A channel-core `Channel` over ledger-sqlite's payment channels, both ways with one peer: the
 * claim engine (channel-core `ClaimChannel`) over ledger-sqlite's scheme (sqlite-scheme.ts).
 * Besides the engine's paying, receiving and redeeming, the payer opens its channel on the first
 * payment (`funding`), tops it up, replaces one the peer or we asked to close, and `tick` closes
 * ours once its settle delay is over (the remainder comes back).
 */
export class SqliteChannel extends ClaimChannel<Uint8Array, SqliteOutgoingState, SqliteChannelView> {
  readonly #scheme: SqliteScheme

  constructor(options: SqliteChannelOptions) {
    if (!hasPaymentChannels(options.ledger)) throw new InvalidChannelOptionError('ledger', options.ledger, 'must have the payment-channels capability')
    if (options.account === options.peerAccount) throw new InvalidChannelOptionError('peerAccount', options.peerAccount, 'must differ from account')
    checkPositive('funding.deposit', options.funding?.deposit, MAX_UINT64)
    checkPositive('funding.topUpAmount', options.funding?.topUpAmount, MAX_UINT64)
    checkPositive('redeemThreshold', options.redeemThreshold, MAX_UINT64)
    const now = options.now ?? Date.now
    const scheme = new SqliteScheme(options.ledger, options.account, options.peerAccount, options.funding, now)
    super({ ...options, scheme, now })
    this.#scheme = scheme
  }

  /** Opens our channel to the peer with `deposit` now (instead of on the first payment). */
  openChannel(deposit: bigint, settleDelayMs = this.#scheme.funding?.settleDelayMs): Promise<PaymentChannel> {
    checkPositive('deposit', deposit, MAX_UINT64)
    if (settleDelayMs === undefined) return Promise.reject(new InvalidChannelOptionError('settleDelayMs', settleDelayMs, 'is needed without funding'))
    return this.withOutgoing(async (state, save) => (await this.#scheme.open(state, deposit, settleDelayMs, save)).channel, { review: false })
  }

  /** Asks the ledger to close our channel to the peer: its settle delay starts, the watcher closes it after. */
  requestClose(): Promise<PaymentChannel | undefined> {
    return this.withOutgoing(
      async ({ channelId }) => {
        if (channelId === undefined) return undefined
        const channel = await this.#scheme.ledger.getChannel(channelId)
        if (channel.status !== 'open') return channel
        return this.#scheme.ledger.requestChannelClose({ channelId, by: 'sender' })
      },
      { review: false }
    )
  }
}
