/**
 * What a channel endpoint must not forget across a restart: as payer, the cumulative drops the
 * peer acknowledged on our channel; as payee, the best claim on each incoming channel (a claim
 * not yet redeemed is money only while it is kept). Synchronous: one atomic write per call,
 * made before value is credited. Two implementations: `MemoryClaimStore` here, which forgets
 * on restart, and `SqliteClaimStore` (sqlite-claim-store.ts), which does not. And, for the
 * books, the channel's totals with the peer (channel-core `ChannelTotals`), written in the same
 * atomic write as the claim that moves them.
 */
import type { ChannelTotals } from '@stack/channel-core'

export interface IncomingClaim {
  readonly channelId: string
  /** Cumulative drops of the best claim received. */
  readonly amount: bigint
  /** Uppercase hex. */
  readonly signature: string
  readonly receivedAt: number
}

export interface ClaimStore {
  /** Cumulative drops the peer accepted on our channel `channelId` (0n if none). */
  getSent(channelId: string): bigint
  /** With `total`: also the new total sent to the peer, in the same write. */
  putSent(channelId: string, amount: bigint, total?: bigint): void
  getIncoming(channelId: string): IncomingClaim | undefined
  /** With `received`: also the new total received from the peer, in the same write. */
  putIncoming(claim: IncomingClaim, received?: bigint): void
  /** With `received`: also the new total received from the peer, in the same write. */
  deleteIncoming(channelId: string, received?: bigint): void
  listIncoming(): readonly IncomingClaim[]
  /** Drops we sent to the peer and received from it, over every channel (zeros before any). */
  getTotals(): ChannelTotals
}

/** A ClaimStore in memory: for tests and for endpoints that may lose their claims. */
export class MemoryClaimStore implements ClaimStore {
  readonly #sent = new Map<string, bigint>()
  readonly #incoming = new Map<string, IncomingClaim>()
  #totals: ChannelTotals = { sent: 0n, received: 0n }

  getSent(channelId: string): bigint {
    return this.#sent.get(channelId) ?? 0n
  }

  putSent(channelId: string, amount: bigint, total?: bigint): void {
    this.#sent.set(channelId, amount)
    if (total !== undefined) this.#totals = { ...this.#totals, sent: total }
  }

  getIncoming(channelId: string): IncomingClaim | undefined {
    return this.#incoming.get(channelId)
  }

  putIncoming(claim: IncomingClaim, received?: bigint): void {
    this.#incoming.set(claim.channelId, claim)
    if (received !== undefined) this.#totals = { ...this.#totals, received }
  }

  deleteIncoming(channelId: string, received?: bigint): void {
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
