import Database from 'better-sqlite3'
import type { ChannelTotals } from '@stack/channel-core'
import type { BalanceSnapshot, BalanceStore, Reservation } from '@stack/ilp-core'
import { InMemoryBalanceStore } from './balance-store.js'

/**
 * A durable BalanceStore: the contract of ilp-core's balance-store.ts over an embedded SQLite file,
 * so that a connector killed at any instant (SIGKILL, OOM, power) restarts with the balances of
 * the packets it fulfilled, each counted once.
 *
 * The rule — write-through, before the Fulfill moves on. RFC 0032 §"Accounts and Balances": a
 * balance changes when a valid Fulfill is returned (to the upstream) or received (from the
 * downstream). The balance rules commit a hold synchronously the moment the Fulfill is accepted,
 * and the Fulfill is relayed upstream only after both commits have returned (the downstream's
 * in the outgoing rule, then the upstream's in the incoming rule; balance.ts). So `commit()`
 * writes its journal row (one INSERT, its own SQLite transaction) before it returns, and applies
 * it in memory only then:
 *   - every Fulfill ever relayed upstream is on disk on both sides: nothing that was fulfilled
 *     upstream is lost, and what we owe the downstream is never forgotten while the upstream is
 *     charged for it;
 *   - a failed write throws out of `commit()`: the hold stays pending, the rule releases it and
 *     the packet is rejected upstream — fail closed, the upstream is not charged.
 * Writing behind (a batch later) would instead lose committed Fulfills that had already been
 * relayed: the upstream would hold a fulfillment we have no record of charging it for.
 *
 * What a crash can still leave, and why it is the connector's to carry:
 *   - Pending holds are in memory only, and a restart drops them. From our side none of those
 *     Prepares was fulfilled upstream (a Fulfill is relayed only after its commit, which is
 *     durable), and their links died with the process, so each upstream saw its request fail;
 *     RFC 0027: an unfulfilled Prepare moves no value. Restoring a hold would only lock credit
 *     forever, since nothing would ever resolve it.
 *   - A Fulfill that reached us from downstream but whose commit was not yet written: the
 *     downstream was paid (it holds the fulfillment) and the upstream was not fulfilled either
 *     (that happens only after the commit), so the hop lost the downstream amount and our record
 *     understates what we owe the downstream by it. RFC 0018 §"Fulfillment Failure": being unable
 *     to fulfill the incoming transfer after the outgoing one executed is the connector's risk;
 *     RFC 0032 §"Clearing" leaves reconciling such a single-packet difference to the two peers.
 *   - A commit written in the microseconds before its Fulfill reached the upstream's socket:
 *     the record charges the upstream for a packet it saw fail. No ordering avoids both this and
 *     the previous case (a disk write and a socket write are not one atomic act); this one is
 *     bounded by the packets whose reply was in flight at the instant of the crash, one packet
 *     each, and is the RFC 0032 §"Clearing" case again.
 *
 * Counting once: every write is a row of an append-only journal keyed by (run, seq) — `run` is
 * new at each open (above every run in the file), `seq` counts within it; an id journaled before
 * is refused (BalanceStoreCorruptError), not counted again. `peer_balance` holds the balances
 * folded from the journal through run `folded`: each open folds the rows of later runs (normally
 * just the previous process's) into it and moves `folded` in the same transaction, so a row is
 * folded exactly once even if the process dies while opening — a replay after restart cannot
 * count twice. The hot path writes one row (the journal) instead of two (journal and balance):
 * half the cost (README.md). `audit()` proves balance = Σ journal per peer.
 * Amounts are TEXT: a UInt64 and the sums of them do not fit SQLite's signed 64-bit integer.
 *
 * Settlement (ilp-core's balance-store.ts, `applySettled`): the channel totals the books applied are kept per
 * peer in `peer_settled`, written in one transaction with the journal row of the change they
 * make. The claim store is another file; at start the node applies what its totals hold beyond
 * these (a crash between the two writes), once, since the same totals again change nothing.
 *
 * Durability: WAL with synchronous=NORMAL by default. A committed transaction is in the WAL file
 * when `commit()` returns, which survives the death of the process (the operating system holds
 * the pages); surviving the loss of the operating system (power) needs synchronous=FULL, an
 * fsync per commit (README.md: measured cost of each).
 *
 * The holds themselves are the InMemoryBalanceStore; this class only restores its
 * balances and records each committed change through its `record` hook.
 *
 * One process per file: the database is opened with locking_mode=EXCLUSIVE, so a second
 * connector on the same file fails at open with BalanceStoreLockedError instead of two
 * in-memory copies overwriting each other. The lock dies with the process.
 */

export type SqliteSynchronous = 'NORMAL' | 'FULL'

export interface SqliteBalanceStoreOptions {
  /** NORMAL (default): durable across a process crash; FULL: across power loss too. */
  synchronous?: SqliteSynchronous
  /** Wall clock for the journal's `at` column (ms). Default Date.now. */
  now?: () => number
}

/** Another process holds the balance file (one connector per file). */
export class BalanceStoreLockedError extends Error {
  override readonly name = 'BalanceStoreLockedError'
  constructor(
    readonly path: string,
    options?: ErrorOptions,
  ) {
    super(`balance store ${path} is in use by another process`, options)
  }
}

/** The file's balances disagree with its journal, or it is not a balance store of ours. */
export class BalanceStoreCorruptError extends Error {
  override readonly name = 'BalanceStoreCorruptError'
  constructor(
    readonly path: string,
    readonly detail: string,
  ) {
    super(`balance store ${path}: ${detail}`)
  }
}

/** One peer as `audit()` sees it: the stored balance and the sum of its journal. */
export interface BalanceAudit {
  readonly peerId: string
  readonly balance: bigint
  readonly journalSum: bigint
  readonly journalRows: number
}

// 2: peer_settled. A file of version 1 is taken up (nothing settled by totals yet); a binary
// that knows only 1 refuses a 2, which it would settle without keeping peer_settled.
const SCHEMA_VERSION = '2'

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;
-- Per peer (what we owe it, balance-store.ts, decimal text): the journal folded through run
-- meta.folded.
CREATE TABLE IF NOT EXISTS peer_balance (
  peer TEXT PRIMARY KEY,
  balance TEXT NOT NULL
) STRICT;
-- Append-only: one row per committed hold ('packet') or applied value ('value').
CREATE TABLE IF NOT EXISTS balance_journal (
  run INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  peer TEXT NOT NULL,
  delta TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('packet', 'value')),
  at INTEGER NOT NULL,
  PRIMARY KEY (run, seq)
) STRICT, WITHOUT ROWID;
-- An operator's adjustment: the reason of its journal row (kind 'value'). A table of its own, so
-- that a file of schema 2 takes it up as it is; a binary that does not know it still folds the
-- journal right (the rows are ordinary value rows).
CREATE TABLE IF NOT EXISTS balance_adjustment (
  run INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  reason TEXT NOT NULL,
  PRIMARY KEY (run, seq)
) STRICT, WITHOUT ROWID;
-- Per peer: the channel totals (channel-core ChannelTotals, decimal text) the journal applied.
CREATE TABLE IF NOT EXISTS peer_settled (
  peer TEXT PRIMARY KEY,
  sent TEXT NOT NULL,
  received TEXT NOT NULL
) STRICT;
`

type JournalKind = 'packet' | 'value'

/** One operator adjustment as journaled (`SqliteBalanceStore.adjustments`). */
export interface BalanceAdjustment {
  readonly peerId: string
  readonly delta: bigint
  readonly reason: string
  /** Wall clock, ms. */
  readonly at: number
}

export class SqliteBalanceStore implements BalanceStore {
  readonly path: string
  /** This process lifetime's journal run (1 for a new file). */
  readonly run: number
  readonly #db: Database.Database
  readonly #memory: InMemoryBalanceStore
  readonly #now: () => number
  #seq = 0
  #closed = false

  /** Opens (creating if needed) the file at `path` and loads the committed balances. */
  static open(path: string, options: SqliteBalanceStoreOptions = {}): SqliteBalanceStore {
    let db: Database.Database
    try {
      db = new Database(path, { timeout: 0 })
    } catch (error) {
      throw lockedOr(error, path)
    }
    try {
      return new SqliteBalanceStore(db, path, options)
    } catch (error) {
      db.close()
      throw lockedOr(error, path)
    }
  }

  private constructor(db: Database.Database, path: string, options: SqliteBalanceStoreOptions) {
    this.#db = db
    this.path = path
    this.#now = options.now ?? Date.now
    db.pragma('locking_mode = EXCLUSIVE')
    db.pragma('journal_mode = WAL')
    db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`)
    db.defaultSafeIntegers(true)
    db.exec(SCHEMA)

    // One transaction takes the exclusive lock (held until close), folds the journal of earlier
    // runs into peer_balance and takes a new run number.
    const restored = new Map<string, bigint>()
    const settled = new Map<string, ChannelTotals>()
    this.run = db.transaction((): number => {
      const meta = (key: string): string | undefined => db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get(key)?.value
      const setMeta = db.prepare<[string, string]>('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
      const version = meta('schema')
      if (version === undefined || version === '1') setMeta.run('schema', SCHEMA_VERSION)
      else if (version !== SCHEMA_VERSION) throw new BalanceStoreCorruptError(path, `schema version ${version}, expected ${SCHEMA_VERSION}`)
      for (const row of db.prepare<[], { peer: string; sent: string; received: string }>('SELECT peer, sent, received FROM peer_settled').all()) {
        settled.set(row.peer, { sent: parseAmount(path, row.sent), received: parseAmount(path, row.received) })
      }
      const folded = BigInt(meta('folded') ?? '0')
      const balances = new Map<string, bigint>()
      for (const row of db.prepare<[], { peer: string; balance: string }>('SELECT peer, balance FROM peer_balance').all()) {
        balances.set(row.peer, parseAmount(path, row.balance))
      }
      let lastRun = BigInt(meta('run') ?? '0')
      for (const row of db.prepare<[bigint], { run: bigint; peer: string; delta: string }>('SELECT run, peer, delta FROM balance_journal WHERE run > ?').iterate(folded)) {
        balances.set(row.peer, (balances.get(row.peer) ?? 0n) + parseAmount(path, row.delta))
        if (row.run > lastRun) lastRun = row.run
      }
      const upsert = db.prepare<[string, string]>('INSERT INTO peer_balance (peer, balance) VALUES (?, ?) ON CONFLICT (peer) DO UPDATE SET balance = excluded.balance')
      for (const [peer, balance] of balances) upsert.run(peer, balance.toString())
      const run = lastRun + 1n
      setMeta.run('folded', lastRun.toString())
      setMeta.run('run', run.toString())
      for (const [peer, balance] of balances) restored.set(peer, balance)
      return Number(run)
    }).immediate()

    const insertJournal = db.prepare<[bigint, bigint, string, string, JournalKind, bigint]>(
      'INSERT INTO balance_journal (run, seq, peer, delta, kind, at) VALUES (?, ?, ?, ?, ?, ?)',
    )
    const insertAdjustment = db.prepare<[bigint, bigint, string]>('INSERT INTO balance_adjustment (run, seq, reason) VALUES (?, ?, ?)')
    // An adjustment's row and its reason: one transaction.
    const withReason = db.transaction((journal: () => void, seq: bigint, reason: string) => {
      journal()
      insertAdjustment.run(run, seq, reason)
    })
    const upsertSettled = db.prepare<[string, string, string]>(
      'INSERT INTO peer_settled (peer, sent, received) VALUES (?, ?, ?) ON CONFLICT (peer) DO UPDATE SET sent = excluded.sent, received = excluded.received',
    )
    // A change of the settled totals: one transaction with its journal row (none if it moves no balance).
    const withSettled = db.transaction((journal: () => void, peer: string, totals: ChannelTotals) => {
      journal()
      upsertSettled.run(peer, totals.sent.toString(), totals.received.toString())
    })
    const run = BigInt(this.run)
    // Write-through (see the top of the file): the row is written before the change is made
    // in memory; a failed write throws out of commit()/adjust()/applySettled() and changes nothing.
    this.#memory = new InMemoryBalanceStore({
      balances: restored,
      settled,
      record: (peer, delta, kind, totals, reason) => {
        if (this.#closed) throw new BalanceStoreClosedError(this.path)
        const seq = ++this.#seq
        const journal = (): void => {
          if (delta !== 0n) insertJournal.run(run, BigInt(seq), peer, delta.toString(), kind === 'packet' ? 'packet' : 'value', BigInt(this.#now()))
        }
        try {
          if (kind === 'adjustment') withReason(journal, BigInt(seq), reason ?? '')
          else if (totals === undefined) journal()
          else withSettled(journal, peer, totals)
        } catch (error) {
          // Journaled before: counting it again would count it twice. (Unreachable unless the
          // file was edited: a run is above every run in the journal.)
          if ((error as { code?: unknown }).code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') throw error
          throw new BalanceStoreCorruptError(path, `journal entry (${run}, ${seq}) exists already`)
        }
      },
    })
  }

  reserve(peerId: string, delta: bigint, minBalance?: bigint): Reservation {
    return this.#memory.reserve(peerId, delta, minBalance)
  }

  adjust(peerId: string, delta: bigint, reason?: string): bigint {
    return this.#memory.adjust(peerId, delta, reason)
  }

  /** The operators' adjustments journaled in this file, oldest first. */
  adjustments(): BalanceAdjustment[] {
    const rows = this.#db
      .prepare<[], { peer: string; delta: string; reason: string; at: bigint }>(
        'SELECT j.peer, j.delta, a.reason, j.at FROM balance_adjustment a JOIN balance_journal j ON j.run = a.run AND j.seq = a.seq ORDER BY a.run, a.seq',
      )
      .all()
    return rows.map((row) => ({ peerId: row.peer, delta: parseAmount(this.path, row.delta), reason: row.reason, at: Number(row.at) }))
  }

  applySettled(peerId: string, totals: ChannelTotals): ChannelTotals {
    return this.#memory.applySettled(peerId, totals)
  }

  adoptSettled(peerId: string, totals: ChannelTotals): boolean {
    return this.#memory.adoptSettled(peerId, totals)
  }

  settled(peerId: string): ChannelTotals | undefined {
    return this.#memory.settled(peerId)
  }

  get(peerId: string): BalanceSnapshot {
    return this.#memory.get(peerId)
  }

  snapshot(): Map<string, BalanceSnapshot> {
    return this.#memory.snapshot()
  }

  /**
   * Reads the file back: each peer's folded balance must be the sum of its journal through run
   * `folded`, and its balance in memory the sum of all its journal. Throws
   * BalanceStoreCorruptError at the first difference; O(journal rows). Sorted by peer.
   */
  audit(): BalanceAudit[] {
    const folded = BigInt(this.#db.prepare<[], { value: string }>(`SELECT value FROM meta WHERE key = 'folded'`).get()?.value ?? '0')
    const sums = new Map<string, { folded: bigint; sum: bigint; rows: number }>()
    for (const row of this.#db.prepare<[], { run: bigint; peer: string; delta: string }>('SELECT run, peer, delta FROM balance_journal').iterate()) {
      const entry = sums.get(row.peer) ?? { folded: 0n, sum: 0n, rows: 0 }
      const delta = parseAmount(this.path, row.delta)
      entry.sum += delta
      if (row.run <= folded) entry.folded += delta
      entry.rows++
      sums.set(row.peer, entry)
    }
    const stored = new Map<string, bigint>()
    for (const row of this.#db.prepare<[], { peer: string; balance: string }>('SELECT peer, balance FROM peer_balance').all()) {
      stored.set(row.peer, parseAmount(this.path, row.balance))
    }
    const out: BalanceAudit[] = []
    for (const peer of [...new Set([...stored.keys(), ...sums.keys()])].sort()) {
      const journal = sums.get(peer) ?? { folded: 0n, sum: 0n, rows: 0 }
      const balance = stored.get(peer) ?? 0n
      if (balance !== journal.folded) throw new BalanceStoreCorruptError(this.path, `peer ${peer}: balance ${balance} but its journal through run ${folded} sums to ${journal.folded}`)
      const memory = this.#memory.get(peer).balance
      if (!this.#closed && memory !== journal.sum) throw new BalanceStoreCorruptError(this.path, `peer ${peer}: ${memory} in memory, its journal sums to ${journal.sum}`)
      out.push({ peerId: peer, balance: journal.sum, journalSum: journal.sum, journalRows: journal.rows })
    }
    return out
  }

  /** Closes the file (and releases its lock). Later writes throw BalanceStoreClosedError. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#db.close()
  }
}

/** A write after close(): the node is stopping and the packet must not be counted. */
export class BalanceStoreClosedError extends Error {
  override readonly name = 'BalanceStoreClosedError'
  constructor(readonly path: string) {
    super(`balance store ${path} is closed`)
  }
}

function parseAmount(path: string, text: string): bigint {
  if (!/^-?\d+$/.test(text)) throw new BalanceStoreCorruptError(path, `"${text}" is not an amount`)
  return BigInt(text)
}

// SQLITE_BUSY / SQLITE_LOCKED at open: another process has the file.
function lockedOr(error: unknown, path: string): unknown {
  const code = (error as { code?: unknown }).code
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' ? new BalanceStoreLockedError(path, { cause: error }) : error
}
