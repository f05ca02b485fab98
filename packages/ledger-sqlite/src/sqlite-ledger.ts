import { randomBytes, randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import Database from 'better-sqlite3'
import {
  AccountExistsError,
  ChannelClosedError,
  ChannelClosingError,
  ChannelNotFoundError,
  checkAccountId,
  checkAmount,
  checkIdempotencyKey,
  ClaimExceedsDepositError,
  ClaimNotIncreasingError,
  CloseNotRequestedError,
  IdempotencyConflictError,
  InsufficientFundsError,
  InvalidArgumentError,
  InvalidClaimSignatureError,
  SettleDelayNotElapsedError,
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
import { checkPublicKey, claimMessage, isChannelId, verifyClaim } from './claim.js'
import { LedgerFileError } from './errors.js'
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

interface AccountRecord {
  id: string
  kind: 'user' | 'issuance' | 'escrow'
  balance: string
  credit_limit: string | null
}

interface ChannelRecord {
  id: string
  sender: string
  receiver: string
  public_key: Buffer
  deposit: string
  claimed: string
  settle_delay_ms: number
  status: 'open' | 'closing' | 'closed'
  closes_at: number | null
  created_at: number
  closed_at: number | null
}

type EntryKind = 'transfer' | 'mint' | 'channel-create' | 'channel-fund' | 'channel-claim' | 'channel-close'
type Operation = 'transfer' | 'mint' | 'create-channel' | 'fund-channel'

const assetCode = /^[A-Za-z0-9]{1,16}$/
// Keeps `now + settleDelayMs` a safe integer for any clock this century.
const MAX_SETTLE_DELAY_MS = 2 ** 42

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

  private constructor(db: Database.Database, asset: Asset, options: SqliteLedgerOptions) {
    this.db = db
    this.asset = asset
    this.now = options.now ?? Date.now
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
    return this.write(() => {
      if (this.findAccount(id) !== undefined) throw new AccountExistsError(id)
      this.db
        .prepare(`INSERT INTO accounts (id, kind, balance, credit_limit, created_at) VALUES (?, 'user', '0', ?, ?)`)
        .run(id, String(creditLimit), this.now())
      return { id, balance: 0n, creditLimit }
    })
  }

  async getAccount(id: AccountId): Promise<Account> {
    const row = this.findAccount(id)
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
    return this.write(() => this.move('transfer', { idempotencyKey, from, to, amount, memo }))
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
    return this.write(() => this.move('mint', { idempotencyKey, from: ISSUANCE_ACCOUNT, to, amount, memo }))
  }

  private move(operation: 'transfer' | 'mint', request: Required<Omit<TransferRequest, 'memo'>> & { memo: string | undefined }): Transfer {
    const { idempotencyKey, from, to, amount, memo } = request
    const body = JSON.stringify({ from, to, amount: String(amount), memo: memo ?? null })
    const previous = this.recall(idempotencyKey, operation, body)
    if (previous !== undefined) return parseTransfer(previous)
    for (const id of [from, to]) {
      const row = this.findAccount(id)
      if (row === undefined || (row.kind !== 'user' && !(operation === 'mint' && id === ISSUANCE_ACCOUNT))) throw new UnknownAccountError(id)
    }
    const createdAt = this.now()
    const entryId = this.post(operation, [[from, -amount], [to, amount]], { memo, createdAt })
    const transfer: Transfer = { id: String(entryId), idempotencyKey, from, to, amount, memo, createdAt }
    this.remember(idempotencyKey, operation, body, serializeTransfer(transfer), createdAt)
    return transfer
  }

  // ---- payment channels -------------------------------------------------------------------

  claimMessage(channelId: string, amount: bigint): Uint8Array {
    return claimMessage(channelId, amount)
  }

  async createChannel(request: CreateChannelRequest): Promise<PaymentChannel> {
    const idempotencyKey = checkIdempotencyKey('idempotencyKey', request.idempotencyKey)
    const sender = checkAccountId('sender', request.sender)
    const receiver = checkAccountId('receiver', request.receiver)
    if (sender === receiver) throw new InvalidArgumentError('receiver', receiver, 'must differ from the sender')
    const amount = checkAmount('amount', request.amount)
    const publicKey = checkPublicKey('publicKey', request.publicKey)
    const settleDelayMs = request.settleDelayMs
    if (!Number.isSafeInteger(settleDelayMs) || settleDelayMs < 0 || settleDelayMs > MAX_SETTLE_DELAY_MS) {
      throw new InvalidArgumentError('settleDelayMs', settleDelayMs, 'must be an integer in 0..2^42 (about 139 years)')
    }
    const body = JSON.stringify({ sender, receiver, amount: String(amount), publicKey: Buffer.from(publicKey).toString('hex'), settleDelayMs })
    return this.write(() => {
      const previous = this.recall(idempotencyKey, 'create-channel', body)
      if (previous !== undefined) return this.channel(previous)
      for (const id of [sender, receiver]) {
        if (this.findAccount(id)?.kind !== 'user') throw new UnknownAccountError(id)
      }
      const id = randomBytes(32).toString('hex')
      const createdAt = this.now()
      this.db
        .prepare(
          `INSERT INTO channels (id, sender, receiver, public_key, deposit, claimed, settle_delay_ms, status, closes_at, created_at, closed_at)
           VALUES (?, ?, ?, ?, ?, '0', ?, 'open', NULL, ?, NULL)`
        )
        .run(id, sender, receiver, Buffer.from(publicKey), String(amount), settleDelayMs, createdAt)
      this.post('channel-create', [[sender, -amount], [CHANNELS_ACCOUNT, amount]], { channelId: id, createdAt })
      this.remember(idempotencyKey, 'create-channel', body, id, createdAt)
      return this.channel(id)
    })
  }

  async fundChannel(request: FundChannelRequest): Promise<PaymentChannel> {
    const idempotencyKey = checkIdempotencyKey('idempotencyKey', request.idempotencyKey)
    const amount = checkAmount('amount', request.amount)
    const channelId = request.channelId
    const body = JSON.stringify({ channelId, amount: String(amount) })
    return this.write(() => {
      const previous = this.recall(idempotencyKey, 'fund-channel', body)
      if (previous !== undefined) return this.channel(previous)
      const channel = this.channelRecord(channelId)
      const now = this.now()
      this.checkOpen(channel, now)
      if (channel.status === 'closing') throw new ChannelClosingError(channel.id, channel.closes_at ?? now)
      this.post('channel-fund', [[channel.sender, -amount], [CHANNELS_ACCOUNT, amount]], { channelId, createdAt: now })
      this.db.prepare('UPDATE channels SET deposit = ? WHERE id = ?').run(String(BigInt(channel.deposit) + amount), channelId)
      this.remember(idempotencyKey, 'fund-channel', body, channelId, now)
      return this.channel(channelId)
    })
  }

  async claimChannel(claim: ChannelClaim): Promise<ClaimResult> {
    const amount = checkAmount('amount', claim.amount)
    return this.write(() => {
      const channel = this.channelRecord(claim.channelId)
      const now = this.now()
      this.checkOpen(channel, now)
      const paid = this.redeem(channel, amount, claim.signature, now)
      return { channel: this.channel(channel.id), paid }
    })
  }

  async requestChannelClose(request: RequestChannelCloseRequest): Promise<PaymentChannel> {
    if (request.by !== 'sender' && request.by !== 'receiver') {
      throw new InvalidArgumentError('by', request.by, 'must be "sender" or "receiver"')
    }
    if (request.claim !== undefined && request.by !== 'receiver') {
      throw new InvalidArgumentError('claim', request.claim, 'only the receiver redeems a claim')
    }
    const claimAmount = request.claim === undefined ? undefined : checkAmount('claim.amount', request.claim.amount)
    return this.write(() => {
      const channel = this.channelRecord(request.channelId)
      const now = this.now()
      if (channel.status === 'closed') throw new ChannelClosedError(channel.id)
      if (request.by === 'receiver') {
        if (request.claim !== undefined && claimAmount !== undefined) {
          this.checkOpen(channel, now)
          this.redeem(channel, claimAmount, request.claim.signature, now)
        }
        this.settle(this.channelRecord(channel.id), now)
      } else if (BigInt(channel.claimed) === BigInt(channel.deposit)) {
        // Nothing left for the receiver to redeem: no reason to wait (the XRP Ledger does the same).
        this.settle(channel, now)
      } else if (channel.status === 'open') {
        this.db.prepare(`UPDATE channels SET status = 'closing', closes_at = ? WHERE id = ?`).run(now + channel.settle_delay_ms, channel.id)
      }
      // Already closing: the earlier end stands.
      return this.channel(channel.id)
    })
  }

  async closeChannel(channelId: string): Promise<PaymentChannel> {
    return this.write(() => {
      const channel = this.channelRecord(channelId)
      const now = this.now()
      if (channel.status === 'closed') throw new ChannelClosedError(channel.id)
      if (channel.status === 'open' || channel.closes_at === null) throw new CloseNotRequestedError(channel.id)
      if (now < channel.closes_at) throw new SettleDelayNotElapsedError(channel.id, channel.closes_at, now)
      this.settle(channel, now)
      return this.channel(channel.id)
    })
  }

  async getChannel(channelId: string): Promise<PaymentChannel> {
    return this.channel(channelId)
  }

  /** Every channel, oldest first. */
  async listChannels(): Promise<readonly PaymentChannel[]> {
    const rows = this.db.prepare('SELECT * FROM channels ORDER BY created_at, id').all() as ChannelRecord[]
    return rows.map(toChannel)
  }

  /** Recomputes everything from the journal and reports where the stored state disagrees. */
  audit(): AuditReport {
    return audit(this.db)
  }

  // ---- internals --------------------------------------------------------------------------

  /** One IMMEDIATE transaction: takes the write lock at once, so two writers never deadlock upgrading. */
  private write<T>(operation: () => T): T {
    return this.db.transaction(operation).immediate()
  }

  private findAccount(id: string): AccountRecord | undefined {
    return this.db.prepare('SELECT * FROM accounts WHERE id = ?').get(id) as AccountRecord | undefined
  }

  /**
   * Writes one balanced journal entry and applies it to the balances. Throws (so the whole
   * transaction rolls back) when a debit takes an account below minus its credit limit.
   */
  private post(kind: EntryKind, lines: [string, bigint][], options: { channelId?: string; memo?: string | undefined; createdAt: number }): number {
    if (lines.reduce((sum, [, amount]) => sum + amount, 0n) !== 0n) throw new Error('unbalanced entry (a bug in ledger-sqlite)')
    const entry = this.db
      .prepare('INSERT INTO entries (kind, channel_id, memo, created_at) VALUES (?, ?, ?, ?)')
      .run(kind, options.channelId ?? null, options.memo ?? null, options.createdAt)
    const entryId = Number(entry.lastInsertRowid)
    const posting = this.db.prepare('INSERT INTO postings (entry_id, account_id, amount) VALUES (?, ?, ?)')
    const update = this.db.prepare('UPDATE accounts SET balance = ? WHERE id = ?')
    for (const [accountId, amount] of lines) {
      const account = this.findAccount(accountId)
      if (account === undefined) throw new UnknownAccountError(accountId)
      const balance = BigInt(account.balance)
      const next = balance + amount
      if (amount < 0n && account.credit_limit !== null && next < -BigInt(account.credit_limit)) {
        throw new InsufficientFundsError(accountId, balance, -amount, BigInt(account.credit_limit))
      }
      posting.run(entryId, accountId, String(amount))
      update.run(String(next), accountId)
    }
    return entryId
  }

  /** The result stored for this key, undefined for a new key; IdempotencyConflictError for another request. */
  private recall(key: string, operation: Operation, body: string): string | undefined {
    const row = this.db.prepare('SELECT operation, request, result FROM idempotency WHERE key = ?').get(key) as
      | { operation: string; request: string; result: string }
      | undefined
    if (row === undefined) return undefined
    if (row.operation !== operation || row.request !== body) throw new IdempotencyConflictError(key)
    return row.result
  }

  private remember(key: string, operation: Operation, body: string, result: string, createdAt: number): void {
    this.db.prepare('INSERT INTO idempotency (key, operation, request, result, created_at) VALUES (?, ?, ?, ?, ?)').run(key, operation, body, result, createdAt)
  }

  private channelRecord(channelId: string): ChannelRecord {
    const row = isChannelId(channelId) ? (this.db.prepare('SELECT * FROM channels WHERE id = ?').get(channelId) as ChannelRecord | undefined) : undefined
    if (row === undefined) throw new ChannelNotFoundError(String(channelId))
    return row
  }

  private channel(channelId: string): PaymentChannel {
    return toChannel(this.channelRecord(channelId))
  }

  /** Closed, or closing with its settle delay run out: the channel takes no more funds and no more claims. */
  private checkOpen(channel: ChannelRecord, now: number): void {
    if (channel.status === 'closed') throw new ChannelClosedError(channel.id)
    if (channel.status === 'closing' && channel.closes_at !== null && now >= channel.closes_at) throw new ChannelClosedError(channel.id)
  }

  /** Verifies a claim and pays the receiver its growth. Signature first: a forged claim learns nothing about the channel. */
  private redeem(channel: ChannelRecord, amount: bigint, signature: Uint8Array, now: number): bigint {
    if (!verifyClaim(Uint8Array.from(channel.public_key), channel.id, amount, signature)) {
      throw new InvalidClaimSignatureError(channel.id, amount)
    }
    const claimed = BigInt(channel.claimed)
    const deposit = BigInt(channel.deposit)
    if (amount <= claimed) throw new ClaimNotIncreasingError(channel.id, amount, claimed)
    if (amount > deposit) throw new ClaimExceedsDepositError(channel.id, amount, deposit)
    const paid = amount - claimed
    this.post('channel-claim', [[CHANNELS_ACCOUNT, -paid], [channel.receiver, paid]], { channelId: channel.id, createdAt: now })
    this.db.prepare('UPDATE channels SET claimed = ? WHERE id = ?').run(String(amount), channel.id)
    return paid
  }

  /** Returns the remainder to the sender and marks the channel closed. */
  private settle(channel: ChannelRecord, now: number): void {
    const remainder = BigInt(channel.deposit) - BigInt(channel.claimed)
    if (remainder > 0n) {
      this.post('channel-close', [[CHANNELS_ACCOUNT, -remainder], [channel.sender, remainder]], { channelId: channel.id, createdAt: now })
    }
    this.db.prepare(`UPDATE channels SET status = 'closed', closed_at = ? WHERE id = ?`).run(now, channel.id)
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

function toAccount(row: AccountRecord): Account {
  return { id: row.id, balance: BigInt(row.balance), creditLimit: BigInt(row.credit_limit ?? '0') }
}

function toChannel(row: ChannelRecord): PaymentChannel {
  return {
    id: row.id,
    sender: row.sender,
    receiver: row.receiver,
    publicKey: Uint8Array.from(row.public_key),
    deposit: BigInt(row.deposit),
    claimed: BigInt(row.claimed),
    settleDelayMs: row.settle_delay_ms,
    status: row.status,
    closesAt: row.closes_at ?? undefined,
    createdAt: row.created_at,
    closedAt: row.closed_at ?? undefined
  }
}

function serializeTransfer(transfer: Transfer): string {
  return JSON.stringify({ ...transfer, amount: String(transfer.amount), memo: transfer.memo ?? null })
}

function parseTransfer(text: string): Transfer {
  const raw = JSON.parse(text) as { id: string; idempotencyKey: string; from: string; to: string; amount: string; memo: string | null; createdAt: number }
  return { ...raw, amount: BigInt(raw.amount), memo: raw.memo ?? undefined }
}
