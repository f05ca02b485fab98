/**
 * What a claim-channel endpoint must not forget (one endpoint: our account with one peer): as
 * payer, the channel it pays on and the cumulative amount the peer accepted; as payee, the best
 * claim on each incoming channel (a claim not yet redeemed is money only while it is kept); and,
 * for the books, the totals each way (`ChannelTotals`), written in the same atomic write as the
 * claim that moves them. Synchronous on purpose: each call is one atomic write, made before the
 * value is credited. A scheme extends `OutgoingState` with what it keeps of its own (a claim
 * key, the deposit as last known); its package's SQLite store keeps it in a file.
 */
import type { ChannelTotals } from '../channel.js'

export interface OutgoingState {
  /** The channel we pay on; undefined before the first is opened (or once ours closed). */
  readonly channelId: string | undefined
  /** The cumulative claim the peer accepted last on `channelId`. */
  readonly sent: bigint
  /**
   * Value the peer got beyond what it acknowledged (it redeemed a claim whose acceptance we
   * never heard of, on a channel since replaced): the next payments use it up before signing more.
   */
  readonly carry: bigint
}

export interface IncomingClaim<Signature> {
  readonly channelId: string
  /** Cumulative amount of the best claim received. */
  readonly amount: bigint
  readonly signature: Signature
  /** When it arrived (ms, the channel's clock): the watcher redeems claims left idle. */
  readonly receivedAt: number
}

export interface ClaimStore<Signature, Outgoing extends OutgoingState = OutgoingState> {
  getOutgoing(): Outgoing | undefined
  /** With `sent`: also the new total sent to the peer, in the same write. */
  putOutgoing(state: Outgoing, sent?: bigint): void
  getIncoming(channelId: string): IncomingClaim<Signature> | undefined
  /** With `received`: also the new total received from the peer, in the same write. */
  putIncoming(claim: IncomingClaim<Signature>, received?: bigint): void
  /** With `received`: also the new total received from the peer, in the same write. */
  deleteIncoming(channelId: string, received?: bigint): void
  /** The incoming claims, in the order their channels were first stored. */
  listIncoming(): readonly IncomingClaim<Signature>[]
  /** What we sent to the peer and received from it, over every channel (zeros before any). */
  getTotals(): ChannelTotals
}

/** A ClaimStore in memory: for tests, and for endpoints that may lose their claims on restart. */
export class MemoryClaimStore<Signature, Outgoing extends OutgoingState = OutgoingState> implements ClaimStore<Signature, Outgoing> {
  #outgoing: Outgoing | undefined
  readonly #incoming = new Map<string, IncomingClaim<Signature>>()
  #totals: ChannelTotals = { sent: 0n, received: 0n }

  getOutgoing(): Outgoing | undefined {
    return this.#outgoing
  }

  putOutgoing(state: Outgoing, sent?: bigint): void {
    this.#outgoing = state
    if (sent !== undefined) this.#totals = { ...this.#totals, sent }
  }

  getIncoming(channelId: string): IncomingClaim<Signature> | undefined {
    return this.#incoming.get(channelId)
  }

  putIncoming(claim: IncomingClaim<Signature>, received?: bigint): void {
    this.#incoming.set(claim.channelId, claim)
    if (received !== undefined) this.#totals = { ...this.#totals, received }
  }

  deleteIncoming(channelId: string, received?: bigint): void {
    this.#incoming.delete(channelId)
    if (received !== undefined) this.#totals = { ...this.#totals, received }
  }

  listIncoming(): readonly IncomingClaim<Signature>[] {
    return [...this.#incoming.values()]
  }

  getTotals(): ChannelTotals {
    return this.#totals
  }
}
