/**
 * What a channel endpoint must not forget across a restart: as payer, the channel it pays
 * from, its claim key and the cumulative amount the peer acknowledged; as payee, the best claim
 * it holds on each incoming channel (a claim not yet redeemed is money only while it is kept).
 * And, for the books, the channel's totals with each peer (channel-core `ChannelTotals`), written
 * in the same atomic write as the claim that moves them. Synchronous on purpose: each call is one
 * atomic write, made before the value is credited.
 */
import type { ChannelTotals } from '@stack/channel-core'
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
  /** With `sent`: also the new total sent from `state.sender` to `state.receiver`, in the same write. */
  putOutgoing(state: OutgoingState, sent?: bigint): void
  getIncoming(channelId: string): IncomingClaim | undefined
  /** With `received`: also the new total received by `claim.receiver` from `claim.sender`, in the same write. */
  putIncoming(claim: IncomingClaim, received?: bigint): void
  /** With `received`: also the new total received on the channel's pair of accounts, in the same write. */
  deleteIncoming(channelId: string, received?: bigint): void
  /** The incoming claims from `sender` to `receiver`, oldest channel first. */
  listIncoming(receiver: string, sender: string): readonly IncomingClaim[]
  /** What `account` sent to `peer` and received from it, over every channel (zeros before any). */
  getTotals(account: string, peer: string): ChannelTotals
  close(): void
}

const NO_TOTALS: ChannelTotals = Object.freeze({ sent: 0n, received: 0n })

/** A ClaimStore in memory: for tests and for endpoints that may lose their claims. */
export class MemoryClaimStore implements ClaimStore {
  readonly #outgoing = new Map<string, OutgoingState>()
  readonly #incoming = new Map<string, IncomingClaim>()
  readonly #totals = new Map<string, ChannelTotals>()

  getOutgoing(sender: string, receiver: string): OutgoingState | undefined {
    return this.#outgoing.get(JSON.stringify([sender, receiver]))
  }

  putOutgoing(state: OutgoingState, sent?: bigint): void {
    this.#outgoing.set(JSON.stringify([state.sender, state.receiver]), state)
    if (sent !== undefined) this.#setTotals(state.sender, state.receiver, { sent })
  }

  getIncoming(channelId: string): IncomingClaim | undefined {
    return this.#incoming.get(channelId)
  }

  putIncoming(claim: IncomingClaim, received?: bigint): void {
    this.#incoming.set(claim.channelId, claim)
    if (received !== undefined) this.#setTotals(claim.receiver, claim.sender, { received })
  }

  deleteIncoming(channelId: string, received?: bigint): void {
    const claim = this.#incoming.get(channelId)
    this.#incoming.delete(channelId)
    if (claim !== undefined && received !== undefined) this.#setTotals(claim.receiver, claim.sender, { received })
  }

  getTotals(account: string, peer: string): ChannelTotals {
    return this.#totals.get(JSON.stringify([account, peer])) ?? NO_TOTALS
  }

  #setTotals(account: string, peer: string, change: Partial<ChannelTotals>): void {
    this.#totals.set(JSON.stringify([account, peer]), { ...this.getTotals(account, peer), ...change })
  }

  listIncoming(receiver: string, sender: string): readonly IncomingClaim[] {
    return [...this.#incoming.values()].filter((claim) => claim.receiver === receiver && claim.sender === sender)
  }

  close(): void {}
}
