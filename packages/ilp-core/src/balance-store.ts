/**
 * The connector's balance store contract: per-peer balances with holds. Here, in ilp-core, so
 * that the stores of other packages (@stack/ilp-shared-balances) implement it and throw its
 * errors; ilp-connector's own stores are in-process.
 *
 * Sign convention: the balance stored for peer P is P's account with us — what WE OWE P, net.
 * It is P's own balance in RFC 0032 terms (RFC 0032 §"Accounts and Balances": each side counts
 * from its own view, and the two are additive inverses), so for a hop X–Y the invariant is
 * `X.balance(Y) + Y.balance(X) === 0`.
 *   - a Prepare from P that is fulfilled lowers it (P now owes us the amount);
 *   - a Prepare we send to P that P fulfills raises it (we now owe P);
 *   - value P sends us over its Channel raises it; value we send P lowers it.
 * A hold is taken when a Prepare arrives or leaves, and resolved exactly once: committed
 * (a Fulfill in time) or released (a Reject, an expiry, a failure). Whatever happens first
 * wins; later calls are no-ops that say so.
 *
 * An in-process store is synchronous: check-and-hold must be atomic, and one JS turn is. A
 * persistent one keeps its authoritative copy in memory and writes each commit through before
 * `commit()` returns (or throws, leaving the hold pending): the rules relay a Fulfill only after
 * its commits, so writing behind would lose Fulfills already relayed on a crash.
 * A store shared by several connector instances (another process, over the network) cannot be:
 * its changes answer with a promise (`MaybePromise`), atomic in the store, and its commit
 * resolves once durable there. Its callers wait for each answer and stay synchronous with a
 * synchronous store (`andThen`). It is told each hold's expiry (the Prepare's), so that a hold
 * of an instance that died is released then. Its `get`, `snapshot` and `settled` answer this
 * instance's latest view of the store. A refusal is an InsufficientBalanceError.
 *
 * Settlement over a channel with totals (channel-core `ChannelTotals`) is kept as the totals the
 * books applied (`settled`): `applySettled` applies what the channel's totals add to them, once.
 * The channel's store and ours are two files, and a crash may come between their writes; with
 * the books following the channel's totals, the next start applies the difference whichever
 * write came first, and applying the same totals again changes nothing. Books that have no
 * totals of a peer yet (new, or in memory) take its channel's as they find them (`adoptSettled`).
 */
import type { ChannelTotals } from '@stack/channel-core'

export interface BalanceSnapshot {
  /** Committed balance: what we owe the peer (negative: what the peer owes us). */
  readonly balance: bigint
  /** Sum of pending negative holds (≤ 0): Prepares from the peer, settlements we are paying. */
  readonly pendingDebit: bigint
  /** Sum of pending positive holds (≥ 0): Prepares sent to the peer, not yet fulfilled. */
  readonly pendingCredit: bigint
}

export type ReservationState = 'pending' | 'committed' | 'released'

/** A value now (an in-process store) or once a shared store answered. */
export type MaybePromise<T> = T | Promise<T>

/** `then(value)`, at once if `value` is no promise: a synchronous store's callers stay synchronous. */
export function andThen<T, R>(value: MaybePromise<T>, then: (value: T) => MaybePromise<R>): MaybePromise<R> {
  return value instanceof Promise ? value.then(then) : then(value)
}

export interface Reservation {
  readonly peerId: string
  readonly delta: bigint
  readonly state: ReservationState
  /** Applies the hold to the balance, durably; true only for the call that resolved it. */
  commit(): MaybePromise<boolean>
  /** Drops the hold; true only for the call that resolved it. */
  release(): MaybePromise<boolean>
}

export interface BalanceStore {
  /**
   * Holds `delta` (a negative hold is checked: balance + pending debits + delta must stay at
   * or above `minBalance`, else InsufficientBalanceError and nothing is held). `expiresAt`: when
   * the hold's Prepare expires; a shared store releases it then if its instance is gone.
   */
  reserve(peerId: string, delta: bigint, minBalance?: bigint, expiresAt?: Date): MaybePromise<Reservation>
  /**
   * Applies `delta` at once: incoming value from a Channel without totals, or, with a `reason`,
   * an operator's adjustment (journaled with its reason by a durable store).
   */
  adjust(peerId: string, delta: bigint, reason?: string): MaybePromise<bigint>
  /**
   * Brings the peer's balance to its channel's totals: what `totals` add to `settled(peerId)` is
   * applied (received raises the balance, sent lowers it) and `totals` become the settled ones,
   * in one write. Returns what was added; the same totals again add nothing. Throws
   * SettledTotalsBehindError, changing nothing, if either total is below its settled one.
   */
  applySettled(peerId: string, totals: ChannelTotals): MaybePromise<ChannelTotals>
  /**
   * If the books have no totals of the peer yet, takes `totals` as theirs without moving the
   * balance (what moved before is in the balance already, or was forgotten with it) and returns
   * true; else changes nothing and returns false.
   */
  adoptSettled(peerId: string, totals: ChannelTotals): MaybePromise<boolean>
  /** The channel totals last applied for the peer; undefined before any (applySettled counts from zeros then). */
  settled(peerId: string): ChannelTotals | undefined
  get(peerId: string): BalanceSnapshot
  /** Every peer the store has seen. */
  snapshot(): Map<string, BalanceSnapshot>
}

/** A negative hold would take the balance below the peer's minimum. */
export class InsufficientBalanceError extends Error {
  override readonly name = 'InsufficientBalanceError'
  constructor(
    readonly peerId: string,
    readonly available: bigint,
    readonly delta: bigint,
    readonly minBalance: bigint,
  ) {
    super(`peer ${peerId}: available balance ${available} ${delta} would be below the minimum ${minBalance}`)
  }
}

/**
 * A channel's totals below what the books applied already: it is not the channel they settled
 * with (its claim store was replaced or reset). Nothing is applied: which side is right is the
 * operator's to find out.
 */
export class SettledTotalsBehindError extends Error {
  override readonly name = 'SettledTotalsBehindError'
  constructor(
    readonly peerId: string,
    readonly totals: ChannelTotals,
    readonly settled: ChannelTotals,
  ) {
    super(
      `peer ${peerId}: its channel's totals (sent ${totals.sent}, received ${totals.received}) are below those the books applied ` +
        `(sent ${settled.sent}, received ${settled.received}); was its claim store replaced?`,
    )
  }
}

/**
 * The store holds what its writer did not write: another schema, a corrupted amount, a balance
 * its journal does not sum to. `store` names it (a file's path, a server's address).
 */
export class BalanceStoreCorruptError extends Error {
  override readonly name = 'BalanceStoreCorruptError'
  constructor(
    readonly store: string,
    readonly detail: string,
  ) {
    super(`balance store ${store}: ${detail}`)
  }
}

/** A change after close(): the node is stopping, and the packet must not be counted. */
export class BalanceStoreClosedError extends Error {
  override readonly name = 'BalanceStoreClosedError'
  constructor(readonly store: string) {
    super(`balance store ${store} is closed`)
  }
}
