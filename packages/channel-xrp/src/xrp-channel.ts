import { InvalidAmountError, MAX_UINT64, type Channel, type ChannelTotals, type ClaimCarrier, type IncomingValue, type RequestOptions, type ValueHandler } from '@stack/channel-core'
import { SerialQueue } from '@stack/ledger-core'
import {
  buildPaymentChannelClaim,
  checkAddress,
  checkChannelId,
  signTransaction,
  type SignedTransaction,
  type XrpWallet
} from '@stack/ledger-xrp'
import { checkOption } from './check-option.js'
import { signClaim, type ClaimKeyPair } from './claim.js'
import { decodeClaimProof, encodeClaimProof } from './claim-proof.js'
import type { ClaimStore, IncomingClaim } from './claim-store.js'
import type { XrpChannelDirectory } from './channel-state.js'
import {
  ChannelShutDownError,
  DepositExhaustedError,
  InvalidChannelOptionError,
  NoOutgoingChannelError,
  NoValueHandlerError,
  NothingToRedeemError
} from './errors.js'
import { verifyIncomingClaim } from './verifier.js'

export interface XrpOutgoingChannel {
  /** Our channel to the peer, created on the ledger (ledger-xrp's PaymentChannelCreate, submitted by the operator). */
  readonly channelId: string
  /** The key pair whose public key the channel was created with. */
  readonly keys: ClaimKeyPair
}

export interface XrpClaimChannelOptions {
  /** Our classic address: the destination of incoming channels, the source of ours. */
  readonly account: string
  /** The peer's classic address. */
  readonly peerAccount: string
  readonly carrier: ClaimCarrier
  readonly store: ClaimStore
  /** Where channel amounts, balances and keys come from (a server's answers, as the caller trusts them). */
  readonly directory: XrpChannelDirectory
  /** Our channel to pay from. Absent: this endpoint only receives. */
  readonly outgoing?: XrpOutgoingChannel
  /** Our account's wallet: signs the PaymentChannelClaim that redeems. Absent: `redemption` is unavailable. */
  readonly wallet?: XrpWallet
  /** The clock (ms since the epoch). Default `Date.now`. */
  readonly now?: () => number
}

/** The fields a redeeming PaymentChannelClaim needs that no server fills in here. */
export interface RedemptionFields {
  /** Transaction cost in drops. */
  readonly fee: bigint
  /** Our account's next sequence. */
  readonly sequence: number
  readonly lastLedgerSequence?: number
  /** Also close the channel (tfClose): the remainder goes back to the source. */
  readonly close?: boolean
}

export interface Redemption extends SignedTransaction {
  readonly channelId: string
  /** The cumulative drops the claim redeems (the transaction's `Balance` and `Amount`). */
  readonly balance: bigint
}

export interface XrpChannelSummary {
  readonly outgoing: { readonly channelId: string; readonly sent: bigint } | undefined
  readonly incoming: readonly { readonly channelId: string; readonly best: bigint; readonly receivedAt: number }[]
}

/**
 * A channel-core `Channel` over XRP Ledger payment channels, both ways with one peer, in
 * drops. Paying: `sendValue` signs the next cumulative claim on our channel and hands it to
 * the carrier as the proof; the new cumulative amount is recorded only once the peer accepts.
 * Receiving: each claim is verified (verifier.ts) against the channel as the directory knows
 * it, stored, and only its growth over the best claim held is passed to the value handler.
 * Redeeming: `redemption` signs a PaymentChannelClaim for the best claim with our wallet and
 * returns the blob — submitting it to a server is the operator's (no server here).
 * Totals (`totals()`): each accepted payment and each credited claim adds to the store's total
 * sent or received in the same write as the claim, for the books to follow (channel-core `ChannelTotals`).
 */
export class XrpClaimChannel implements Channel {
  readonly #account: string
  readonly #peer: string
  readonly #carrier: ClaimCarrier
  readonly #store: ClaimStore
  readonly #directory: XrpChannelDirectory
  readonly #outgoing: XrpOutgoingChannel | undefined
  readonly #wallet: XrpWallet | undefined
  readonly #now: () => number
  readonly #sending = new SerialQueue()
  readonly #receiving = new SerialQueue()
  #handler: ValueHandler | undefined
  #closed = false

  constructor(options: XrpClaimChannelOptions) {
    this.#account = checkOption('account', () => checkAddress('account', options.account))
    this.#peer = checkOption('peerAccount', () => checkAddress('peerAccount', options.peerAccount))
    if (this.#account === this.#peer) throw new InvalidChannelOptionError('peerAccount', options.peerAccount, 'must differ from account')
    if (options.outgoing !== undefined) {
      const channelId = checkOption('outgoing.channelId', () => checkChannelId('outgoing.channelId', options.outgoing?.channelId))
      this.#outgoing = { ...options.outgoing, channelId }
    }
    if (options.wallet !== undefined && options.wallet.classicAddress !== this.#account) {
      throw new InvalidChannelOptionError('wallet', options.wallet.classicAddress, `must be the wallet of ${this.#account}`)
    }
    this.#carrier = options.carrier
    this.#store = options.store
    this.#directory = options.directory
    this.#wallet = options.wallet
    this.#now = options.now ?? Date.now
    this.#carrier.setValueHandler((value) => this.#receive(value))
  }

  /** Pays `amount` drops with the next cumulative claim. Rejects with what we or the peer refused. */
  async sendValue(amount: bigint, options: RequestOptions = {}): Promise<void> {
    if (typeof amount !== 'bigint' || amount < 0n || amount > MAX_UINT64) throw new InvalidAmountError('amount', amount)
    if (this.#closed) throw new ChannelShutDownError()
    if (amount === 0n) return
    const outgoing = this.#outgoing
    if (outgoing === undefined) throw new NoOutgoingChannelError(this.#account, this.#peer)
    await this.#sending.run(async () => {
      const { channelId, keys } = outgoing
      const channel = await this.#directory.getChannel(channelId)
      if (channel === undefined) throw new NoOutgoingChannelError(this.#account, this.#peer)
      const cumulative = this.#store.getSent(channelId) + amount
      if (cumulative > channel.amount) throw new DepositExhaustedError(channelId, cumulative, channel.amount)
      const signature = signClaim(keys.privateKey, channelId, cumulative)
      await this.#carrier.sendValue(amount, { ...options, proof: encodeClaimProof({ channelId, amount: cumulative, signature }) })
      this.#store.putSent(channelId, cumulative, this.totals().sent + amount)
    })
  }

  /** Drops the peer accepted from us and we from it, in all, from the claim store (channel-core `ChannelTotals`). */
  totals(): ChannelTotals {
    return this.#store.getTotals()
  }

  setValueHandler(handler: ValueHandler | undefined): void {
    this.#handler = handler
  }

  /**
   * A signed PaymentChannelClaim redeeming the best claim held on `channelId` (Balance = Amount =
   * the claim's drops, with its Signature and the channel's PublicKey), for the operator to submit.
   * @throws NothingToRedeemError, InvalidChannelOptionError (no wallet), and ledger-xrp's field errors
   */
  async redemption(channelId: string, fields: RedemptionFields): Promise<Redemption> {
    const wallet = this.#wallet
    if (wallet === undefined) throw new InvalidChannelOptionError('wallet', undefined, 'is needed to sign a redemption')
    const id = checkChannelId('channelId', channelId)
    const claim = this.#store.getIncoming(id)
    const channel = await this.#directory.getChannel(id)
    if (claim === undefined || channel === undefined || claim.amount <= channel.balance) throw new NothingToRedeemError(id)
    const tx = buildPaymentChannelClaim({
      account: this.#account,
      channel: id,
      balance: claim.amount,
      amount: claim.amount,
      signature: claim.signature,
      publicKey: channel.publicKey,
      ...(fields.close === true ? { close: true } : {}),
      fee: fields.fee,
      sequence: fields.sequence,
      ...(fields.lastLedgerSequence === undefined ? {} : { lastLedgerSequence: fields.lastLedgerSequence })
    })
    return { channelId: id, balance: claim.amount, ...signTransaction(wallet, tx) }
  }

  /** Forgets the claim on a channel once the operator saw it redeemed or the channel closed. */
  forgetClaim(channelId: string): void {
    this.#store.deleteIncoming(channelId.toUpperCase())
  }

  summary(): XrpChannelSummary {
    const outgoing = this.#outgoing
    return {
      outgoing: outgoing === undefined ? undefined : { channelId: outgoing.channelId, sent: this.#store.getSent(outgoing.channelId) },
      incoming: this.#store.listIncoming().map((claim) => ({ channelId: claim.channelId, best: claim.amount, receivedAt: claim.receivedAt }))
    }
  }

  /** Stops taking and sending value. Claims stay in the store (it is the caller's) for redemption. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#carrier.setValueHandler(undefined)
    await this.#sending.run(async () => {})
    await this.#receiving.run(async () => {})
  }

  #receive(value: IncomingValue): Promise<void> {
    return this.#receiving.run(async () => {
      if (this.#closed) throw new ChannelShutDownError()
      const claim = decodeClaimProof(value.proof)
      const previous = this.#store.getIncoming(claim.channelId)
      const growth = verifyIncomingClaim(claim, {
        channel: await this.#directory.getChannel(claim.channelId),
        destination: this.#account,
        account: this.#peer,
        best: previous?.amount ?? 0n
      })
      // The best claim again: the payer lost our acknowledgement and re-sent it. Nothing to credit.
      if (growth === 0n) return
      const handler = this.#handler
      if (handler === undefined) throw new NoValueHandlerError()
      const next: IncomingClaim = { channelId: claim.channelId, amount: claim.amount, signature: claim.signature, receivedAt: this.#now() }
      // Stored, with the total received, before it is credited: after a crash in between, the
      // books find the total ahead of them and credit the difference.
      const { received } = this.totals()
      this.#store.putIncoming(next, received + growth)
      try {
        // Credit the growth, not the carrier's amount: after a lost acknowledgement the payer's
        // next claim covers what we hold already.
        await handler({ amount: growth, proof: value.proof })
      } catch (error) {
        if (previous === undefined) this.#store.deleteIncoming(claim.channelId, received)
        else this.#store.putIncoming(previous, received)
        throw error
      }
    })
  }
}
