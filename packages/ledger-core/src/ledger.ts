/**
 * What every layer-1 adapter offers: accounts in one asset, their balances, and transfers
 * between them that are idempotent by key. Async throughout, so a remote ledger fits the same
 * shape as an embedded one. Optional features are typed capabilities (see payment-channel.ts).
 */
import type {
  IdempotencyConflictError,
  InsufficientFundsError,
  InvalidAmountError,
  InvalidArgumentError,
  UnknownAccountError
} from './errors.js'

/** An account id: unique and URL-safe (RFC 0038 "Accounts and identifiers"). */
export type AccountId = string

/** The one asset a ledger holds (RFC 0038 "Units and quantities"): amounts are in units of 10^-scale. */
export interface Asset {
  /** Such as `USD`, `EUR`, `XRP`. */
  readonly code: string
  /** 0..255: one standard unit is 10^scale of the ledger's units (USD cents: 2). */
  readonly scale: number
}

export interface Account {
  readonly id: AccountId
  /** May be negative, down to `-creditLimit`. */
  readonly balance: bigint
  /** How far below zero the balance may go; 0n for an ordinary account. */
  readonly creditLimit: bigint
}

export interface AccountOptions {
  /** How far below zero the balance may go. Default 0n: never negative. */
  readonly creditLimit?: bigint
}

export interface TransferRequest {
  /**
   * Names this request (RFC 0038 "Idempotence"). The same key with the same body returns the
   * transfer made the first time, and moves nothing again; the same key with another body is
   * refused with `IdempotencyConflictError`. A refused transfer records nothing, so it may be
   * retried with its key once the cause (say, insufficient funds) is gone.
   */
  readonly idempotencyKey: string
  readonly from: AccountId
  readonly to: AccountId
  /** 1..2^64-1 in the ledger's units. */
  readonly amount: bigint
  /** Free text kept with the transfer; part of the body compared for idempotency. */
  readonly memo?: string
}

export interface Transfer {
  /** Assigned by the ledger; the same for every replay of the request. */
  readonly id: string
  readonly idempotencyKey: string
  readonly from: AccountId
  readonly to: AccountId
  readonly amount: bigint
  readonly memo: string | undefined
  /** Milliseconds since the epoch, by the ledger's clock. */
  readonly createdAt: number
}

/** The names of the optional capabilities a ledger may declare. */
export type LedgerCapabilityName = 'payment-channels'

export interface Ledger {
  readonly asset: Asset
  /** The optional capabilities this adapter implements; test them with the guards (`hasPaymentChannels`). */
  readonly capabilities: ReadonlySet<LedgerCapabilityName>

  /** @throws AccountExistsError, InvalidArgumentError */
  createAccount(id: AccountId, options?: AccountOptions): Promise<Account>
  /** @throws UnknownAccountError */
  getAccount(id: AccountId): Promise<Account>
  /** @throws UnknownAccountError */
  getBalance(id: AccountId): Promise<bigint>
  /** The accounts created with `createAccount` (not the adapter's own internal accounts). */
  listAccounts(): Promise<readonly Account[]>
  /**
   * Moves `amount` from `from` to `to`, all or nothing.
   * @throws InvalidAmountError, InvalidArgumentError, UnknownAccountError,
   *   InsufficientFundsError, IdempotencyConflictError
   */
  transfer(request: TransferRequest): Promise<Transfer>
}

/** What `transfer` can throw. */
export type TransferError =
  | InvalidAmountError
  | InvalidArgumentError
  | UnknownAccountError
  | InsufficientFundsError
  | IdempotencyConflictError
