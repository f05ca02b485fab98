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
 * The interface is synchronous on purpose: check-and-hold must be atomic, and one JS turn is.
 * A persistent store keeps its authoritative copy in memory and writes each commit through
 * before `commit()` returns (or throws, leaving the hold pending): the rules relay a Fulfill
 * only after its commits, so writing behind would lose Fulfills already relayed on a crash.
 */

export interface BalanceSnapshot {
  /** Committed balance: what we owe the peer (negative: what the peer owes us). */
  readonly balance: bigint
  /** Sum of pending negative holds (≤ 0): Prepares from the peer, settlements we are paying. */
  readonly pendingDebit: bigint
  /** Sum of pending positive holds (≥ 0): Prepares sent to the peer, not yet fulfilled. */
  readonly pendingCredit: bigint
}

export type ReservationState = 'pending' | 'committed' | 'released'

export interface Reservation {
  readonly peerId: string
  readonly delta: bigint
  readonly state: ReservationState
  /** Applies the hold to the balance; true only for the call that resolved it. */
  commit(): boolean
  /** Drops the hold; true only for the call that resolved it. */
  release(): boolean
}

export interface BalanceStore {
  /**
   * Holds `delta` (a negative hold is checked: balance + pending debits + delta must stay at
   * or above `minBalance`, else InsufficientBalanceError and nothing is held).
   */
  reserve(peerId: string, delta: bigint, minBalance?: bigint): Reservation
  /** Applies `delta` at once (incoming value from a Channel). */
  adjust(peerId: string, delta: bigint): bigint
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

interface Account {
  balance: bigint
  pendingDebit: bigint
  pendingCredit: bigint
}

const ZERO: BalanceSnapshot = Object.freeze({ balance: 0n, pendingDebit: 0n, pendingCredit: 0n })

/**
 * Writes a committed change through to durable storage before it takes effect in memory; a
 * throw leaves the change unmade (a hold stays pending). `kind`: a packet's hold or a value
 * adjustment (settlement, incoming payment).
 */
export type RecordBalanceChange = (peerId: string, delta: bigint, kind: 'packet' | 'value') => void

export interface InMemoryBalanceStoreOptions {
  /** Committed balances to start from (a durable store's restored state). */
  balances?: Iterable<readonly [string, bigint]>
  record?: RecordBalanceChange
}

export class InMemoryBalanceStore implements BalanceStore {
  readonly #accounts = new Map<string, Account>()
  readonly #record: RecordBalanceChange | undefined

  constructor(options: InMemoryBalanceStoreOptions = {}) {
    this.#record = options.record
    for (const [peerId, balance] of options.balances ?? []) this.#account(peerId).balance = balance
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

  adjust(peerId: string, delta: bigint): bigint {
    const account = this.#account(peerId)
    if (delta !== 0n) this.#record?.(peerId, delta, 'value')
    account.balance += delta
    return account.balance
  }

  get(peerId: string): BalanceSnapshot {
    const account = this.#accounts.get(peerId)
    return account === undefined ? ZERO : { ...account }
  }

  snapshot(): Map<string, BalanceSnapshot> {
    return new Map([...this.#accounts].map(([id, account]) => [id, { ...account }]))
  }

  #account(peerId: string): Account {
    let account = this.#accounts.get(peerId)
    if (account === undefined) {
      account = { balance: 0n, pendingDebit: 0n, pendingCredit: 0n }
      this.#accounts.set(peerId, account)
    }
    return account
  }
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
