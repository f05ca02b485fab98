/**
 * What a channel endpoint must not forget: as payer, the channel it pays from and the
 * cumulative amount the peer accepted; as payee, the best claim on each incoming channel (a
 * claim not yet redeemed is money only while it is kept). Synchronous on purpose: each call is
 * one atomic write, made before the value is credited. A store holds our channels with one
 * peer: `MemoryClaimStore` forgets them when the process ends (for tests); `SqliteClaimStore`
 * (sqlite-claim-store.ts) keeps them in a file across restarts. And, for the books, the
 * channel's totals with the peer (channel-core `ChannelTotals`), written in the same atomic
 * write as the claim that moves them.
 */
import type { ChannelTotals } from '@stack/channel-core'
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
  /** With `sent`: also the new total sent to the peer, in the same write. */
  putOutgoing(state: OutgoingState | undefined, sent?: bigint): void
  getIncoming(channelId: Hex): IncomingClaim | undefined
  /** With `received`: also the new total received from the peer, in the same write. */
  putIncoming(claim: IncomingClaim, received?: bigint): void
  /** With `received`: also the new total received from the peer, in the same write. */
  deleteIncoming(channelId: Hex, received?: bigint): void
  listIncoming(): readonly IncomingClaim[]
  /** What we sent to the peer and received from it, over every channel (zeros before any). */
  getTotals(): ChannelTotals
}

export class MemoryClaimStore implements ClaimStore {
  #outgoing: OutgoingState | undefined
  readonly #incoming = new Map<Hex, IncomingClaim>()
  #totals: ChannelTotals = { sent: 0n, received: 0n }

  getOutgoing(): OutgoingState | undefined {
    return this.#outgoing
  }

  putOutgoing(state: OutgoingState | undefined, sent?: bigint): void {
    this.#outgoing = state
    if (sent !== undefined) this.#totals = { ...this.#totals, sent }
  }

  getIncoming(channelId: Hex): IncomingClaim | undefined {
    return this.#incoming.get(channelId)
  }

  putIncoming(claim: IncomingClaim, received?: bigint): void {
    this.#incoming.set(claim.channelId, claim)
    if (received !== undefined) this.#totals = { ...this.#totals, received }
  }

  deleteIncoming(channelId: Hex, received?: bigint): void {
    this.#incoming.delete(channelId)
    if (received !== undefined) this.#totals = { ...this.#totals, received }
  }

  getTotals(): ChannelTotals {
    return this.#totals
  }

  listIncoming(): readonly IncomingClaim[] {
    return [...this.#incoming.values()]
  }
}
