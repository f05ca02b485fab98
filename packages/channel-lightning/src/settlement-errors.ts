import { ClaimRefusedError } from '@stack/channel-core'

/** A payment claim whose preimage does not hash to its payment hash, or for an invoice we never issued or were not paid. */
export class ForgedPaymentError extends ClaimRefusedError {
  override readonly name = 'ForgedPaymentError'
  constructor(readonly paymentHash: string, readonly reason: string) {
    super(`payment claim ${paymentHash} refused: ${reason}`)
  }
}

/** A payment claim for a payment hash already credited: each is credited once. */
export class ReplayedPaymentError extends ClaimRefusedError {
  override readonly name = 'ReplayedPaymentError'
  constructor(readonly paymentHash: string) {
    super(`payment ${paymentHash} was already credited`)
  }
}

/** The invoice the peer answered with is not for what was asked (amount or payee). */
export class UnexpectedInvoiceError extends ClaimRefusedError {
  override readonly name = 'UnexpectedInvoiceError'
  constructor(readonly detail: string) {
    super(`the peer's invoice: ${detail}`)
  }
}
