import type Database from 'better-sqlite3'
import { IdempotencyConflictError, InsufficientFundsError, UnknownAccountError, type Account } from '@stack/ledger-core'

/** An account row as stored. */
export interface AccountRecord {
  id: string
  kind: 'user' | 'issuance' | 'escrow'
  balance: string
  credit_limit: string | null
}

export type EntryKind = 'transfer' | 'mint' | 'channel-create' | 'channel-fund' | 'channel-claim' | 'channel-close'
/** What an idempotency key was first used for: the same key for another operation is a conflict. */
export type Operation = 'transfer' | 'mint' | 'create-channel' | 'fund-channel'

/**
 * The double-entry journal of a ledger file: balanced entries applied to the balances within
 * the credit limits, and the results stored by idempotency key. Every write runs in one
 * IMMEDIATE transaction (`write`).
 */
export class Journal {
  readonly db: Database.Database

  constructor(db: Database.Database) {
    this.db = db
  }

  /** One IMMEDIATE transaction: takes the write lock at once, so two writers never deadlock upgrading. */
  write<T>(operation: () => T): T {
    return this.db.transaction(operation).immediate()
  }

  findAccount(id: string): AccountRecord | undefined {
    return this.db.prepare('SELECT * FROM accounts WHERE id = ?').get(id) as AccountRecord | undefined
  }

  /**
   * Writes one balanced journal entry and applies it to the balances. Throws (so the whole
   * transaction rolls back) when a debit takes an account below minus its credit limit.
   */
  post(kind: EntryKind, lines: [string, bigint][], options: { channelId?: string; memo?: string | undefined; createdAt: number }): number {
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
  recall(key: string, operation: Operation, body: string): string | undefined {
    const row = this.db.prepare('SELECT operation, request, result FROM idempotency WHERE key = ?').get(key) as
      | { operation: string; request: string; result: string }
      | undefined
    if (row === undefined) return undefined
    if (row.operation !== operation || row.request !== body) throw new IdempotencyConflictError(key)
    return row.result
  }

  remember(key: string, operation: Operation, body: string, result: string, createdAt: number): void {
    this.db.prepare('INSERT INTO idempotency (key, operation, request, result, created_at) VALUES (?, ?, ?, ?, ?)').run(key, operation, body, result, createdAt)
  }
}

export function toAccount(row: AccountRecord): Account {
  return { id: row.id, balance: BigInt(row.balance), creditLimit: BigInt(row.credit_limit ?? '0') }
}
