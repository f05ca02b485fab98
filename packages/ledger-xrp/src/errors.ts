/**
 * One class per way an XRP Ledger transaction can be refused before it is signed, each with a
 * fixed `name` and the offending field. All extend ledger-core's `LedgerError`, so "any refusal
 * by a ledger adapter" stays one `instanceof`.
 */
import { LedgerError } from '@stack/ledger-core'

/** A drops amount is not a bigint in range: below 0 (or below 1 where the field must be positive), or above the XRP supply. */
export class InvalidDropsError extends LedgerError {
  override readonly name = 'InvalidDropsError'
  constructor(readonly field: string, readonly value: unknown, readonly reason: string) {
    super(`${field}: ${reason}, got ${typeof value === 'bigint' ? `${value}n` : `${typeof value} ${String(value)}`}`)
  }
}

/** An XRP amount written in XRP (a decimal string) is not one: not a number, or more than 6 decimals. */
export class InvalidXrpAmountError extends LedgerError {
  override readonly name = 'InvalidXrpAmountError'
  constructor(readonly value: unknown) {
    super(`not an XRP amount with at most 6 decimals: ${JSON.stringify(value)}`)
  }
}

/** An account is not a classic XRP Ledger address (r…, base58 with checksum). */
export class InvalidXrpAddressError extends LedgerError {
  override readonly name = 'InvalidXrpAddressError'
  constructor(readonly field: string, readonly value: unknown) {
    super(`${field} must be a classic XRP Ledger address, got ${JSON.stringify(value)}`)
  }
}

/** Some other transaction field is out of range (a sequence, a tag, a key, a channel id, a time…). */
export class InvalidTransactionFieldError extends LedgerError {
  override readonly name = 'InvalidTransactionFieldError'
  constructor(readonly field: string, readonly value: unknown, readonly reason: string) {
    super(`${field}: ${reason}, got ${typeof value === 'bigint' ? `${value}n` : JSON.stringify(value) ?? String(value)}`)
  }
}

/** The wallet is not the transaction's `Account`: the XRP Ledger would reject the signature (no regular key is assumed). */
export class SignerMismatchError extends LedgerError {
  override readonly name = 'SignerMismatchError'
  constructor(readonly account: string, readonly signer: string) {
    super(`transaction of ${account} cannot be signed by the wallet of ${signer}`)
  }
}
