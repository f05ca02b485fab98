/** Every failure this package reports is one of these: a class per kind, with a name. */
export class LightningError extends Error {
  override name = 'LightningError'
}

/** An LDK call refused what was asked (its own message kept). */
export class LdkCallError extends LightningError {
  override name = 'LdkCallError'
  constructor(readonly call: string, readonly detail: string) {
    super(`LDK ${call} failed: ${detail}`)
  }
}

/** A stored state (ChannelManager, a ChannelMonitor, the seed) could not be read back. */
export class StateReadError extends LightningError {
  override name = 'StateReadError'
  constructor(readonly file: string, readonly detail: string, options?: ErrorOptions) {
    super(`cannot read Lightning state ${file}: ${detail}`, options)
  }
}

/** A BOLT11 invoice that does not parse, or asks for something this node will not pay. */
export class InvalidInvoiceError extends LightningError {
  override name = 'InvalidInvoiceError'
  constructor(readonly invoice: string, readonly detail: string) {
    super(`invalid BOLT11 invoice: ${detail}`)
  }
}

/** A payment LDK gave up on (no route, the payee refused, retries spent). */
export class PaymentFailedError extends LightningError {
  override name = 'PaymentFailedError'
  constructor(readonly paymentHash: string, readonly reason: string) {
    super(`payment ${paymentHash} failed: ${reason}`)
  }
}

/** The block a stored state was synced to is no longer on the node's chain (a reorganisation while stopped). */
export class ChainForkError extends LightningError {
  override name = 'ChainForkError'
  constructor(readonly height: number, readonly hash: string) {
    super(`stored Lightning state is at block ${hash} (height ${height}), which the node's chain no longer has`)
  }
}

/** A peer address or node id that is not well formed. */
export class InvalidPeerError extends LightningError {
  override name = 'InvalidPeerError'
  constructor(readonly detail: string) {
    super(`invalid Lightning peer: ${detail}`)
  }
}
