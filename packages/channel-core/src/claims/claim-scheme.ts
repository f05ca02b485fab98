/**
 * What a ledger contributes to a cumulative-claim payment channel (claim-channel.ts runs the
 * rest): its proof's wire format, how it signs a cumulative amount, how it reads, verifies,
 * redeems and funds a channel. A scheme holds no claim state of its own: the engine keeps that in
 * the `ClaimStore` and serializes every use of it.
 */
import type { OutgoingState } from './claim-store.js'

/** One signed cumulative claim, decoded. */
export interface SignedClaim<Signature> {
  readonly channelId: string
  /** Cumulative: everything the receiver may redeem from the channel. */
  readonly amount: bigint
  readonly signature: Signature
}

/**
 * A channel as its ledger holds it, in the scheme's own spelling of ids and accounts (the engine
 * compares them as given). A scheme extends it with what verifying needs (a key).
 */
export interface ClaimChannelView {
  readonly id: string
  /** Funds the channel and signs its claims. */
  readonly sender: string
  /** Redeems the claims. */
  readonly receiver: string
  /** Everything ever locked: no claim above it is paid. */
  readonly deposit: bigint
  /** Everything already paid out to the receiver. */
  readonly claimed: bigint
  /**
   * `open`; `closing`: the sender asked to close and the receiver still may redeem (so it must,
   * now: RFC 0032, settlement is what makes the credit final); `closed`: no claim is paid any more.
   */
  readonly status: 'open' | 'closing' | 'closed'
}

/** How a claim is paid out: `claim` keeps the channel open, `close` closes it with the claim. */
export type RedeemMode = 'claim' | 'close'

export interface ClaimScheme<Signature, Outgoing extends OutgoingState = OutgoingState, View extends ClaimChannelView = ClaimChannelView> {
  /** Our account as views name it: the receiver of the channels we take claims on. */
  readonly account: string
  /** The peer's account as views name it: their sender. */
  readonly peer: string
  /** The ledger's own names of a channel's sender and receiver, for ClaimWrongChannelError. Default `sender`, `receiver`. */
  readonly fieldNames?: { readonly sender: string; readonly receiver: string }

  /** The proof bytes of a claim (throws MalformedClaimError for a field out of range). */
  encodeProof(claim: SignedClaim<Signature>): Uint8Array
  /** The claim in proof bytes (throws MalformedClaimError naming the wrong field). */
  decodeProof(proof: Uint8Array): SignedClaim<Signature>
  /** Our signature of cumulative `amount` on `state.channelId`. */
  sign(state: Outgoing, amount: bigint): Signature | Promise<Signature>
  /** The channel, or undefined when the ledger has none with this id. `amount`: the claim it is read for (a scheme may answer from a cache when it is covered). */
  readChannel(channelId: string, amount?: bigint): Promise<View | undefined>
  /** Whether `claim` carries the channel key's valid signature of exactly its amount on exactly its channel. */
  verify(claim: SignedClaim<Signature>, channel: View): boolean | Promise<boolean>
  /** Pays `claim` out on the ledger; resolves with what was paid to us. Absent: the operator redeems (the engine keeps the claims). */
  redeem?(claim: SignedClaim<Signature>, channel: View, mode: RedeemMode): Promise<bigint>

  /** The state to pay from, given what the store holds (undefined before the first payment). */
  outgoing(stored: Outgoing | undefined): Outgoing
  /**
   * Our state checked against the ledger before a payment: a channel no longer open let go of,
   * and what the peer redeemed beyond our books added to `carry`. Each change is saved with `save`.
   */
  review?(state: Outgoing, save: (state: Outgoing) => void): Promise<Outgoing>
  /**
   * Our state with a channel that holds `amount` more than its `sent`: opened or topped up as the
   * scheme's funding says, each step saved with `save`. Throws when it cannot (no channel, deposit exhausted).
   */
  fund(state: Outgoing, amount: bigint, save: (state: Outgoing) => void): Promise<Outgoing & { readonly channelId: string }>
  /** One watcher pass over our own channel (close it once its settle delay is over). */
  watchOutgoing?(state: Outgoing): Promise<void>
}
