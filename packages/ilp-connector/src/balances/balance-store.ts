/**
 * Per-peer balances with holds.
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
 * instance's latest view of the store. A refusal is an InsufficientBalanceError, or from a
 * store of another package (which cannot share the class) an error of that name and fields
 * (`isInsufficientBalance`).
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

/**
 * A negative hold would take the balance below the peer's minimum. @stack/ilp-shared-balances
 * throws a copy of this class (same name and fields, recognized by `isInsufficientBalance`): no
 * single home passes the layering rule, as two concrete L3 packages may not import each other
 * (and the shared store pulls in pg and ioredis), while ilp-core holds no balance-store contract.
 */
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

/** An InsufficientBalanceError, or an error of that name and fields from a store of another package. */
export function isInsufficientBalance(error: unknown): error is InsufficientBalanceError {
  if (error instanceof InsufficientBalanceError) return true
  const e = error as Partial<InsufficientBalanceError> | null
  return e instanceof Error && e.name === 'InsufficientBalanceError' && typeof e.available === 'bigint' && typeof e.minBalance === 'bigint' && typeof e.peerId === 'string'
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

interface Account {
  balance: bigint
  pendingDebit: bigint
  pendingCredit: bigint
  settled: ChannelTotals | undefined
}

const ZERO: BalanceSnapshot = Object.freeze({ balance: 0n, pendingDebit: 0n, pendingCredit: 0n })
const NO_TOTALS: ChannelTotals = Object.freeze({ sent: 0n, received: 0n })

/**
 * Writes a committed change through to durable storage before it takes effect in memory; a
 * throw leaves the change unmade (a hold stays pending). `kind`: a packet's hold, a value
 * adjustment (settlement, incoming payment) or an operator's adjustment (with its `reason`);
 * `settled`, from `applySettled` and `adoptSettled`: the peer's new settled totals, to be written
 * with the change (which may then be 0), atomically.
 */
export type RecordBalanceChange = (peerId: string, delta: bigint, kind: 'packet' | 'value' | 'adjustment', settled?: ChannelTotals, reason?: string) => void

export interface InMemoryBalanceStoreOptions {
  /** Committed balances to start from (a durable store's restored state). */
  balances?: Iterable<readonly [string, bigint]>
  /** Settled totals to start from, likewise. */
  settled?: Iterable<readonly [string, ChannelTotals]>
  record?: RecordBalanceChange
}

export class InMemoryBalanceStore implements BalanceStore {
  readonly #accounts = new Map<string, Account>()
  readonly #record: RecordBalanceChange | undefined

  constructor(options: InMemoryBalanceStoreOptions = {}) {
    this.#record = options.record
    for (const [peerId, balance] of options.balances ?? []) this.#account(peerId).balance = balance
    for (const [peerId, settled] of options.settled ?? []) this.#account(peerId).settled = settled
  }

  reserve(peerId: string, delta: bigint, minBalance?: bigint): Reservation {
    const account = this.#account(peerId)
    if (delta < 0n) {
      const available = account.balance + account.pendingDebit
      if (minBalance !== undefined && available + delta < minBalance) {
        throw new InsufficientBalanceError(peerId, available, delta, minBalance)
      }
      account.pendingDebit += delta
    } else {
      account.pendingCredit += delta
    }
    return new Hold(account, peerId, delta, this.#record)
  }

  adjust(peerId: string, delta: bigint, reason?: string): bigint {
    const account = this.#account(peerId)
    if (delta !== 0n) {
      if (reason === undefined) this.#record?.(peerId, delta, 'value')
      else this.#record?.(peerId, delta, 'adjustment', undefined, reason)
    }
    account.balance += delta
    return account.balance
  }

  applySettled(peerId: string, totals: ChannelTotals): ChannelTotals {
    const account = this.#account(peerId)
    const before = account.settled ?? NO_TOTALS
    const added = { sent: totals.sent - before.sent, received: totals.received - before.received }
    if (added.sent < 0n || added.received < 0n) throw new SettledTotalsBehindError(peerId, totals, before)
    if (added.sent === 0n && added.received === 0n && account.settled !== undefined) return NO_TOTALS
    const settled = { sent: totals.sent, received: totals.received }
    const delta = added.received - added.sent
    this.#record?.(peerId, delta, 'value', settled)
    account.balance += delta
    account.settled = settled
    return added
  }

  adoptSettled(peerId: string, totals: ChannelTotals): boolean {
    const account = this.#account(peerId)
    if (account.settled !== undefined) return false
    const settled = { sent: totals.sent, received: totals.received }
    this.#record?.(peerId, 0n, 'value', settled)
    account.settled = settled
    return true
  }

  settled(peerId: string): ChannelTotals | undefined {
    return this.#accounts.get(peerId)?.settled
  }

  get(peerId: string): BalanceSnapshot {
    const account = this.#accounts.get(peerId)
    return account === undefined ? ZERO : snapshotOf(account)
  }

  snapshot(): Map<string, BalanceSnapshot> {
    return new Map([...this.#accounts].map(([id, account]) => [id, snapshotOf(account)]))
  }

  #account(peerId: string): Account {
    let account = this.#accounts.get(peerId)
    if (account === undefined) {
      account = { balance: 0n, pendingDebit: 0n, pendingCredit: 0n, settled: undefined }
      this.#accounts.set(peerId, account)
    }
    return account
  }
}

function snapshotOf({ balance, pendingDebit, pendingCredit }: Account): BalanceSnapshot {
  return { balance, pendingDebit, pendingCredit }
}

class Hold implements Reservation {
  #state: ReservationState = 'pending'
  readonly #account: Account
  readonly #record: RecordBalanceChange | undefined

  constructor(
    account: Account,
    readonly peerId: string,
    readonly delta: bigint,
    record: RecordBalanceChange | undefined,
  ) {
    this.#account = account
    this.#record = record
  }

  get state(): ReservationState {
    return this.#state
  }

  commit(): boolean {
    if (this.#state !== 'pending') return false
    // Durable first: if recording throws, the hold is still pending and the caller releases it.
    if (this.delta !== 0n) this.#record?.(this.peerId, this.delta, 'packet')
    this.#resolve('committed')
    this.#account.balance += this.delta
    return true
  }

  release(): boolean {
    return this.#resolve('released')
  }

  #resolve(state: ReservationState): boolean {
    if (this.#state !== 'pending') return false
    this.#state = state
    if (this.delta < 0n) this.#account.pendingDebit -= this.delta
    else this.#account.pendingCredit -= this.delta
    return true
  }
}
