/**
 * What ILP (layer 3) asks of the layer below for money: send value to the peer, and learn of
 * value the peer sent. How value moves (a payment-channel claim, a ledger transfer) is the
 * implementation's business; the proof travels as opaque bytes each channel package defines.
 */

import type { RequestOptions } from './link.js'

export interface IncomingValue {
  /** The additional value (RFC 0023 Transfer: compared to the previous settlement state). */
  readonly amount: bigint
  /** The channel's own proof or claim; empty when the carrier has none. */
  readonly proof: Uint8Array
}

/**
 * Accepts (resolves) or refuses (throws) value from the peer. A refusal reaches the peer as
 * the protocol's error answer, and the value must then not have been credited.
 */
export type ValueHandler = (value: IncomingValue) => void | Promise<void>

/**
 * All the value that moved over a channel, each way, as its durable store keeps it: the truth of
 * what was paid, which the books of layer 3 follow (a crash between the channel's write and the
 * books' leaves a difference that is applied once, at the next start).
 */
export interface ChannelTotals {
  /** The amounts the peer accepted from `sendValue`, summed; recorded before `sendValue` resolves. */
  readonly sent: bigint
  /**
   * The amounts passed to the value handler and not refused, summed; recorded before the handler
   * is called (so a handler that reads the totals sees the value it is offered), taken back if it refuses.
   */
  readonly received: bigint
}

export interface Channel {
  /** Sends `amount` (UInt64) to the peer; resolves once the peer accepted it. */
  sendValue(amount: bigint, options?: RequestOptions): Promise<void>
  setValueHandler(handler: ValueHandler | undefined): void
  /** Only a channel whose store outlives the process has totals; one without forgets what moved. */
  totals?(): ChannelTotals
  /**
   * The lifecycle, for a channel that runs something of its own (a dispute watcher): `start` once
   * its value handler is set; `stop` ends it, sends and takes no more value, and redeems what it
   * holds where its ledger allows. Idempotent `stop`; the channel's store stays its owner's.
   */
  start?(): Promise<void>
  stop?(): Promise<void>
  /** What the channel holds (channels, best claims), as plain data for an operator. */
  summary?(): object
}

export interface ClaimCarrierOptions extends RequestOptions {
  /** The payment channel's encoded claim, opaque to the carrier. */
  readonly proof: Uint8Array
}

/**
 * How a payment-channel package gets its claims to the peer: a value side that also carries a
 * proof. BTP's TRANSFER with the claim as a sub-protocol (RFC 0023) is one (`BtpClient`,
 * `BtpServerLink`); the channel never sees the transport.
 */
export interface ClaimCarrier {
  /** Delivers `amount` with its proof; resolves once the peer accepted it, rejects if it refused. */
  sendValue(amount: bigint, options: ClaimCarrierOptions): Promise<void>
  setValueHandler(handler: ValueHandler | undefined): void
}

export const MAX_UINT64 = 0xffff_ffff_ffff_ffffn
