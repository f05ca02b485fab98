import * as ldk from 'lightningdevkit'
import { bytesToHash } from './chain.js'
import { LdkCallError, PaymentFailedError } from './errors.js'
import { apiError, hex, someOf } from './ldk.js'
import type { FundingWallet, Payment } from './lightning-node.js'
import type { NodeJournal } from './node-journal.js'
import type { Sweeper } from './sweeper.js'

/** What a LightningNode tells its user. */
export interface NodeEvents {
  /** An incoming payment was claimed (its preimage released): credit it once per payment hash. */
  paymentClaimed: [{ paymentHash: string; amountMsat: bigint }]
  /** A payment of ours reached its payee (PaymentSent), or was given up (PaymentFailed); both journaled first. */
  paymentSent: [Payment]
  paymentFailed: [{ paymentHash: string; reason: string }]
  channelReady: [{ channelId: string; counterparty: string }]
  /** Any close: ours, the peer's cooperative one, or the peer's commitment seen on chain. */
  channelClosed: [{ channelId: string; counterparty: string; reason: string; fundingTxid: string | undefined }]
  /** Outputs LDK handed back were sent to the sweep script. */
  swept: [{ txid: string }]
  error: [Error]
}

type Waiter = { resolve: (p: Payment) => void; reject: (e: Error) => void }

/** What the handling of LDK's events works on: the node's parts, and its background work. */
export interface EventContext {
  readonly node: { emit<K extends keyof NodeEvents>(name: K, ...args: NodeEvents[K]): boolean }
  readonly manager: ldk.ChannelManager
  readonly keys: ldk.KeysManager
  readonly journal: NodeJournal
  readonly sweeper: Sweeper
  readonly wallet: FundingWallet
  readonly sweepScript: Uint8Array
  /** sat per 1000 weight, now. */
  feeRate(): number
  /** Runs `work` in the background: its failure goes to `fail`, and `sync()` waits for it. */
  track(work: Promise<unknown>): void
  fail(error: Error): void
  /** The manager has work to do (a funding transaction handed to it): a pump soon. */
  schedulePump(): void
}

/**
 * LDK's events, at least once: the manager is persisted after them, so one handled just before a
 * crash is handed again. Outcomes LDK does not keep are journaled before the handler returns.
 * Who waits for a payment of ours hears its outcome here.
 */
export class LdkEvents {
  /** Who waits for each payment's outcome (several calls of pay() may wait for one payment). */
  readonly #waiting = new Map<string, Waiter[]>()

  constructor(private readonly context: EventContext) {}

  /** An EventHandler for one round of `process_pending_events` (LDK's bindings take it by value). */
  handler(): ldk.EventHandler {
    return ldk.EventHandler.new_impl({
      handle_event: (event: ldk.Event) => {
        this.#handle(event)
        return ldk.Result_NoneReplayEventZ.constructor_ok()
      }
    })
  }

  /** Settles with the outcome of our payment of `paymentHash` once LDK tells it. */
  outcome(paymentHash: string): Promise<Payment> {
    return new Promise((resolve, reject) => this.#waiting.set(paymentHash, [...(this.#waiting.get(paymentHash) ?? []), { resolve, reject }]))
  }

  /** LDK did not take the payment: nobody waits for its outcome. */
  forget(paymentHash: string): void {
    this.#waiting.delete(paymentHash)
  }

  #handle(event: ldk.Event): void {
    const { context } = this
    if (event instanceof ldk.Event_FundingGenerationReady) {
      this.#fund(event)
    } else if (event instanceof ldk.Event_PaymentClaimable) {
      const preimage = someOf<Uint8Array>(event.purpose.preimage())
      // Without a preimage the payment is not for an invoice of ours: LDK fails it back when unclaimed.
      if (preimage !== undefined) context.manager.claim_funds(preimage)
    } else if (event instanceof ldk.Event_PaymentClaimed) {
      const paymentHash = hex(event.payment_hash)
      context.journal.claimed(paymentHash, event.amount_msat)
      context.node.emit('paymentClaimed', { paymentHash, amountMsat: event.amount_msat })
    } else if (event instanceof ldk.Event_PaymentSent) {
      // Our payment id is the payment hash (LightningNode.pay).
      const payment = { paymentHash: hex(event.payment_hash), preimage: hex(event.payment_preimage), feeMsat: someOf<bigint>(event.fee_paid_msat) ?? 0n }
      context.journal.sent(payment.paymentHash, payment.preimage, payment.feeMsat)
      for (const waiter of this.#waiting.get(payment.paymentHash) ?? []) waiter.resolve(payment)
      this.#waiting.delete(payment.paymentHash)
      context.node.emit('paymentSent', payment)
    } else if (event instanceof ldk.Event_PaymentFailed) {
      const paymentHash = hex(event.payment_id)
      const code = someOf<ldk.PaymentFailureReason>(event.reason)
      const reason = code === undefined ? 'unknown' : (ldk.PaymentFailureReason[code] ?? String(code))
      context.journal.failed(paymentHash, reason)
      for (const waiter of this.#waiting.get(paymentHash) ?? []) waiter.reject(new PaymentFailedError(paymentHash, reason))
      this.#waiting.delete(paymentHash)
      context.node.emit('paymentFailed', { paymentHash, reason })
    } else if (event instanceof ldk.Event_PendingHTLCsForwardable) {
      context.manager.process_pending_htlc_forwards()
    } else if (event instanceof ldk.Event_SpendableOutputs) {
      this.#sweep(event.outputs)
    } else if (event instanceof ldk.Event_ChannelReady) {
      context.node.emit('channelReady', { channelId: hex(event.channel_id.get_a()), counterparty: hex(event.counterparty_node_id) })
    } else if (event instanceof ldk.Event_ChannelClosed) {
      const funding = event.channel_funding_txo
      context.node.emit('channelClosed', {
        channelId: hex(event.channel_id.get_a()),
        counterparty: hex(event.counterparty_node_id),
        reason: event.reason.constructor.name.replace(/^ClosureReason_/, ''),
        fundingTxid: funding === null ? undefined : bytesToHash(funding.get_txid())
      })
    }
  }

  // The wallet builds the funding transaction (BOLT 2), handed to the manager when it is signed.
  #fund(event: ldk.Event_FundingGenerationReady): void {
    const { context } = this
    const work = context.wallet.fundingTransaction(event.output_script, event.channel_value_satoshis).then((tx) => {
      const result = context.manager.funding_transaction_generated(event.temporary_channel_id, event.counterparty_node_id, tx)
      if (!(result instanceof ldk.Result_NoneAPIErrorZ_OK)) throw new LdkCallError('funding_transaction_generated', apiError(result))
      context.schedulePump()
    })
    context.track(work)
  }

  // LDK hands outputs back once: signed to the sweep script now, journaled and broadcast by the Sweeper.
  #sweep(outputs: ldk.SpendableOutputDescriptor[]): void {
    const { context } = this
    const spent = context.keys.as_OutputSpender().spend_spendable_outputs(outputs, [], context.sweepScript, context.feeRate(), ldk.Option_u32Z.constructor_none())
    if (!(spent instanceof ldk.Result_TransactionNoneZ_OK)) {
      context.fail(new LdkCallError('spend_spendable_outputs', 'refused'))
      return
    }
    context.sweeper.sweep(spent.res, (txid) => context.node.emit('swept', { txid }))
  }
}
