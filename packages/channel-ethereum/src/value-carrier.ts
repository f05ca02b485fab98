/**
 * How claims reach the peer: a channel-core value side that also carries a proof. BTP is the
 * carrier of choice (TRANSFER with the claim as the `claim` sub-protocol, RFC 0023); the
 * channel never sees the transport, so any carrier with a proof field works.
 */
import type { RequestOptions, ValueHandler } from '@stack/channel-core'

export interface ClaimCarrierOptions extends RequestOptions {
  /** The encoded claim (claim-proof.ts). */
  readonly proof: Uint8Array
}

export interface ClaimCarrier {
  /** Delivers `amount` with its proof; resolves once the peer accepted it, rejects if it refused. */
  sendValue(amount: bigint, options: ClaimCarrierOptions): Promise<void>
  setValueHandler(handler: ValueHandler | undefined): void
}
