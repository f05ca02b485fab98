import * as ldk from 'lightningdevkit'
import { bytesToHash } from './chain.js'
import { PaymentFailedError } from './errors.js'
import { hex, someOf } from './ldk.js'
import type { Payment } from './lightning-node.js'
import type { NodeJournal } from './node-journal.js'

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

export interface EventContext {
  readonly node: { emit<K extends keyof NodeEvents>(name: K, ...args: NodeEvents[K]): boolean }
  readonly manager: ldk.ChannelManager
  readonly journal: NodeJournal
  readonly pending: Map<string, { resolve: (p: Payment) => void; reject: (e: Error) => void }[]>
  sweep(outputs: ldk.SpendableOutputDescriptor[]): void
  fund(event: ldk.Event_FundingGenerationReady): void
}

/**
 * LDK's events, at least once: the manager is persisted after them, so one handled just before a
 * crash is handed again. Outcomes LDK does not keep are journaled before the handler returns.
 */
export function handleEvent(event: ldk.Event, context: EventContext): void {
  if (event instanceof ldk.Event_FundingGenerationReady) {
    context.fund(event)
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
    for (const waiter of context.pending.get(payment.paymentHash) ?? []) waiter.resolve(payment)
    context.pending.delete(payment.paymentHash)
    context.node.emit('paymentSent', payment)
  } else if (event instanceof ldk.Event_PaymentFailed) {
    const paymentHash = hex(event.payment_id)
    const code = someOf<ldk.PaymentFailureReason>(event.reason)
    const reason = code === undefined ? 'unknown' : (ldk.PaymentFailureReason[code] ?? String(code))
    context.journal.failed(paymentHash, reason)
    for (const waiter of context.pending.get(paymentHash) ?? []) waiter.reject(new PaymentFailedError(paymentHash, reason))
    context.pending.delete(paymentHash)
    context.node.emit('paymentFailed', { paymentHash, reason })
  } else if (event instanceof ldk.Event_PendingHTLCsForwardable) {
    context.manager.process_pending_htlc_forwards()
  } else if (event instanceof ldk.Event_SpendableOutputs) {
    context.sweep(event.outputs)
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
