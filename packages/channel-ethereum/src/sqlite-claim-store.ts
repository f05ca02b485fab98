/**
 * The ClaimStore (channel-core) in a small SQLite file (WAL, synchronous = FULL): what an endpoint
 * must not forget across a restart — as payer, the channel it pays from, its deposit and the
 * cumulative amount the peer accepted; as payee, the best unredeemed claim on each incoming channel.
 *
 * One file may serve every peer of a node, on any number of contracts and chains: each peer is
 * opened as its own store (its own connection) with its scope, and every row is keyed by that
 * scope, so one peer's store never sees another's claims. A channel total (`eth_totals`) is
 * written in one transaction with the claim that moves it.
 */
import type { ChannelTotals, ClaimStore, IncomingClaim } from '@stack/channel-core'
import Database from 'better-sqlite3'
import { isAddress, type Address, type Hex } from 'viem'
import { InvalidChannelOptionError } from './errors.js'
import type { EthereumOutgoingState } from './ethereum-scheme.js'

/** Whose claims a store holds: our account's channels with one peer, on one contract of one chain. */
export interface ClaimStoreScope {
  readonly chainId: number
  readonly contract: Address
  /** Our address: the sender of the outgoing channel, the receiver of the incoming ones. */
  readonly account: Address
  readonly peer: Address
}

// Addresses are stored lowercase (compared case-insensitively); amounts as decimal TEXT, since
// a uint256 does not fit SQLite's 64-bit integers.
const schema = `
CREATE TABLE IF NOT EXISTS eth_outgoing (
  chain_id   INTEGER NOT NULL,
  contract   TEXT NOT NULL,
  account    TEXT NOT NULL,
  peer       TEXT NOT NULL,
  channel_id TEXT NOT NULL,
  deposit    TEXT NOT NULL,
  sent       TEXT NOT NULL,
  PRIMARY KEY (chain_id, contract, account, peer)
);
CREATE TABLE IF NOT EXISTS eth_incoming (
  chain_id   INTEGER NOT NULL,
  contract   TEXT NOT NULL,
  account    TEXT NOT NULL,
  peer       TEXT NOT NULL,
  channel_id TEXT NOT NULL,
  sender     TEXT NOT NULL,
  amount     TEXT NOT NULL,
  signature  TEXT NOT NULL,
  received_at INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (chain_id, contract, account, peer, channel_id)
);
CREATE TABLE IF NOT EXISTS eth_totals (
  chain_id   INTEGER NOT NULL,
  contract   TEXT NOT NULL,
  account    TEXT NOT NULL,
  peer       TEXT NOT NULL,
  sent       TEXT NOT NULL,
  received   TEXT NOT NULL,
  PRIMARY KEY (chain_id, contract, account, peer)
);
`

const scopeColumns = 'chain_id = @chainId AND contract = @contract AND account = @account AND peer = @peer'

interface OutgoingRow {
  channel_id: string
  deposit: string
  sent: string
}

interface IncomingRow {
  channel_id: string
  amount: string
  signature: string
  received_at: number
}

/** The scope as bound to every statement. */
interface ScopeParams {
  chainId: number
  contract: string
  account: string
  peer: string
}

interface Statements {
  getOutgoing: Database.Statement<[ScopeParams], OutgoingRow>
  putOutgoing: Database.Statement<[ScopeParams & { channelId: string; deposit: string; sent: string }]>
  deleteOutgoing: Database.Statement<[ScopeParams]>
  getIncoming: Database.Statement<[ScopeParams & { channelId: string }], IncomingRow>
  putIncoming: Database.Statement<[ScopeParams & { channelId: string; amount: string; signature: string; receivedAt: number }]>
  deleteIncoming: Database.Statement<[ScopeParams & { channelId: string }]>
  listIncoming: Database.Statement<[ScopeParams], IncomingRow>
  getTotals: Database.Statement<[ScopeParams], { sent: string; received: string }>
  setSent: Database.Statement<[ScopeParams & { amount: string }]>
  setReceived: Database.Statement<[ScopeParams & { amount: string }]>
}

/** Carry (value paid beyond acknowledged) is never made by this scheme, and not kept: a state with carry is refused. */
export class SqliteClaimStore implements ClaimStore<Hex, EthereumOutgoingState> {
  readonly #db: Database.Database
  readonly #scope: ScopeParams
  readonly #statements: Statements

  private constructor(db: Database.Database, scope: ScopeParams) {
    this.#db = db
    this.#scope = scope
    this.#statements = {
      getOutgoing: db.prepare(`SELECT channel_id, deposit, sent FROM eth_outgoing WHERE ${scopeColumns}`),
      putOutgoing: db.prepare(
        `INSERT INTO eth_outgoing (chain_id, contract, account, peer, channel_id, deposit, sent)
         VALUES (@chainId, @contract, @account, @peer, @channelId, @deposit, @sent)
         ON CONFLICT (chain_id, contract, account, peer) DO UPDATE SET
           channel_id = excluded.channel_id, deposit = excluded.deposit, sent = excluded.sent`
      ),
      deleteOutgoing: db.prepare(`DELETE FROM eth_outgoing WHERE ${scopeColumns}`),
      getIncoming: db.prepare(`SELECT channel_id, amount, signature, received_at FROM eth_incoming WHERE ${scopeColumns} AND channel_id = @channelId`),
      // An update keeps the row (and its rowid, so its place in listIncoming), as a Map keeps a key's.
      putIncoming: db.prepare(
        `INSERT INTO eth_incoming (chain_id, contract, account, peer, channel_id, sender, amount, signature, received_at)
         VALUES (@chainId, @contract, @account, @peer, @channelId, @peer, @amount, @signature, @receivedAt)
         ON CONFLICT (chain_id, contract, account, peer, channel_id) DO UPDATE SET
           amount = excluded.amount, signature = excluded.signature, received_at = excluded.received_at`
      ),
      deleteIncoming: db.prepare(`DELETE FROM eth_incoming WHERE ${scopeColumns} AND channel_id = @channelId`),
      listIncoming: db.prepare(`SELECT channel_id, amount, signature, received_at FROM eth_incoming WHERE ${scopeColumns} ORDER BY rowid`),
      getTotals: db.prepare(`SELECT sent, received FROM eth_totals WHERE ${scopeColumns}`),
      setSent: db.prepare(
        `INSERT INTO eth_totals (chain_id, contract, account, peer, sent, received) VALUES (@chainId, @contract, @account, @peer, @amount, '0')
         ON CONFLICT (chain_id, contract, account, peer) DO UPDATE SET sent = excluded.sent`
      ),
      setReceived: db.prepare(
        `INSERT INTO eth_totals (chain_id, contract, account, peer, sent, received) VALUES (@chainId, @contract, @account, @peer, '0', @amount)
         ON CONFLICT (chain_id, contract, account, peer) DO UPDATE SET received = excluded.received`
      )
    }
  }

  /**
   * Opens (creating if needed) the claim store at `file`, or `:memory:`, for `scope`. Several
   * scopes may open the same file at once, each as its own store.
   */
  static open(file: string, scope: ClaimStoreScope): SqliteClaimStore {
    const params = checkScope(scope)
    const db = new Database(file)
    try {
      db.pragma('journal_mode = WAL')
      // FULL: a claim we acknowledged to the peer survives a power loss, not only a crash.
      db.pragma('synchronous = FULL')
      // Other stores (other peers' scopes) may hold the file's write lock for a moment.
      db.pragma('busy_timeout = 5000')
      db.exec(schema)
      // Files from before the claim engine lack the arrival time: their claims count as arrived at 0.
      const columns = db.prepare('PRAGMA table_info(eth_incoming)').all() as { name: string }[]
      if (!columns.some((column) => column.name === 'received_at')) db.exec('ALTER TABLE eth_incoming ADD COLUMN received_at INTEGER NOT NULL DEFAULT 0')
      return new SqliteClaimStore(db, params)
    } catch (error) {
      db.close()
      throw error
    }
  }

  getOutgoing(): EthereumOutgoingState | undefined {
    const row = this.#statements.getOutgoing.get(this.#scope)
    if (row === undefined) return undefined
    return { channelId: row.channel_id as Hex, deposit: BigInt(row.deposit), sent: BigInt(row.sent), carry: 0n }
  }

  /** Records our channel to the peer; a state without `channelId` forgets it (reclaimed). */
  putOutgoing(state: EthereumOutgoingState, sent?: bigint): void {
    if (state.carry !== 0n) throw new InvalidChannelOptionError('carry', state.carry, 'is not kept by this store')
    this.#db.transaction(() => {
      if (state.channelId === undefined) this.#statements.deleteOutgoing.run(this.#scope)
      else this.#statements.putOutgoing.run({ ...this.#scope, channelId: state.channelId, deposit: String(state.deposit), sent: String(state.sent) })
      if (sent !== undefined) this.#statements.setSent.run({ ...this.#scope, amount: String(sent) })
    })()
  }

  getIncoming(channelId: string): IncomingClaim<Hex> | undefined {
    const row = this.#statements.getIncoming.get({ ...this.#scope, channelId })
    return row === undefined ? undefined : toClaim(row)
  }

  putIncoming(claim: IncomingClaim<Hex>, received?: bigint): void {
    this.#db.transaction(() => {
      this.#statements.putIncoming.run({
        ...this.#scope,
        channelId: claim.channelId,
        amount: String(claim.amount),
        signature: claim.signature,
        receivedAt: claim.receivedAt
      })
      if (received !== undefined) this.#statements.setReceived.run({ ...this.#scope, amount: String(received) })
    })()
  }

  deleteIncoming(channelId: string, received?: bigint): void {
    this.#db.transaction(() => {
      this.#statements.deleteIncoming.run({ ...this.#scope, channelId })
      if (received !== undefined) this.#statements.setReceived.run({ ...this.#scope, amount: String(received) })
    })()
  }

  getTotals(): ChannelTotals {
    const row = this.#statements.getTotals.get(this.#scope)
    return { sent: BigInt(row?.sent ?? 0), received: BigInt(row?.received ?? 0) }
  }

  /** The incoming claims in the order their channels were first stored. */
  listIncoming(): readonly IncomingClaim<Hex>[] {
    return this.#statements.listIncoming.all(this.#scope).map(toClaim)
  }

  close(): void {
    this.#db.close()
  }
}

function checkScope(scope: ClaimStoreScope): ScopeParams {
  if (typeof scope !== 'object' || scope === null) throw new InvalidChannelOptionError('scope', scope, 'must be an object')
  const { chainId, contract, account, peer } = scope
  if (!(Number.isSafeInteger(chainId) && chainId > 0)) throw new InvalidChannelOptionError('scope.chainId', chainId, 'must be a positive safe integer')
  if (!isAddress(contract)) throw new InvalidChannelOptionError('scope.contract', contract, 'must be an address')
  if (!isAddress(account)) throw new InvalidChannelOptionError('scope.account', account, 'must be an address')
  if (!isAddress(peer)) throw new InvalidChannelOptionError('scope.peer', peer, 'must be an address')
  return { chainId, contract: contract.toLowerCase(), account: account.toLowerCase(), peer: peer.toLowerCase() }
}

function toClaim(row: IncomingRow): IncomingClaim<Hex> {
  return { channelId: row.channel_id, amount: BigInt(row.amount), signature: row.signature as Hex, receivedAt: row.received_at }
}
