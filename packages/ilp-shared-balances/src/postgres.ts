import pg from 'pg'
import { BalanceStoreCorruptError, BalanceStoreNotDurableError, BalanceStoreUnavailableError } from './errors.js'
import type { AccountRow, Engine, JournalEntry, Op, OpResult } from './ops.js'
import { SCHEMA } from './postgres-schema.js'
import { SharedBalanceStore, type SharedBalanceStoreOptions } from './shared-balance-store.js'

export interface PostgresBalanceStoreOptions extends SharedBalanceStoreOptions {
  /** `postgres://user@host:port/database`. */
  readonly url: string
  /** Connections (batches out at once, `maxInFlight`, is at most this). Default 2. */
  readonly connections?: number
  /** How long one batch may take, ms, before it fails BalanceStoreUnavailableError. Default 10 000. */
  readonly timeoutMs?: number
}

/**
 * A SharedBalanceStore on PostgreSQL (15 tested). Durable as the server is configured: with
 * fsync=on and synchronous_commit=on (PostgreSQL's defaults; tools/db-servers writes them out)
 * a batch has reached the WAL on disk when it answers. Creates its tables and functions if
 * they are missing. @throws BalanceStoreUnavailableError if the server does not answer
 */
export async function openPostgresBalanceStore(options: PostgresBalanceStoreOptions): Promise<SharedBalanceStore> {
  const connections = options.connections ?? 2
  const timeoutMs = options.timeoutMs ?? 10_000
  const pool = new pg.Pool({ connectionString: options.url, max: connections, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs })
  // A connection the server dropped (restart) errors on the pool: the next query takes a new one.
  pool.on('error', () => undefined)
  const url = new URL(options.url)
  const engine = new PostgresEngine(pool, `PostgreSQL at ${url.host}`)
  try {
    if ((options.durability ?? 'power-loss') !== 'none') await checkDurable(engine, options.durability === 'crash')
    // Instances starting together: one creates the schema, the others wait for it (the lock's key is arbitrary, ours).
    await engine.query(`BEGIN; SELECT pg_advisory_xact_lock(73051614); ${SCHEMA}; COMMIT;`)
  } catch (error) {
    await pool.end().catch(() => undefined)
    throw error
  }
  return new SharedBalanceStore(engine, { ...options, maxInFlight: Math.min(options.maxInFlight ?? connections, connections) })
}

// synchronous_commit off acknowledges before the WAL is written: a crash of the server loses it.
async function checkDurable(engine: PostgresEngine, crashOnly: boolean): Promise<void> {
  const [row] = await engine.query<{ fsync: string; sc: string }>("SELECT current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS sc")
  if (row === undefined) return
  if (row.sc === 'off') throw new BalanceStoreNotDurableError(engine.label, 'synchronous_commit', row.sc, 'on')
  if (!crashOnly && row.fsync !== 'on') throw new BalanceStoreNotDurableError(engine.label, 'fsync', row.fsync, 'on')
}

class PostgresEngine implements Engine {
  constructor(
    readonly pool: pg.Pool,
    readonly label: string,
  ) {}

  /** `name`: a prepared statement, parsed and planned once per connection (the hot path's). */
  async query<R extends pg.QueryResultRow>(text: string, values?: unknown[], name?: string): Promise<R[]> {
    try {
      return (await this.pool.query<R>(name === undefined ? { text, values } : { name, text, values })).rows
    } catch (error) {
      // An SQL error of ours (a constraint, a cast) is not the server being away.
      if (typeof (error as { code?: unknown }).code === 'string' && /^(22|23|42|P0)/.test((error as { code: string }).code)) {
        throw new BalanceStoreCorruptError(this.label, (error as Error).message)
      }
      throw new BalanceStoreUnavailableError(this.label, { cause: error })
    }
  }

  async apply(ops: readonly Op[]): Promise<OpResult[]> {
    // Prepared: each batch then skips the server's parse, analysis and plan of this statement
    // (about 6 % of the backend's CPU per batch at a few ops a batch, measured).
    const [row] = await this.query<{ r: OpResult[] }>('SELECT stack_balance_apply($1::jsonb) AS r', [JSON.stringify(ops)], 'stack_balance_apply')
    return row?.r ?? []
  }

  async expire(graceMs: number): Promise<number> {
    const [row] = await this.query<{ n: number }>('SELECT stack_balance_expire($1) AS n', [Math.round(graceMs)])
    return row?.n ?? 0
  }

  async accounts(): Promise<AccountRow[]> {
    const rows = await this.query<{ peer: string; balance: string; pending_debit: string; pending_credit: string; settled_sent: string | null; settled_received: string | null }>(
      'SELECT peer, balance::text, pending_debit::text, pending_credit::text, settled_sent::text, settled_received::text FROM stack_balance_account',
    )
    return rows.map((r) => ({
      peerId: r.peer,
      balance: BigInt(r.balance),
      pendingDebit: BigInt(r.pending_debit),
      pendingCredit: BigInt(r.pending_credit),
      settled: r.settled_sent === null || r.settled_received === null ? undefined : { sent: BigInt(r.settled_sent), received: BigInt(r.settled_received) },
    }))
  }

  async journal(): Promise<JournalEntry[]> {
    const rows = await this.query<{ peer: string; delta: string; kind: JournalEntry['kind']; hold: string | null; reason: string | null; released: string | null; at: string }>(
      `SELECT peer, delta::text, kind, hold, reason, released::text, (extract(epoch FROM at) * 1000)::bigint::text AS at FROM stack_balance_journal ORDER BY seq`,
    )
    return rows.map((r) => ({
      peerId: r.peer,
      delta: BigInt(r.delta),
      kind: r.kind,
      ...(r.hold === null ? {} : { hold: r.hold }),
      ...(r.reason === null ? {} : { reason: r.reason }),
      ...(r.released === null ? {} : { released: BigInt(r.released) }),
      at: Number(r.at),
    }))
  }

  async holds(): Promise<Map<string, readonly [string, bigint, number | null]>> {
    const rows = await this.query<{ id: string; peer: string; delta: string; expires: string | null }>(
      'SELECT id, peer, delta::text, (extract(epoch FROM expires_at) * 1000)::bigint::text AS expires FROM stack_balance_hold',
    )
    return new Map(rows.map((r) => [r.id, [r.peer, BigInt(r.delta), r.expires === null ? null : Number(r.expires)] as const]))
  }

  close(): Promise<void> {
    return this.pool.end()
  }
}
