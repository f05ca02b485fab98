/**
 * The ClaimStore (channel-core) in its own small SQLite file (WAL, synchronous = FULL), apart
 * from the ledger file: the ledger is shared by every account holder, the claims and the claim
 * key are this endpoint's private state. One file may serve every peer of a node: each peer's
 * endpoint opens its own store on it with its scope (our account, the peer's), and every row is
 * keyed by that scope. A channel total (`claim_totals`) is written in one transaction with the
 * claim that moves it.
 */
import { InvalidChannelOptionError, type ChannelTotals, type ClaimStore, type IncomingClaim } from '@stack/channel-core'
import Database from 'better-sqlite3'
import type { SqliteOutgoingState } from './sqlite-scheme.js'

/** Whose claims a store holds: our account's channels with one peer, on the ledger both use. */
export interface ClaimStoreScope {
  readonly account: string
  readonly peerAccount: string
}

const schema = `
CREATE TABLE IF NOT EXISTS outgoing (
  sender      TEXT NOT NULL,
  receiver    TEXT NOT NULL,
  channel_id  TEXT,
  public_key  BLOB NOT NULL,
  private_key BLOB NOT NULL,
  sent        TEXT NOT NULL,
  carry       TEXT NOT NULL,
  retiring    TEXT NOT NULL,
  PRIMARY KEY (sender, receiver)
);
CREATE TABLE IF NOT EXISTS incoming (
  channel_id  TEXT PRIMARY KEY,
  sender      TEXT NOT NULL,
  receiver    TEXT NOT NULL,
  amount      TEXT NOT NULL,
  signature   BLOB NOT NULL,
  received_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS incoming_peer ON incoming (receiver, sender);
CREATE TABLE IF NOT EXISTS claim_totals (
  account     TEXT NOT NULL,
  peer        TEXT NOT NULL,
  sent        TEXT NOT NULL,
  received    TEXT NOT NULL,
  PRIMARY KEY (account, peer)
);
`

interface OutgoingRow {
  sender: string
  receiver: string
  channel_id: string | null
  public_key: Buffer
  private_key: Buffer
  sent: string
  carry: string
  retiring: string
}

interface IncomingRow {
  channel_id: string
  amount: string
  signature: Buffer
  received_at: number
}

export class SqliteClaimStore implements ClaimStore<Uint8Array, SqliteOutgoingState> {
  readonly #db: Database.Database
  readonly #account: string
  readonly #peer: string

  private constructor(db: Database.Database, scope: ClaimStoreScope) {
    this.#db = db
    this.#account = scope.account
    this.#peer = scope.peerAccount
  }

  /**
   * Opens (creating if needed) the claim store at `file`, or `:memory:`, for `scope`. Several
   * scopes may open the same file at once, each as its own store.
   */
  static open(file: string, scope: ClaimStoreScope): SqliteClaimStore {
    for (const field of ['account', 'peerAccount'] as const) {
      if (typeof scope?.[field] !== 'string' || scope[field] === '') throw new InvalidChannelOptionError(`scope.${field}`, scope?.[field], 'must be an account id')
    }
    if (scope.account === scope.peerAccount) throw new InvalidChannelOptionError('scope.peerAccount', scope.peerAccount, 'must differ from account')
    const db = new Database(file)
    try {
      db.pragma('journal_mode = WAL')
      // FULL: a claim we acknowledged to the peer survives a power loss, not only a crash.
      db.pragma('synchronous = FULL')
      db.pragma('busy_timeout = 5000')
      db.exec(schema)
      return new SqliteClaimStore(db, scope)
    } catch (error) {
      db.close()
      throw error
    }
  }

  getOutgoing(): SqliteOutgoingState | undefined {
    const row = this.#db.prepare('SELECT * FROM outgoing WHERE sender = ? AND receiver = ?').get(this.#account, this.#peer) as OutgoingRow | undefined
    if (row === undefined) return undefined
    return {
      channelId: row.channel_id ?? undefined,
      keys: { publicKey: Uint8Array.from(row.public_key), privateKey: Uint8Array.from(row.private_key) },
      sent: BigInt(row.sent),
      carry: BigInt(row.carry),
      retiring: (JSON.parse(row.retiring) as [string, string][]).map(([channelId, sent]) => ({ channelId, sent: BigInt(sent) }))
    }
  }

  putOutgoing(state: SqliteOutgoingState, sent?: bigint): void {
    this.#db.transaction(() => {
      this.#putOutgoing(state)
      if (sent !== undefined) this.#setTotal('sent', sent)
    })()
  }

  #putOutgoing(state: SqliteOutgoingState): void {
    this.#db
      .prepare(
        `INSERT INTO outgoing (sender, receiver, channel_id, public_key, private_key, sent, carry, retiring)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (sender, receiver) DO UPDATE SET channel_id = excluded.channel_id, public_key = excluded.public_key,
           private_key = excluded.private_key, sent = excluded.sent, carry = excluded.carry,
           retiring = excluded.retiring`
      )
      .run(
        this.#account,
        this.#peer,
        state.channelId ?? null,
        Buffer.from(state.keys.publicKey),
        Buffer.from(state.keys.privateKey),
        String(state.sent),
        String(state.carry),
        JSON.stringify(state.retiring.map(({ channelId, sent }) => [channelId, String(sent)]))
      )
  }

  getIncoming(channelId: string): IncomingClaim<Uint8Array> | undefined {
    const row = this.#db.prepare('SELECT * FROM incoming WHERE channel_id = ? AND receiver = ? AND sender = ?').get(channelId, this.#account, this.#peer) as IncomingRow | undefined
    return row === undefined ? undefined : toClaim(row)
  }

  putIncoming(claim: IncomingClaim<Uint8Array>, received?: bigint): void {
    this.#db.transaction(() => {
      this.#putIncoming(claim)
      if (received !== undefined) this.#setTotal('received', received)
    })()
  }

  #putIncoming(claim: IncomingClaim<Uint8Array>): void {
    this.#db
      .prepare(
        `INSERT INTO incoming (channel_id, sender, receiver, amount, signature, received_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (channel_id) DO UPDATE SET amount = excluded.amount, signature = excluded.signature, received_at = excluded.received_at`
      )
      .run(claim.channelId, this.#peer, this.#account, String(claim.amount), Buffer.from(claim.signature), claim.receivedAt)
  }

  deleteIncoming(channelId: string, received?: bigint): void {
    this.#db.transaction(() => {
      this.#db.prepare('DELETE FROM incoming WHERE channel_id = ? AND receiver = ? AND sender = ?').run(channelId, this.#account, this.#peer)
      if (received !== undefined) this.#setTotal('received', received)
    })()
  }

  getTotals(): ChannelTotals {
    const row = this.#db.prepare('SELECT sent, received FROM claim_totals WHERE account = ? AND peer = ?').get(this.#account, this.#peer) as
      | { sent: string; received: string }
      | undefined
    return { sent: BigInt(row?.sent ?? 0), received: BigInt(row?.received ?? 0) }
  }

  #setTotal(which: keyof ChannelTotals, amount: bigint): void {
    const [sent, received] = which === 'sent' ? [amount, 0n] : [0n, amount]
    // `which` is one of the two column names, never input.
    this.#db
      .prepare(`INSERT INTO claim_totals (account, peer, sent, received) VALUES (?, ?, ?, ?) ON CONFLICT (account, peer) DO UPDATE SET ${which} = excluded.${which}`)
      .run(this.#account, this.#peer, String(sent), String(received))
  }

  listIncoming(): readonly IncomingClaim<Uint8Array>[] {
    const rows = this.#db.prepare('SELECT * FROM incoming WHERE receiver = ? AND sender = ? ORDER BY rowid').all(this.#account, this.#peer) as IncomingRow[]
    return rows.map(toClaim)
  }

  close(): void {
    this.#db.close()
  }
}

function toClaim(row: IncomingRow): IncomingClaim<Uint8Array> {
  return {
    channelId: row.channel_id,
    amount: BigInt(row.amount),
    signature: Uint8Array.from(row.signature),
    receivedAt: row.received_at
  }
}
