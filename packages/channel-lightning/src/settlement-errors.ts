import { ClaimRefusedError } from '@stack/channel-core'

/** A `paid` notice whose preimage does not hash to its payment hash, or for an invoice we never issued or were not paid. */
export class ForgedPaymentError extends ClaimRefusedError {
  override readonly name = 'ForgedPaymentError'
  constructor(readonly paymentHash: string, readonly reason: string) {
    super(`payment claim ${paymentHash} refused: ${reason}`)
  }
}

/** An earlier payment to the peer is still in flight (LDK sends it, or waits for its HTLC): no other starts until it is over. */
export class PaymentPendingError extends Error {
  override readonly name = 'PaymentPendingError'
  constructor(readonly paymentHashes: readonly string[]) {
    super(`a payment to the peer is still in flight (${paymentHashes.join(', ')}): nothing more is paid until it is over`)
  }
}

/**
 * An earlier payment whose outcome came after its sendValue was over (a restart, a timeout) was
 * sent: the totals count it now, and nothing more is paid on an amount reckoned without it.
 */
export class RecoveredPaymentError extends Error {
  override readonly name = 'RecoveredPaymentError'
  constructor(readonly amount: bigint) {
    super(`an earlier payment of ${amount} to the peer completed after its settlement was over; the totals count it: settle again`)
  }
}

/** The invoice the peer answered with is not for what was asked (amount or payee). */
export class UnexpectedInvoiceError extends ClaimRefusedError {
  override readonly name = 'UnexpectedInvoiceError'
  constructor(readonly detail: string) {
    super(`the peer's invoice: ${detail}`)
  }
}

/** The peer's hello names another Lightning node than the one configured or learned before. */
export class PeerNodeMismatchError extends ClaimRefusedError {
  override readonly name = 'PeerNodeMismatchError'
  constructor(readonly expected: string, readonly announced: string) {
    super(`the peer announces Lightning node ${announced}, not ${expected}`)
  }
}

/** No Lightning node id of the peer yet (not configured, no hello from it in time): nothing to pay. */
export class UnknownPeerNodeError extends Error {
  override readonly name = 'UnknownPeerNodeError'
  constructor() {
    super("the peer's Lightning node id is not known yet (not configured, and no hello from the peer)")
  }
}
