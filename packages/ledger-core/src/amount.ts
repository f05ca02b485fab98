import { InvalidAmountError } from './errors.js'

/** The largest amount a ledger moves in one operation: amounts are UInt64 (RFC 0027, RFC 0038 "Quantity"). */
export const MAX_UINT64 = 0xffff_ffff_ffff_ffffn

/** Throws `InvalidAmountError` naming `field` unless `value` is a bigint in 1..2^64-1. */
export function checkAmount(field: string, value: unknown): bigint {
  if (typeof value === 'bigint' && value > 0n && value <= MAX_UINT64) return value
  throw new InvalidAmountError(field, value)
}
