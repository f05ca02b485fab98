import { randomBytes } from 'node:crypto'
import type { ChannelTotals } from '@stack/channel-core'
import { Batcher } from './batcher.js'
import { InsufficientBalanceError, SettledTotalsBehindError, type BalanceSnapshot, type BalanceStore, type ReservationState } from '@stack/ilp-core'
import { BalanceStoreClosedError, BalanceStoreCorruptError } from './errors.js'
import type { AccountRow, Engine, JournalEntry, Op, OpResult } from './ops.js'

/** One hold in the store (ilp-connector's Reservation): resolved once, by its id, whoever asks. */
export interface SharedReservation {
  readonly peerId: string
  readonly delta: bigint
  readonly id: string
  readonly state: ReservationState
  /** Applies the hold, durably in the store; false if it was resolved already (here, or released at its expiry). */
  commit(): Promise<boolean>
  release(): Promise<boolean>
}

/** One peer in `audit()`: its balance and the sum of its journal, equal. */
export interface BalanceAudit {
  readonly peerId: string
  readonly balance: bigint
  readonly journalSum: bigint
  readonly journalRows: number
  /** Stale settlement holds `releaseStale` released (journal rows of kind recovery), and their sum. */
  readonly recoveries: number
  readonly recovered: bigint
  /** The sum of its pending holds without an expiry: settlements paying now, or left by a crashed holder (`staleHolds`). */
  readonly settlementHolds: bigint
}

/** A settlement's hold another run left pending: placed without an expiry, never resolved. */
export interface StaleHold {
  readonly id: string
  readonly peerId: string
  readonly delta: bigint
}

/**
 * What the server must keep across what, checked when the store opens (BalanceStoreNotDurableError):
 * `power-loss` (default): PostgreSQL fsync=on and synchronous_commit on (or local, remote_*),
 * Redis appendonly yes with appendfsync always; `crash`: the server's own crash only, so Redis
 * may fsync everysec (it writes the AOF before it answers; a power loss may take the last second);
 * `none`: not checked (a throw-away store, or a server whose settings cannot be read).
 */
export type Durability = 'power-loss' | 'crash' | 'none'

export interface SharedBalanceStoreOptions {
  /** Default 'power-loss'. */
  readonly durability?: Durability
  /** This instance's name in hold ids (for the operator reading the store). Default: random. */
  readonly instance?: string
  /** Ops in one batch, at most. Default 500. */
  readonly maxBatch?: number
  /** Batches out at once. Default 2. */
  readonly maxInFlight?: number
  /**
   * How often this instance releases the store's expired holds (any instance's: one that died
   * leaves its holds to the others), ms; 0: never. Default 1 000.
   */
  readonly expireEveryMs?: number
  /**
   * How long after its Prepare's expiry a hold may be released by the sweep, ms: the instance
   * that holds it has relayed or refused the Fulfill by then (its reply deadline is the expiry);
   * the margin covers the clocks of instances and store. Default 5 000.
   */
  readonly expireGraceMs?: number
  /** How often the local view (`get`, `snapshot`) reads every account, ms; 0: never. Default 1 000. */
  readonly refreshEveryMs?: number
}

const NO_TOTALS: ChannelTotals = Object.freeze({ sent: 0n, received: 0n })
const ZERO: BalanceSnapshot = Object.freeze({ balance: 0n, pendingDebit: 0n, pendingCredit: 0n })

/**
 * The connector's BalanceStore (ilp-connector balance-store.ts) over a store that several
 * connector instances share. Every change is an op of the engine, checked and applied there
 * atomically (a credit limit holds across instances), and answered once durable there: the
 * balance rule relays a Fulfill only after its commits resolve. Ops are group-committed
 * (Batcher): under load one round trip and one fsync carry hundreds of them.
 *
 * Holds carry their Prepare's expiry; each instance sweeps the store's expired holds, so those
 * of an instance that died are released at their expiry (plus `expireGraceMs`). A hold without
 * one (a settlement's) stays until it is resolved: releasing it could pay the peer twice. The
 * process that next takes the peer's settlement lease releases those a crashed holder left
 * (`releaseStale`), after the books took the channel's totals.
 *
 * `get`, `snapshot` and `settled` answer this instance's view: the accounts as its own ops
 * last saw them, and all of them read every `refreshEveryMs`.
 */
export class SharedBalanceStore implements BalanceStore {
  readonly instance: string
  readonly #engine: Engine
  readonly #batcher: Batcher<Op, OpResult>
  readonly #view = new Map<string, AccountRow>()
  /** Pending positive holds of this instance, per peer. */
  readonly #credits = new Map<string, bigint>()
  readonly #timers: NodeJS.Timeout[] = []
  readonly #graceMs: number
  /** Hold ids: `<instance>:<run>:<seq>`, the run new at each open, so that a restarted instance of the same name never reuses the id of a hold still pending. */
  readonly #run: string
  #seq = 0
  #closed = false

  constructor(engine: Engine, options: SharedBalanceStoreOptions = {}) {
    this.#engine = engine
    this.instance = options.instance ?? randomBytes(6).toString('hex')
    this.#run = `${this.instance}:${randomBytes(4).toString('hex')}`
    this.#graceMs = options.expireGraceMs ?? 5_000
    this.#batcher = new Batcher((ops) => engine.apply(ops), { maxBatch: options.maxBatch ?? 500, maxInFlight: options.maxInFlight ?? 2 })
    const every = (ms: number, task: () => Promise<unknown>): void => {
      if (ms <= 0) return
      const timer = setInterval(() => void task().catch(() => undefined), ms)
      timer.unref()
      this.#timers.push(timer)
    }
    every(options.expireEveryMs ?? 1_000, () => this.expire())
    every(options.refreshEveryMs ?? 1_000, () => this.refresh())
  }

  /** The engine's name, for messages. */
  get label(): string {
    return this.#engine.label
  }

  /** Batches and ops sent so far. */
  get stats(): { readonly batches: number; readonly ops: number } {
    return this.#batcher.stats
  }

  async reserve(peerId: string, delta: bigint, minBalance?: bigint, expiresAt?: Date): Promise<SharedReservation> {
    const id = `${this.#run}:${++this.#seq}`
    // A positive hold (a Prepare we forward: what we will owe if it is fulfilled) is never
    // checked, so it is held here alone: only its commit goes to the store. Its pending sum is
    // this instance's, and it goes with the instance (its link died with it).
    if (delta >= 0n) {
      this.#credits.set(peerId, (this.#credits.get(peerId) ?? 0n) + delta)
      return new Hold(this, peerId, delta, id)
    }
    const result = await this.#submit({ o: 'reserve', p: peerId, id, d: delta.toString(), min: minBalance === undefined ? null : minBalance.toString(), expires: expiresAt?.getTime() ?? null }, peerId)
    if (!result.ok) {
      const available = BigInt(result.balance) + BigInt(result.pendingDebit)
      throw new InsufficientBalanceError(peerId, available, delta, minBalance ?? 0n)
    }
    return new Hold(this, peerId, delta, id)
  }

  async adjust(peerId: string, delta: bigint, reason?: string): Promise<bigint> {
    const result = await this.#submit({ o: 'adjust', p: peerId, d: delta.toString(), reason: reason ?? null }, peerId)
    return BigInt(result.balance)
  }

  async applySettled(peerId: string, totals: ChannelTotals): Promise<ChannelTotals> {
    const result = await this.#submit({ o: 'apply', p: peerId, sent: totals.sent.toString(), received: totals.received.toString() }, peerId)
    if (!result.ok) throw new SettledTotalsBehindError(peerId, totals, totalsOf(result.settled) ?? NO_TOTALS)
    const added = result.added ?? ['0', '0']
    return { sent: BigInt(added[0]), received: BigInt(added[1]) }
  }

  async adoptSettled(peerId: string, totals: ChannelTotals): Promise<boolean> {
    return (await this.#submit({ o: 'adopt', p: peerId, sent: totals.sent.toString(), received: totals.received.toString() }, peerId)).ok
  }

  settled(peerId: string): ChannelTotals | undefined {
    return this.#view.get(peerId)?.settled
  }

  get(peerId: string): BalanceSnapshot {
    const row = this.#view.get(peerId)
    const credit = this.#credits.get(peerId) ?? 0n
    return row === undefined ? (credit === 0n ? ZERO : { ...ZERO, pendingCredit: credit }) : { balance: row.balance, pendingDebit: row.pendingDebit, pendingCredit: row.pendingCredit + credit }
  }

  snapshot(): Map<string, BalanceSnapshot> {
    return new Map([...new Set([...this.#view.keys(), ...this.#credits.keys()])].map((peer) => [peer, this.get(peer)]))
  }

  /** Reads every account into the view. */
  async refresh(): Promise<void> {
    for (const row of await this.#engine.accounts()) this.#view.set(row.peerId, row)
  }

  /** Releases the store's holds whose expiry is past (by `expireGraceMs`), any instance's; how many. */
  expire(): Promise<number> {
    return this.#engine.expire(this.#graceMs)
  }

  /**
   * The peer's stale settlement holds: those without an expiry (no sweep releases them) that
   * another run made — another instance's, or this instance's before a restart. This run's own
   * are not stale: it resolves them itself, its settlement may still be paying.
   */
  async staleHolds(peerId: string): Promise<StaleHold[]> {
    return this.#stale(peerId, false)
  }

  /**
   * Releases the peer's stale settlement holds (`staleHolds`) in one atomic op, each journaled
   * (kind `recovery`, delta 0, the hold's amount as `released`); what it released. For the process
   * that has just taken the peer's settlement lease, once the books took the channel's totals:
   * the crashed holder's payment is then in them if it was made, and its hold counts it no more.
   * A hold of a channel without totals is not for this: whether it paid is unknown.
   */
  async releaseStale(peerId: string): Promise<StaleHold[]> {
    return this.#stale(peerId, true)
  }

  async #stale(peerId: string, release: boolean): Promise<StaleHold[]> {
    const result = await this.#submit({ o: 'stale', p: peerId, keep: `${this.#run}:`, release }, peerId)
    // An empty Lua table is encoded as {}: no array.
    return (Array.isArray(result.stale) ? result.stale : []).map(([id, delta]) => ({ id, peerId, delta: BigInt(delta) }))
  }

  /** The journal of balance changes, oldest first. */
  journal(): Promise<JournalEntry[]> {
    return this.#engine.journal()
  }

  /** Pending holds in the store: id → [peer, delta, expiry (epoch ms; null: a settlement's)]. */
  holds(): Promise<Map<string, readonly [string, bigint, number | null]>> {
    return this.#engine.holds()
  }

  /**
   * Reads the store back: each account's balance must be the sum of its journal, and its pending
   * sums those of its holds. Throws BalanceStoreCorruptError at the first difference.
   */
  async audit(): Promise<BalanceAudit[]> {
    const [accounts, journal, holds] = await Promise.all([this.#engine.accounts(), this.#engine.journal(), this.#engine.holds()])
    const sums = new Map<string, { sum: bigint; rows: number; recoveries: number; recovered: bigint }>()
    for (const entry of journal) {
      const sum = sums.get(entry.peerId) ?? { sum: 0n, rows: 0, recoveries: 0, recovered: 0n }
      sum.sum += entry.delta
      sum.rows++
      if (entry.kind === 'recovery') {
        sum.recoveries++
        sum.recovered += entry.released ?? 0n
      }
      sums.set(entry.peerId, sum)
    }
    const pending = new Map<string, { debit: bigint; credit: bigint; settlement: bigint }>()
    for (const [peer, delta, expires] of holds.values()) {
      const p = pending.get(peer) ?? { debit: 0n, credit: 0n, settlement: 0n }
      if (delta < 0n) p.debit += delta
      else p.credit += delta
      if (expires === null) p.settlement += delta
      pending.set(peer, p)
    }
    const out: BalanceAudit[] = []
    for (const account of [...accounts].sort((a, b) => (a.peerId < b.peerId ? -1 : 1))) {
      const { sum, rows, recoveries, recovered } = sums.get(account.peerId) ?? { sum: 0n, rows: 0, recoveries: 0, recovered: 0n }
      const held = pending.get(account.peerId) ?? { debit: 0n, credit: 0n, settlement: 0n }
      if (sum !== account.balance) throw new BalanceStoreCorruptError(this.label, `peer ${account.peerId} has balance ${account.balance}, its journal sums to ${sum}`)
      if (held.debit !== account.pendingDebit || held.credit !== account.pendingCredit) {
        throw new BalanceStoreCorruptError(this.label, `peer ${account.peerId} has pending ${account.pendingDebit}/${account.pendingCredit}, its holds sum to ${held.debit}/${held.credit}`)
      }
      out.push({ peerId: account.peerId, balance: account.balance, journalSum: sum, journalRows: rows, recoveries, recovered, settlementHolds: held.settlement })
    }
    return out
  }

  /** Stops the timers and closes the connections; changes after it throw BalanceStoreClosedError. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    for (const timer of this.#timers) clearInterval(timer)
    await this.#engine.close()
  }

  /** @internal a hold's resolution: in the store, or (a positive hold) here, its commit in the store. */
  async resolve(op: 'commit' | 'release', peerId: string, id: string, delta: bigint): Promise<boolean> {
    if (delta < 0n) return (await this.#submit({ o: op, p: peerId, id }, peerId)).ok
    if (op === 'commit') await this.#submit({ o: 'credit', p: peerId, id, d: delta.toString() }, peerId)
    const credit = (this.#credits.get(peerId) ?? 0n) - delta
    if (credit === 0n) this.#credits.delete(peerId)
    else this.#credits.set(peerId, credit)
    return true
  }

  async #submit(op: Op, peerId: string): Promise<OpResult> {
    if (this.#closed) throw new BalanceStoreClosedError(this.label)
    const result = await this.#batcher.submit(op)
    this.#view.set(peerId, {
      peerId,
      balance: BigInt(result.balance),
      pendingDebit: BigInt(result.pendingDebit),
      pendingCredit: BigInt(result.pendingCredit),
      settled: totalsOf(result.settled),
    })
    return result
  }
}

function totalsOf(settled: OpResult['settled']): ChannelTotals | undefined {
  return settled === null ? undefined : { sent: BigInt(settled[0]), received: BigInt(settled[1]) }
}

class Hold implements SharedReservation {
  #state: ReservationState = 'pending'
  #resolving: Promise<boolean> | undefined
  readonly #store: SharedBalanceStore

  constructor(
    store: SharedBalanceStore,
    readonly peerId: string,
    readonly delta: bigint,
    readonly id: string,
  ) {
    this.#store = store
  }

  get state(): ReservationState {
    return this.#state
  }

  commit(): Promise<boolean> {
    return this.#resolve('commit')
  }

  release(): Promise<boolean> {
    return this.#resolve('release')
  }

  // One resolution at a time; a second call while one is out answers false once it is over
  // (true only for the call that resolved it). A failed one leaves the hold pending.
  async #resolve(op: 'commit' | 'release'): Promise<boolean> {
    if (this.#resolving !== undefined) {
      await this.#resolving.catch(() => undefined)
      if (this.#state !== 'pending') return false
    }
    if (this.#state !== 'pending') return false
    const resolving = this.#store.resolve(op, this.peerId, this.id, this.delta)
    this.#resolving = resolving
    try {
      const done = await resolving
      // false: released already in the store (its expiry passed).
      this.#state = done && op === 'commit' ? 'committed' : 'released'
      return done
    } finally {
      this.#resolving = undefined
    }
  }
}
