/**
 * What a channel endpoint must not forget: as payer, the channel it pays from and the
 * cumulative amount the peer accepted; as payee, the best claim on each incoming channel (a
 * claim not yet redeemed is money only while it is kept). Synchronous on purpose: each call is
 * one atomic write, made before the value is credited. A store holds our channels with one
 * peer: `MemoryClaimStore` forgets them when the process ends (for tests); `SqliteClaimStore`
 * (sqlite-claim-store.ts) keeps them in a file across restarts.
 */
import type { Address, Hex } from 'viem'

export interface OutgoingState {
  readonly channelId: Hex
  /** The deposit as we last knew it (we are the only one who adds to it). */
  readonly deposit: bigint
  /** The cumulative claim the peer accepted last. */
  readonly sent: bigint
}

export interface IncomingClaim {
  readonly channelId: Hex
  readonly sender: Address
  /** Cumulative amount of the best claim received. */
  readonly amount: bigint
  readonly signature: Hex
}

export interface ClaimStore {
  getOutgoing(): OutgoingState | undefined
  putOutgoing(state: OutgoingState | undefined): void
  getIncoming(channelId: Hex): IncomingClaim | undefined
  putIncoming(claim: IncomingClaim): void
  deleteIncoming(channelId: Hex): void
  listIncoming(): readonly IncomingClaim[]
}

export class MemoryClaimStore implements ClaimStore {
  #outgoing: OutgoingState | undefined
  readonly #incoming = new Map<Hex, IncomingClaim>()

  getOutgoing(): OutgoingState | undefined {
    return this.#outgoing
  }

  putOutgoing(state: OutgoingState | undefined): void {
    this.#outgoing = state
  }

  getIncoming(channelId: Hex): IncomingClaim | undefined {
    return this.#incoming.get(channelId)
  }

  putIncoming(claim: IncomingClaim): void {
    this.#incoming.set(claim.channelId, claim)
  }

  deleteIncoming(channelId: Hex): void {
    this.#incoming.delete(channelId)
  }

  listIncoming(): readonly IncomingClaim[] {
    return [...this.#incoming.values()]
  }
}
