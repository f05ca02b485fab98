import { ClaimChannel, InvalidChannelOptionError, type ChannelLogger, type ClaimCarrier, type ClaimStore } from '@stack/channel-core'
import { buildPaymentChannelClaim, checkAddress, checkChannelId, signTransaction, type SignedTransaction, type XrpWallet } from '@stack/ledger-xrp'
import { checkOption } from './check-option.js'
import type { XrpChannelDirectory } from './channel-state.js'
import { NothingToRedeemError } from './errors.js'
import { XrpScheme, type XrpChannelView, type XrpOutgoingChannel, type XrpOutgoingState } from './xrp-scheme.js'

export interface XrpClaimChannelOptions {
  /** Our classic address: the destination of incoming channels, the source of ours. */
  readonly account: string
  /** The peer's classic address. */
  readonly peerAccount: string
  readonly carrier: ClaimCarrier
  readonly store: ClaimStore<string, XrpOutgoingState>
  /** Where channel amounts, balances and keys come from (a server's answers, as the caller trusts them). */
  readonly directory: XrpChannelDirectory
  /** Our channel to pay from. Absent: this endpoint only receives. */
  readonly outgoing?: XrpOutgoingChannel
  /** Our account's wallet: signs the PaymentChannelClaim that redeems. Absent: `redemption` is unavailable. */
  readonly wallet?: XrpWallet
  /** The clock (ms since the epoch). Default `Date.now`. */
  readonly now?: () => number
  readonly logger?: ChannelLogger
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

/**
 * A channel-core `Channel` over XRP Ledger payment channels, both ways with one peer, in drops:
 * the claim engine (channel-core `ClaimChannel`) over the XRP Ledger's scheme (xrp-scheme.ts).
 * Redeeming: `redemption` signs a PaymentChannelClaim for the best claim with our wallet and
 * returns the blob — submitting it to a server is the operator's (no server here), and so the
 * claims stay in the store on `stop` until `forgetClaim`.
 */
export class XrpClaimChannel extends ClaimChannel<string, XrpOutgoingState, XrpChannelView> {
  readonly #account: string
  readonly #directory: XrpChannelDirectory
  readonly #wallet: XrpWallet | undefined

  constructor(options: XrpClaimChannelOptions) {
    const account = checkOption('account', () => checkAddress('account', options.account))
    const peer = checkOption('peerAccount', () => checkAddress('peerAccount', options.peerAccount))
    if (account === peer) throw new InvalidChannelOptionError('peerAccount', options.peerAccount, 'must differ from account')
    let outgoing: XrpOutgoingChannel | undefined
    if (options.outgoing !== undefined) {
      const channelId = checkOption('outgoing.channelId', () => checkChannelId('outgoing.channelId', options.outgoing?.channelId))
      outgoing = { ...options.outgoing, channelId }
    }
    if (options.wallet !== undefined && options.wallet.classicAddress !== account) {
      throw new InvalidChannelOptionError('wallet', options.wallet.classicAddress, `must be the wallet of ${account}`)
    }
    super({ ...options, scheme: new XrpScheme(account, peer, options.directory, outgoing) })
    this.#account = account
    this.#directory = options.directory
    this.#wallet = options.wallet
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
    const claim = this.heldClaim(id)
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
  override forgetClaim(channelId: string): Promise<void> {
    return super.forgetClaim(channelId.toUpperCase())
  }
}
