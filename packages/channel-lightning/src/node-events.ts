import * as ldk from 'lightningdevkit'
import { bytesToHash } from './chain.js'
import { PaymentFailedError } from './errors.js'
import { hex, someOf } from './ldk.js'
import type { Payment } from './lightning-node.js'

/** What a LightningNode tells its user. */
export interface NodeEvents {
  /** An incoming payment was claimed (its preimage released): credit it once per payment hash. */
  paymentClaimed: [{ paymentHash: string; amountMsat: bigint }]
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
  readonly pending: Map<string, { resolve: (p: Payment) => void; reject: (e: Error) => void }>
  sweep(outputs: ldk.SpendableOutputDescriptor[]): void
  fund(event: ldk.Event_FundingGenerationReady): void
}

/** LDK's events, each handled once (the manager is persisted after, so an unpersisted one is handed again after a crash). */
export function handleEvent(event: ldk.Event, context: EventContext): void {
  if (event instanceof ldk.Event_FundingGenerationReady) {
    context.fund(event)
  } else if (event instanceof ldk.Event_PaymentClaimable) {
    const preimage = someOf<Uint8Array>(event.purpose.preimage())
    // Without a preimage the payment is not for an invoice of ours: LDK fails it back when unclaimed.
    if (preimage !== undefined) context.manager.claim_funds(preimage)
  } else if (event instanceof ldk.Event_PaymentClaimed) {
    context.node.emit('paymentClaimed', { paymentHash: hex(event.payment_hash), amountMsat: event.amount_msat })
  } else if (event instanceof ldk.Event_PaymentSent) {
    const key = hex(event.payment_hash)
    context.pending.get(key)?.resolve({ paymentHash: key, preimage: hex(event.payment_preimage), feeMsat: someOf<bigint>(event.fee_paid_msat) ?? 0n })
    context.pending.delete(key)
  } else if (event instanceof ldk.Event_PaymentFailed) {
    const key = hex(event.payment_id)
    const reason = someOf<ldk.PaymentFailureReason>(event.reason)
    context.pending.get(key)?.reject(new PaymentFailedError(key, reason === undefined ? 'unknown' : (ldk.PaymentFailureReason[reason] ?? String(reason))))
    context.pending.delete(key)
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
