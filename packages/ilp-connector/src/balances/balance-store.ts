/**
 * The in-process balance store (the contract and its sign convention: ilp-core balance-store.ts).
 */
import type { ChannelTotals } from '@stack/channel-core'
import { InsufficientBalanceError, SettledTotalsBehindError, type BalanceSnapshot, type BalanceStore, type Reservation, type ReservationState } from '@stack/ilp-core'

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
