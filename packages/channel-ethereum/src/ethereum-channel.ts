/**
 * The off-chain side of an Ethereum payment channel as a channel-core `Channel`, both ways with
 * one peer: the claim engine (channel-core `ClaimChannel`) over the PaymentChannel contract's
 * scheme (ethereum-scheme.ts).
 */
import {
  ClaimChannel,
  checkPositive,
  InvalidChannelOptionError,
  MemoryClaimStore,
  type ChannelLogger,
  type ChannelWatch,
  type ClaimCarrier,
  type ClaimChannelSummary,
  type ClaimStore
} from '@stack/channel-core'
import type { AccountId } from '@stack/ledger-core'
import type { EthereumLedger, TransactionSummary } from '@stack/ledger-ethereum'
import { isAddress, type Address, type Hex } from 'viem'
import { NoOutgoingChannelError } from './errors.js'
import { EthereumScheme, type ChannelFunding, type ChannelTransaction, type EthereumOutgoingState } from './ethereum-scheme.js'
import { PaymentChannelContract, type OnChainChannel } from './payment-channel-contract.js'

export interface EthereumChannelOptions {
  readonly ledger: EthereumLedger
  /** The deployed PaymentChannel contract. */
  readonly contract: Address
  /** Our account on the ledger: sends our channel's transactions, signs our claims, receives the peer's. */
  readonly account: AccountId
  /** The peer's address: the receiver of our channel, the sender of the channels we accept claims on. */
  readonly peerAddress: Address
  readonly carrier: ClaimCarrier
  /** Default: a MemoryClaimStore, forgotten on restart; a SqliteClaimStore keeps the claims in a file. */
  readonly store?: ClaimStore<Hex, EthereumOutgoingState>
  /** Without it, `sendValue` needs a channel opened with `openChannel`. */
  readonly funding?: ChannelFunding
  /** Redeem (claim on chain, without closing) once a channel's unredeemed claims reach this much wei. */
  readonly redeemThreshold?: bigint
  /** The watcher `start` runs (see `tick`): a peer that starts a reclaim finds its channel closed with our best claim. */
  readonly watch?: ChannelWatch
  /** The clock (ms since the epoch). Default `Date.now`. */
  readonly now?: () => number
  readonly logger?: ChannelLogger
}

export interface EthereumChannelSummary extends ClaimChannelSummary {
  readonly outgoing: { readonly channelId: string; readonly sent: bigint; readonly deposit: bigint } | undefined
  /** The latest transactions this endpoint sent to the contract (since it started): open, top-up, claim, close. */
  readonly transactions: readonly ChannelTransaction[]
}

/**
 * A channel-core `Channel` over the PaymentChannel contract. Besides the engine's paying,
 * receiving and redeeming (`redeem` claims on chain without closing, `redeem('close')` — or
 * `settle` — closes with the best claim, `tick` closes any channel whose sender started a
 * reclaim), the payer opens and tops up its channel (`funding`), and may `startReclaim` and
 * `reclaim` what the peer did not claim.
 */
export class EthereumChannel extends ClaimChannel<Hex, EthereumOutgoingState> {
  readonly contract: PaymentChannelContract
  readonly #scheme: EthereumScheme
  readonly #store: ClaimStore<Hex, EthereumOutgoingState>

  constructor(options: EthereumChannelOptions) {
    if (!isAddress(options.contract)) throw new InvalidChannelOptionError('contract', options.contract, 'must be an address')
    if (!isAddress(options.peerAddress)) throw new InvalidChannelOptionError('peerAddress', options.peerAddress, 'must be an address')
    const address = options.ledger.addressOf(options.account)
    if (address.toLowerCase() === options.peerAddress.toLowerCase()) throw new InvalidChannelOptionError('peerAddress', options.peerAddress, 'must differ from our address')
    checkPositive('funding.deposit', options.funding?.deposit)
    checkPositive('funding.topUpAmount', options.funding?.topUpAmount)
    if (options.funding !== undefined && !(typeof options.funding.timeoutSeconds === 'bigint' && options.funding.timeoutSeconds >= 0n && options.funding.timeoutSeconds < 1n << 64n)) {
      throw new InvalidChannelOptionError('funding.timeoutSeconds', options.funding.timeoutSeconds, 'must be a uint64 bigint')
    }
    const contract = new PaymentChannelContract(options.ledger, options.contract)
    const now = options.now ?? Date.now
    const scheme = new EthereumScheme(options.ledger, contract, options.account, address, options.peerAddress, options.funding, now)
    const store = options.store ?? new MemoryClaimStore<Hex, EthereumOutgoingState>()
    super({ ...options, scheme, store, now })
    this.contract = contract
    this.#scheme = scheme
    this.#store = store
  }

  /** Opens our channel to the peer now (instead of on the first payment). Replaces a channel we had. */
  openChannel(deposit: bigint, timeoutSeconds = this.#scheme.funding?.timeoutSeconds): Promise<Hex> {
    checkPositive('deposit', deposit)
    if (timeoutSeconds === undefined) return Promise.reject(new InvalidChannelOptionError('timeoutSeconds', timeoutSeconds, 'is needed without funding'))
    return this.withOutgoing(async (_state, save) => (await this.#scheme.open(deposit, timeoutSeconds, save)).channelId as Hex, { review: false })
  }

  /** Our channel to the peer as the contract holds it, or undefined before we opened one. */
  async outgoingChannel(): Promise<OnChainChannel | undefined> {
    const channelId = this.#store.getOutgoing()?.channelId
    return channelId === undefined ? undefined : this.contract.getChannel(channelId as Hex)
  }

  /** Starts the dispute timeout on our channel: the peer may close with its best claim until it ends. */
  startReclaim(): Promise<TransactionSummary> {
    return this.withOutgoing(async ({ channelId }) => this.#scheme.record('startReclaim', this.#own(channelId), await this.contract.startReclaim(this.#scheme.accountId, this.#own(channelId))), { review: false })
  }

  /** Withdraws what the peer did not claim, once the timeout has passed; forgets the channel. */
  reclaim(): Promise<TransactionSummary> {
    return this.withOutgoing(
      async ({ channelId }, save) => {
        const summary = this.#scheme.record('reclaim', this.#own(channelId), await this.contract.reclaim(this.#scheme.accountId, this.#own(channelId)))
        this.#scheme.forget(save)
        return summary
      },
      { review: false }
    )
  }

  /** Closes every incoming channel with its best claim: we are paid, the remainder goes back to the peer. */
  settle(): Promise<bigint> {
    return this.redeem('close')
  }

  override summary(): EthereumChannelSummary {
    const base = super.summary()
    const deposit = this.#store.getOutgoing()?.deposit ?? 0n
    return { ...base, outgoing: base.outgoing === undefined ? undefined : { ...base.outgoing, deposit }, transactions: [...this.#scheme.transactions] }
  }

  #own(channelId: string | undefined): Hex {
    if (channelId === undefined) throw new NoOutgoingChannelError(this.#scheme.peer)
    return channelId as Hex
  }
}
