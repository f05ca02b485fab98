/**
 * The ClaimStore in its own small SQLite file (WAL, synchronous = FULL), apart from the
 * ledger file: the ledger is shared by every account holder, the claims and the claim key are
 * this endpoint's private state. One file may serve every peer of a node. A channel total
 * (`claim_totals`) is written in one transaction with the claim that moves it.
 */
import type { ChannelTotals } from '@stack/channel-core'
import Database from 'better-sqlite3'
import type { ClaimStore, IncomingClaim, OutgoingState } from './claim-store.js'

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
  sender: string
  receiver: string
  amount: string
  signature: Buffer
  received_at: number
}

export class SqliteClaimStore implements ClaimStore {
  readonly #db: Database.Database

  private constructor(db: Database.Database) {
    this.#db = db
  }

  /** Opens (creating if needed) the claim store at `file`, or `:memory:`. */
  static open(file: string): SqliteClaimStore {
    const db = new Database(file)
    try {
      db.pragma('journal_mode = WAL')
      // FULL: a claim we acknowledged to the peer survives a power loss, not only a crash.
      db.pragma('synchronous = FULL')
      db.pragma('busy_timeout = 5000')
      db.exec(schema)
      return new SqliteClaimStore(db)
    } catch (error) {
      db.close()
      throw error
    }
  }

  getOutgoing(sender: string, receiver: string): OutgoingState | undefined {
    const row = this.#db.prepare('SELECT * FROM outgoing WHERE sender = ? AND receiver = ?').get(sender, receiver) as OutgoingRow | undefined
    if (row === undefined) return undefined
    return {
      sender: row.sender,
      receiver: row.receiver,
      channelId: row.channel_id ?? undefined,
      keys: { publicKey: Uint8Array.from(row.public_key), privateKey: Uint8Array.from(row.private_key) },
      sent: BigInt(row.sent),
      carry: BigInt(row.carry),
      retiring: (JSON.parse(row.retiring) as [string, string][]).map(([channelId, sent]) => ({ channelId, sent: BigInt(sent) }))
    }
  }

  putOutgoing(state: OutgoingState, sent?: bigint): void {
    this.#db.transaction(() => {
      this.#putOutgoing(state)
      if (sent !== undefined) this.#setTotal('sent', state.sender, state.receiver, sent)
    })()
  }

  #putOutgoing(state: OutgoingState): void {
    this.#db
      .prepare(
        `INSERT INTO outgoing (sender, receiver, channel_id, public_key, private_key, sent, carry, retiring)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (sender, receiver) DO UPDATE SET channel_id = excluded.channel_id, public_key = excluded.public_key,
           private_key = excluded.private_key, sent = excluded.sent, carry = excluded.carry,
           retiring = excluded.retiring`
      )
      .run(
        state.sender,
        state.receiver,
        state.channelId ?? null,
        Buffer.from(state.keys.publicKey),
        Buffer.from(state.keys.privateKey),
        String(state.sent),
        String(state.carry),
        JSON.stringify(state.retiring.map(({ channelId, sent }) => [channelId, String(sent)]))
      )
  }

  getIncoming(channelId: string): IncomingClaim | undefined {
    const row = this.#db.prepare('SELECT * FROM incoming WHERE channel_id = ?').get(channelId) as IncomingRow | undefined
    return row === undefined ? undefined : toClaim(row)
  }

  putIncoming(claim: IncomingClaim, received?: bigint): void {
    this.#db.transaction(() => {
      this.#putIncoming(claim)
      if (received !== undefined) this.#setTotal('received', claim.receiver, claim.sender, received)
    })()
  }

  #putIncoming(claim: IncomingClaim): void {
    this.#db
      .prepare(
        `INSERT INTO incoming (channel_id, sender, receiver, amount, signature, received_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (channel_id) DO UPDATE SET amount = excluded.amount, signature = excluded.signature, received_at = excluded.received_at`
      )
      .run(claim.channelId, claim.sender, claim.receiver, String(claim.amount), Buffer.from(claim.signature), claim.receivedAt)
  }

  deleteIncoming(channelId: string, received?: bigint): void {
    this.#db.transaction(() => {
      const claim = this.getIncoming(channelId)
      this.#db.prepare('DELETE FROM incoming WHERE channel_id = ?').run(channelId)
      if (claim !== undefined && received !== undefined) this.#setTotal('received', claim.receiver, claim.sender, received)
    })()
  }

  getTotals(account: string, peer: string): ChannelTotals {
    const row = this.#db.prepare('SELECT sent, received FROM claim_totals WHERE account = ? AND peer = ?').get(account, peer) as
      | { sent: string; received: string }
      | undefined
    return { sent: BigInt(row?.sent ?? 0), received: BigInt(row?.received ?? 0) }
  }

  #setTotal(which: keyof ChannelTotals, account: string, peer: string, amount: bigint): void {
    const [sent, received] = which === 'sent' ? [amount, 0n] : [0n, amount]
    // `which` is one of the two column names, never input.
    this.#db
      .prepare(`INSERT INTO claim_totals (account, peer, sent, received) VALUES (?, ?, ?, ?) ON CONFLICT (account, peer) DO UPDATE SET ${which} = excluded.${which}`)
      .run(account, peer, String(sent), String(received))
  }

  listIncoming(receiver: string, sender: string): readonly IncomingClaim[] {
    const rows = this.#db.prepare('SELECT * FROM incoming WHERE receiver = ? AND sender = ? ORDER BY rowid').all(receiver, sender) as IncomingRow[]
    return rows.map(toClaim)
  }

  close(): void {
    this.#db.close()
  }
}

function toClaim(row: IncomingRow): IncomingClaim {
  return {
    channelId: row.channel_id,
    sender: row.sender,
    receiver: row.receiver,
    amount: BigInt(row.amount),
    signature: Uint8Array.from(row.signature),
    receivedAt: row.received_at
  }
}
