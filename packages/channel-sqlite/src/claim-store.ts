/**
 * What a channel endpoint must not forget across a restart: as payer, the channel it pays
 * from, its claim key and the cumulative amount the peer acknowledged; as payee, the best claim
 * it holds on each incoming channel (a claim not yet redeemed is money only while it is kept).
 * Synchronous on purpose: each call is one atomic write, made before the value is credited.
 */
import type { ClaimKeyPair } from '@stack/ledger-sqlite'

export interface OutgoingState {
  readonly sender: string
  readonly receiver: string
  /** Undefined until the first channel is opened. */
  readonly channelId: string | undefined
  readonly keys: ClaimKeyPair
  /** The cumulative claim the peer accepted last on `channelId`. */
  readonly sent: bigint
  /**
   * Value the peer got on an earlier channel beyond what it acknowledged (it redeemed a claim
   * whose acceptance we never heard of): the next payments use it up before signing more.
   */
  readonly carry: bigint
  /** Replaced channels that were still closing: the final `claimed` of each adds to `carry` once it is closed. */
  readonly retiring: readonly { readonly channelId: string; readonly sent: bigint }[]
}

export interface IncomingClaim {
  readonly channelId: string
  readonly sender: string
  readonly receiver: string
  /** Cumulative amount of the best claim received. */
  readonly amount: bigint
  readonly signature: Uint8Array
  /** When it arrived (ms, the channel's clock): the watcher redeems claims left idle. */
  readonly receivedAt: number
}

export interface ClaimStore {
  getOutgoing(sender: string, receiver: string): OutgoingState | undefined
  putOutgoing(state: OutgoingState): void
  getIncoming(channelId: string): IncomingClaim | undefined
  putIncoming(claim: IncomingClaim): void
  deleteIncoming(channelId: string): void
  /** The incoming claims from `sender` to `receiver`, oldest channel first. */
  listIncoming(receiver: string, sender: string): readonly IncomingClaim[]
  close(): void
}

/** A ClaimStore in memory: for tests and for endpoints that may lose their claims. */
export class MemoryClaimStore implements ClaimStore {
  readonly #outgoing = new Map<string, OutgoingState>()
  readonly #incoming = new Map<string, IncomingClaim>()

  getOutgoing(sender: string, receiver: string): OutgoingState | undefined {
    return this.#outgoing.get(JSON.stringify([sender, receiver]))
  }

  putOutgoing(state: OutgoingState): void {
    this.#outgoing.set(JSON.stringify([state.sender, state.receiver]), state)
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

  listIncoming(receiver: string, sender: string): readonly IncomingClaim[] {
    return [...this.#incoming.values()].filter((claim) => claim.receiver === receiver && claim.sender === sender)
  }

  close(): void {}
}
