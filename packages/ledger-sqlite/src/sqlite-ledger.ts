import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import Database from 'better-sqlite3'
import {
  AccountExistsError,
  checkAccountId,
  checkAmount,
  checkIdempotencyKey,
  InvalidArgumentError,
  UnknownAccountError,
  type Account,
  type AccountId,
  type AccountOptions,
  type Asset,
  type ChannelClaim,
  type ClaimResult,
  type CreateChannelRequest,
  type FundChannelRequest,
  type Ledger,
  type LedgerCapabilityName,
  type PaymentChannel,
  type PaymentChannelCapability,
  type RequestChannelCloseRequest,
  type Transfer,
  type TransferRequest
} from '@stack/ledger-core'
import { audit, type AuditReport } from './audit.js'
import { Channels } from './channels.js'
import { claimMessage } from './claim.js'
import { LedgerFileError } from './errors.js'
import { Journal, toAccount, type AccountRecord } from './journal.js'
import { CHANNELS_ACCOUNT, ISSUANCE_ACCOUNT, schema, SCHEMA_VERSION } from './schema.js'

export interface SqliteLedgerOptions {
  /** The clock, in ms since the epoch. Default `Date.now`. Injected so tests need not wait out settle delays. */
  readonly now?: () => number
  /** How long to wait for another process's write lock, in ms. Default 5 000. */
  readonly busyTimeoutMs?: number
}

export interface CreateLedgerOptions extends SqliteLedgerOptions {
  readonly asset: Asset
}

export interface MintRequest {
  readonly account: AccountId
  readonly amount: bigint
  /** Default: a fresh random key (every call mints). */
  readonly idempotencyKey?: string
  readonly memo?: string
}

/** An account as stored, the ledger's own included: `@issuance` (minus all issued) and `@channels` (all locked). */
export interface LedgerAccountRow {
  readonly id: string
  readonly kind: 'user' | 'issuance' | 'escrow'
  readonly balance: bigint
  /** undefined: no limit. */
  readonly creditLimit: bigint | undefined
}

const assetCode = /^[A-Za-z0-9]{1,16}$/

/**
 * A centralized ledger in one SQLite file (WAL): double-entry journal, balances that never go
 * below minus the credit limit, idempotent transfers, and unidirectional payment channels in
 * the style of the XRP Ledger's. Every operation is one SQLite transaction (BEGIN IMMEDIATE),
 * so a crash at any point leaves the file as it was before or after the operation, never in
 * between; several processes may share the file.
 */
export class SqliteLedger implements Ledger, PaymentChannelCapability {
  readonly capabilities: ReadonlySet<LedgerCapabilityName> = new Set<LedgerCapabilityName>(['payment-channels'])
  readonly asset: Asset
  private readonly db: Database.Database
  private readonly now: () => number
  private readonly journal: Journal
  private readonly channels: Channels

  private constructor(db: Database.Database, asset: Asset, options: SqliteLedgerOptions) {
    this.db = db
    this.asset = asset
    this.now = options.now ?? Date.now
    this.journal = new Journal(db)
    this.channels = new Channels(this.journal, this.now)
  }

  /** Makes a new ledger file (or `:memory:`) for one asset. Refuses a file that is a ledger already. */
  static create(file: string, options: CreateLedgerOptions): SqliteLedger {
    const { code, scale } = options.asset
    if (typeof code !== 'string' || !assetCode.test(code)) {
      throw new InvalidArgumentError('asset.code', code, 'must be 1 to 16 letters or digits')
    }
    if (!Number.isInteger(scale) || scale < 0 || scale > 255) throw new InvalidArgumentError('asset.scale', scale, 'must be an integer in 0..255')
    const db = connect(file, options)
    try {
      const hasMeta = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'`).get() !== undefined
      if (hasMeta) throw new LedgerFileError(file, 'is a ledger already')
      const now = (options.now ?? Date.now)()
      db.transaction(() => {
        db.exec(schema)
        const meta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)')
        meta.run('schema_version', SCHEMA_VERSION)
        meta.run('asset_code', code)
        meta.run('asset_scale', String(scale))
        const account = db.prepare('INSERT INTO accounts (id, kind, balance, credit_limit, created_at) VALUES (?, ?, ?, ?, ?)')
        account.run(ISSUANCE_ACCOUNT, 'issuance', '0', null, now)
        account.run(CHANNELS_ACCOUNT, 'escrow', '0', '0', now)
      }).immediate()
      return new SqliteLedger(db, { code, scale }, options)
    } catch (error) {
      db.close()
      throw error
    }
  }

  /** Opens an existing ledger file. */
  static open(file: string, options: SqliteLedgerOptions = {}): SqliteLedger {
    if (file !== ':memory:' && !existsSync(file)) throw new LedgerFileError(file, 'does not exist')
    const db = connect(file, options)
    try {
      const hasMeta = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'`).get() !== undefined
      if (!hasMeta) throw new LedgerFileError(file, 'is not a ledger (run `ledger-sqlite init` first)')
      const meta = new Map((db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[]).map((row) => [row.key, row.value]))
      if (meta.get('schema_version') !== SCHEMA_VERSION) {
        throw new LedgerFileError(file, `has schema version ${meta.get('schema_version') ?? '(none)'}, this version reads ${SCHEMA_VERSION}`)
      }
      return new SqliteLedger(db, { code: meta.get('asset_code') ?? '', scale: Number(meta.get('asset_scale')) }, options)
    } catch (error) {
      db.close()
      throw error
    }
  }

  /** Closes the database. The object is unusable afterwards. */
  close(): void {
    this.db.close()
  }

  // ---- accounts ---------------------------------------------------------------------------

  async createAccount(id: AccountId, options: AccountOptions = {}): Promise<Account> {
    checkAccountId('id', id)
    const creditLimit = options.creditLimit ?? 0n
    if (typeof creditLimit !== 'bigint' || creditLimit < 0n) {
      throw new InvalidArgumentError('creditLimit', creditLimit, 'must be a bigint ≥ 0')
    }
    return this.journal.write(() => {
      if (this.journal.findAccount(id) !== undefined) throw new AccountExistsError(id)
      this.db
        .prepare(`INSERT INTO accounts (id, kind, balance, credit_limit, created_at) VALUES (?, 'user', '0', ?, ?)`)
        .run(id, String(creditLimit), this.now())
      return { id, balance: 0n, creditLimit }
    })
  }

  async getAccount(id: AccountId): Promise<Account> {
    const row = this.journal.findAccount(id)
    if (row === undefined || row.kind !== 'user') throw new UnknownAccountError(id)
    return toAccount(row)
  }

  async getBalance(id: AccountId): Promise<bigint> {
    return (await this.getAccount(id)).balance
  }

  async listAccounts(): Promise<readonly Account[]> {
    const rows = this.db.prepare(`SELECT * FROM accounts WHERE kind = 'user' ORDER BY id`).all() as AccountRecord[]
    return rows.map(toAccount)
  }

  /** Every account, the ledger's own (`@issuance`, `@channels`) included. */
  async listAllAccounts(): Promise<readonly LedgerAccountRow[]> {
    const rows = this.db.prepare('SELECT * FROM accounts ORDER BY kind, id').all() as AccountRecord[]
    return rows.map((row) => ({
      id: row.id,
      kind: row.kind,
      balance: BigInt(row.balance),
      creditLimit: row.credit_limit === null ? undefined : BigInt(row.credit_limit)
    }))
  }

  // ---- transfers --------------------------------------------------------------------------

  async transfer(request: TransferRequest): Promise<Transfer> {
    const idempotencyKey = checkIdempotencyKey('idempotencyKey', request.idempotencyKey)
    const from = checkAccountId('from', request.from)
    const to = checkAccountId('to', request.to)
    const amount = checkAmount('amount', request.amount)
    if (from === to) throw new InvalidArgumentError('to', to, 'must differ from `from`')
    const memo = checkMemo(request.memo)
    return this.journal.write(() => this.move('transfer', { idempotencyKey, from, to, amount, memo }))
  }

  /**
   * Issues `amount` new units into `account`, debiting the `@issuance` account so the journal
   * stays balanced. For tests, demos and the admin CLI.
   */
  async mint(request: MintRequest): Promise<Transfer> {
    const idempotencyKey = checkIdempotencyKey('idempotencyKey', request.idempotencyKey ?? randomUUID())
    const to = checkAccountId('account', request.account)
    const amount = checkAmount('amount', request.amount)
    const memo = checkMemo(request.memo)
    return this.journal.write(() => this.move('mint', { idempotencyKey, from: ISSUANCE_ACCOUNT, to, amount, memo }))
  }

  private move(operation: 'transfer' | 'mint', request: Required<Omit<TransferRequest, 'memo'>> & { memo: string | undefined }): Transfer {
    const { idempotencyKey, from, to, amount, memo } = request
    const body = JSON.stringify({ from, to, amount: String(amount), memo: memo ?? null })
    const previous = this.journal.recall(idempotencyKey, operation, body)
    if (previous !== undefined) return parseTransfer(previous)
    for (const id of [from, to]) {
      const row = this.journal.findAccount(id)
      if (row === undefined || (row.kind !== 'user' && !(operation === 'mint' && id === ISSUANCE_ACCOUNT))) throw new UnknownAccountError(id)
    }
    const createdAt = this.now()
    const entryId = this.journal.post(operation, [[from, -amount], [to, amount]], { memo, createdAt })
    const transfer: Transfer = { id: String(entryId), idempotencyKey, from, to, amount, memo, createdAt }
    this.journal.remember(idempotencyKey, operation, body, serializeTransfer(transfer), createdAt)
    return transfer
  }

  // ---- payment channels -------------------------------------------------------------------

  claimMessage(channelId: string, amount: bigint): Uint8Array {
    return claimMessage(channelId, amount)
  }

  async createChannel(request: CreateChannelRequest): Promise<PaymentChannel> {
    return this.channels.create(request)
  }

  async fundChannel(request: FundChannelRequest): Promise<PaymentChannel> {
    return this.channels.fund(request)
  }

  async claimChannel(claim: ChannelClaim): Promise<ClaimResult> {
    return this.channels.claim(claim)
  }

  async requestChannelClose(request: RequestChannelCloseRequest): Promise<PaymentChannel> {
    return this.channels.requestClose(request)
  }

  async closeChannel(channelId: string): Promise<PaymentChannel> {
    return this.channels.close(channelId)
  }

  async getChannel(channelId: string): Promise<PaymentChannel> {
    return this.channels.get(channelId)
  }

  /** Every channel, oldest first. */
  async listChannels(): Promise<readonly PaymentChannel[]> {
    return this.channels.list()
  }

  /** Recomputes everything from the journal and reports where the stored state disagrees. */
  audit(): AuditReport {
    return audit(this.db)
  }
}

function connect(file: string, options: SqliteLedgerOptions): Database.Database {
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  // FULL: a transaction the caller saw commit survives a power loss too, not only a process crash.
  db.pragma('synchronous = FULL')
  db.pragma('foreign_keys = ON')
  db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5_000))}`)
  return db
}

function checkMemo(memo: unknown): string | undefined {
  if (memo === undefined) return undefined
  if (typeof memo === 'string' && memo.length <= 1_000) return memo
  throw new InvalidArgumentError('memo', memo, 'must be a string of at most 1000 characters')
}

function serializeTransfer(transfer: Transfer): string {
  return JSON.stringify({ ...transfer, amount: String(transfer.amount), memo: transfer.memo ?? null })
}

function parseTransfer(text: string): Transfer {
  const raw = JSON.parse(text) as { id: string; idempotencyKey: string; from: string; to: string; amount: string; memo: string | null; createdAt: number }
  return { ...raw, amount: BigInt(raw.amount), memo: raw.memo ?? undefined }
}
