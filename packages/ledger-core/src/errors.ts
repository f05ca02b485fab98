/**
 * One class per failure a ledger caller can meet, each with a fixed `name` and the offending
 * field or value, so callers switch on `instanceof` or `name`, never on message text.
 * Every class extends `LedgerError`, so "any refusal by the ledger" is one `instanceof`.
 */

/** The base of every refusal by a ledger adapter. Never thrown itself. */
export abstract class LedgerError extends Error {
  abstract override readonly name: string
}

/** An amount is not a positive UInt64 (zero, negative, too large, or not a bigint). */
export class InvalidAmountError extends LedgerError {
  override readonly name = 'InvalidAmountError'
  constructor(readonly field: string, readonly value: unknown) {
    super(`${field} must be a bigint in 1..2^64-1, got ${describe(value)}`)
  }
}

/** Some other argument is malformed (an account id, an idempotency key, a public key, a delay…). */
export class InvalidArgumentError extends LedgerError {
  override readonly name = 'InvalidArgumentError'
  constructor(readonly field: string, readonly value: unknown, readonly reason: string) {
    super(`${field}: ${reason}, got ${describe(value)}`)
  }
}

/** No account has this id. */
export class UnknownAccountError extends LedgerError {
  override readonly name = 'UnknownAccountError'
  constructor(readonly accountId: string) {
    super(`no account ${JSON.stringify(accountId)}`)
  }
}

/** An account with this id exists already. */
export class AccountExistsError extends LedgerError {
  override readonly name = 'AccountExistsError'
  constructor(readonly accountId: string) {
    super(`account ${JSON.stringify(accountId)} exists already`)
  }
}

/** The debit would take the account below minus its credit limit. Nothing was moved. */
export class InsufficientFundsError extends LedgerError {
  override readonly name = 'InsufficientFundsError'
  constructor(
    readonly accountId: string,
    readonly balance: bigint,
    readonly amount: bigint,
    readonly creditLimit: bigint
  ) {
    super(`account ${JSON.stringify(accountId)} cannot pay ${amount}: balance ${balance}, credit limit ${creditLimit}`)
  }
}

/**
 * The idempotency key was used before for a different request (another body, or another kind
 * of operation). RFC 0038 "Idempotence": a key names one request; nothing was done.
 */
export class IdempotencyConflictError extends LedgerError {
  override readonly name = 'IdempotencyConflictError'
  constructor(readonly idempotencyKey: string) {
    super(`idempotency key ${JSON.stringify(idempotencyKey)} was used for a different request`)
  }
}

/** No payment channel has this id. */
export class ChannelNotFoundError extends LedgerError {
  override readonly name = 'ChannelNotFoundError'
  constructor(readonly channelId: string) {
    super(`no payment channel ${channelId}`)
  }
}

/**
 * The claim's signature does not verify against the channel's public key over the claim
 * message of this channel and amount: forged, signed by another key, or signed for another
 * channel or amount.
 */
export class InvalidClaimSignatureError extends LedgerError {
  override readonly name = 'InvalidClaimSignatureError'
  constructor(readonly channelId: string, readonly amount: bigint) {
    super(`claim of ${amount} on channel ${channelId} has no valid signature`)
  }
}

/** The cumulative claim is not above what the channel has paid out already (a replay or an old claim). */
export class ClaimNotIncreasingError extends LedgerError {
  override readonly name = 'ClaimNotIncreasingError'
  constructor(readonly channelId: string, readonly amount: bigint, readonly claimed: bigint) {
    super(`claim of ${amount} on channel ${channelId} does not exceed the ${claimed} claimed already`)
  }
}

/** The cumulative claim is above the channel's deposit. */
export class ClaimExceedsDepositError extends LedgerError {
  override readonly name = 'ClaimExceedsDepositError'
  constructor(readonly channelId: string, readonly amount: bigint, readonly deposit: bigint) {
    super(`claim of ${amount} on channel ${channelId} exceeds its deposit of ${deposit}`)
  }
}

/** The channel is closed, or its settle delay has run out (it can only be closed now). */
export class ChannelClosedError extends LedgerError {
  override readonly name = 'ChannelClosedError'
  constructor(readonly channelId: string) {
    super(`payment channel ${channelId} is closed`)
  }
}

/** The sender asked to close the channel: it takes no more funds while its settle delay runs. */
export class ChannelClosingError extends LedgerError {
  override readonly name = 'ChannelClosingError'
  constructor(readonly channelId: string, readonly closesAt: number) {
    super(`payment channel ${channelId} is closing (at ${new Date(closesAt).toISOString()})`)
  }
}

/** Nobody asked to close the channel, so it cannot be closed by time. */
export class CloseNotRequestedError extends LedgerError {
  override readonly name = 'CloseNotRequestedError'
  constructor(readonly channelId: string) {
    super(`no close was requested for payment channel ${channelId}`)
  }
}

/** The settle delay that started with the sender's close request has not elapsed yet. */
export class SettleDelayNotElapsedError extends LedgerError {
  override readonly name = 'SettleDelayNotElapsedError'
  constructor(readonly channelId: string, readonly closesAt: number, readonly now: number) {
    super(`payment channel ${channelId} can close at ${closesAt}, it is ${now}`)
  }
}

function describe(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)
  if (value instanceof Uint8Array) return `${value.length} bytes`
  return `${typeof value} ${String(value)}`
}
