/**
 * The ClaimStore (channel-core) in a small SQLite file (WAL, synchronous = FULL): the cumulative
 * drops the peer acknowledged on each channel we paid on, and the best unredeemed claim on each of
 * its channels to us.
 * One file may serve every peer of a node: each peer's endpoint opens its own store on it with
 * its scope (our account, the peer's), and every row is keyed by that scope, so one peer's
 * store never sees another's claims. Channel ids are kept uppercase, as XrpClaimChannel uses
 * them; drops as decimal TEXT (a UInt64 does not fit SQLite's signed INTEGER). A channel total
 * (`xrp_totals`) is written in one transaction with the claim that moves it.
 */
import type { ChannelTotals, ClaimStore, IncomingClaim } from '@stack/channel-core'
import Database from 'better-sqlite3'
import { checkAddress } from '@stack/ledger-xrp'
import { checkOption } from './check-option.js'
import { InvalidChannelOptionError } from './errors.js'
import type { XrpOutgoingState } from './xrp-scheme.js'

/** Whose claims a store holds: one endpoint (our account) with one peer. Classic addresses. */
export interface ClaimStoreScope {
  readonly account: string
  readonly peerAccount: string
}

// Table names carry `xrp_` so that a file shared with another package's store cannot be read as
// ours. STRICT: a REAL where an integer belongs is refused, not stored.
// `seq` is the insertion order listIncoming returns (an INTEGER PRIMARY KEY, which VACUUM keeps).
const schema = `
CREATE TABLE IF NOT EXISTS xrp_sent (
  account      TEXT NOT NULL,
  peer_account TEXT NOT NULL,
  channel_id   TEXT NOT NULL,
  sent         TEXT NOT NULL,
  PRIMARY KEY (account, peer_account, channel_id)
) STRICT;
CREATE TABLE IF NOT EXISTS xrp_incoming (
  seq          INTEGER PRIMARY KEY,
  account      TEXT NOT NULL,
  peer_account TEXT NOT NULL,
  channel_id   TEXT NOT NULL,
  amount       TEXT NOT NULL,
  signature    TEXT NOT NULL,
  received_at  INTEGER NOT NULL,
  UNIQUE (account, peer_account, channel_id)
) STRICT;
CREATE TABLE IF NOT EXISTS xrp_totals (
  account      TEXT NOT NULL,
  peer_account TEXT NOT NULL,
  sent         TEXT NOT NULL,
  received     TEXT NOT NULL,
  PRIMARY KEY (account, peer_account)
) STRICT;
`

interface IncomingRow {
  channel_id: string
  amount: string
  signature: string
  received_at: number
}

/**
 * The ClaimStore that survives a restart. Every call is one transaction: one atomic, durable write.
 * It keeps the drops sent per channel: `getOutgoing` gives them all as `sentOn` (the scheme picks
 * the configured channel); carry is never made by this scheme, and not kept (a state with carry is refused).
 */
export class SqliteClaimStore implements ClaimStore<string, XrpOutgoingState> {
  readonly #db: Database.Database
  readonly #listSent: Database.Statement<[string, string], { channel_id: string; sent: string }>
  readonly #putSent: Database.Statement<[string, string, string, string]>
  readonly #getIncoming: Database.Statement<[string, string, string], IncomingRow>
  readonly #putIncoming: Database.Statement<[string, string, string, string, string, number]>
  readonly #deleteIncoming: Database.Statement<[string, string, string]>
  readonly #listIncoming: Database.Statement<[string, string], IncomingRow>
  readonly #getTotals: Database.Statement<[string, string], { sent: string; received: string }>
  readonly #setSent: Database.Statement<[string, string, string]>
  readonly #setReceived: Database.Statement<[string, string, string]>
  readonly #account: string
  readonly #peer: string

  private constructor(db: Database.Database, scope: ClaimStoreScope) {
    this.#db = db
    this.#account = scope.account
    this.#peer = scope.peerAccount
    this.#listSent = db.prepare('SELECT channel_id, sent FROM xrp_sent WHERE account = ? AND peer_account = ?')
    this.#putSent = db.prepare(
      `INSERT INTO xrp_sent (account, peer_account, channel_id, sent) VALUES (?, ?, ?, ?)
       ON CONFLICT (account, peer_account, channel_id) DO UPDATE SET sent = excluded.sent`
    )
    this.#getIncoming = db.prepare(
      'SELECT channel_id, amount, signature, received_at FROM xrp_incoming WHERE account = ? AND peer_account = ? AND channel_id = ?'
    )
    // An update keeps the row's `seq`: a better claim does not move its channel in listIncoming.
    this.#putIncoming = db.prepare(
      `INSERT INTO xrp_incoming (account, peer_account, channel_id, amount, signature, received_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (account, peer_account, channel_id) DO UPDATE SET
         amount = excluded.amount, signature = excluded.signature, received_at = excluded.received_at`
    )
    this.#deleteIncoming = db.prepare('DELETE FROM xrp_incoming WHERE account = ? AND peer_account = ? AND channel_id = ?')
    this.#listIncoming = db.prepare(
      'SELECT channel_id, amount, signature, received_at FROM xrp_incoming WHERE account = ? AND peer_account = ? ORDER BY seq'
    )
    this.#getTotals = db.prepare('SELECT sent, received FROM xrp_totals WHERE account = ? AND peer_account = ?')
    this.#setSent = db.prepare(
      `INSERT INTO xrp_totals (account, peer_account, sent, received) VALUES (?, ?, ?, '0')
       ON CONFLICT (account, peer_account) DO UPDATE SET sent = excluded.sent`
    )
    this.#setReceived = db.prepare(
      `INSERT INTO xrp_totals (account, peer_account, sent, received) VALUES (?, ?, '0', ?)
       ON CONFLICT (account, peer_account) DO UPDATE SET received = excluded.received`
    )
  }

  /**
   * Opens (creating if needed) the claim store at `file`, or `:memory:`, for `scope`. Several
   * scopes may open the same file at once, each as its own store.
   * @throws InvalidChannelOptionError for a scope that is not two different classic addresses
   */
  static open(file: string, scope: ClaimStoreScope): SqliteClaimStore {
    const account = checkOption('account', () => checkAddress('account', scope.account))
    const peerAccount = checkOption('peerAccount', () => checkAddress('peerAccount', scope.peerAccount))
    if (account === peerAccount) throw new InvalidChannelOptionError('peerAccount', peerAccount, 'must differ from account')
    const db = new Database(file)
    try {
      // First, so that switching to WAL and creating the tables wait for another connection.
      db.pragma('busy_timeout = 5000')
      db.pragma('journal_mode = WAL')
      // FULL: a claim we credited the peer for survives a power loss, not only a crash.
      db.pragma('synchronous = FULL')
      db.exec(schema)
      return new SqliteClaimStore(db, { account, peerAccount })
    } catch (error) {
      db.close()
      throw error
    }
  }

  getOutgoing(): XrpOutgoingState | undefined {
    const rows = this.#listSent.all(this.#account, this.#peer)
    if (rows.length === 0) return undefined
    return { channelId: undefined, sent: 0n, carry: 0n, sentOn: new Map(rows.map((row) => [row.channel_id, BigInt(row.sent)])) }
  }

  /** Records the drops sent on `state.channelId` (and with `total`, the total sent to the peer). */
  putOutgoing(state: XrpOutgoingState, total?: bigint): void {
    if (state.carry !== 0n) throw new InvalidChannelOptionError('carry', state.carry, 'is not kept by this store')
    this.#db.transaction(() => {
      if (state.channelId !== undefined) this.#putSent.run(this.#account, this.#peer, state.channelId.toUpperCase(), state.sent.toString())
      if (total !== undefined) this.#setSent.run(this.#account, this.#peer, total.toString())
    })()
  }

  getIncoming(channelId: string): IncomingClaim<string> | undefined {
    const row = this.#getIncoming.get(this.#account, this.#peer, channelId.toUpperCase())
    return row === undefined ? undefined : toClaim(row)
  }

  putIncoming(claim: IncomingClaim<string>, received?: bigint): void {
    this.#db.transaction(() => {
      this.#putIncoming.run(this.#account, this.#peer, claim.channelId.toUpperCase(), claim.amount.toString(), claim.signature, claim.receivedAt)
      if (received !== undefined) this.#setReceived.run(this.#account, this.#peer, received.toString())
    })()
  }

  deleteIncoming(channelId: string, received?: bigint): void {
    this.#db.transaction(() => {
      this.#deleteIncoming.run(this.#account, this.#peer, channelId.toUpperCase())
      if (received !== undefined) this.#setReceived.run(this.#account, this.#peer, received.toString())
    })()
  }

  getTotals(): ChannelTotals {
    const row = this.#getTotals.get(this.#account, this.#peer)
    return { sent: BigInt(row?.sent ?? 0), received: BigInt(row?.received ?? 0) }
  }

  listIncoming(): readonly IncomingClaim<string>[] {
    return this.#listIncoming.all(this.#account, this.#peer).map(toClaim)
  }

  /** Closes the file. Every write is on disk already; the store is unusable afterwards. */
  close(): void {
    this.#db.close()
  }
}

function toClaim(row: IncomingRow): IncomingClaim<string> {
  return { channelId: row.channel_id, amount: BigInt(row.amount), signature: row.signature, receivedAt: row.received_at }
}
