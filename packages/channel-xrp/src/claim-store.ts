/**
 * What a channel endpoint must not forget across a restart: as payer, the cumulative drops the
 * peer acknowledged on our channel; as payee, the best claim on each incoming channel (a claim
 * not yet redeemed is money only while it is kept). Synchronous: one atomic write per call,
 * made before value is credited. Two implementations: `MemoryClaimStore` here, which forgets
 * on restart, and `SqliteClaimStore` (sqlite-claim-store.ts), which does not.
 */
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
  putSent(channelId: string, amount: bigint): void
  getIncoming(channelId: string): IncomingClaim | undefined
  putIncoming(claim: IncomingClaim): void
  deleteIncoming(channelId: string): void
  listIncoming(): readonly IncomingClaim[]
}

/** A ClaimStore in memory: for tests and for endpoints that may lose their claims. */
export class MemoryClaimStore implements ClaimStore {
  readonly #sent = new Map<string, bigint>()
  readonly #incoming = new Map<string, IncomingClaim>()

  getSent(channelId: string): bigint {
    return this.#sent.get(channelId) ?? 0n
  }

  putSent(channelId: string, amount: bigint): void {
    this.#sent.set(channelId, amount)
  }

  getIncoming(channelId: string): IncomingClaim | undefined {
    return this.#incoming.get(channelId)
  }

  putIncoming(claim: IncomingClaim): void {
    this.#incoming.set(claim.channelId, claim)
  }

  deleteIncoming(channelId: string): void {
    this.#incoming.delete(channelId)
  }

  listIncoming(): readonly IncomingClaim[] {
    return [...this.#incoming.values()]
  }
}
