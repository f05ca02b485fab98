import { InvalidArgumentError } from './errors.js'

// RFC 0038 "Accounts and identifiers": a unique, URL-safe string (RFC 3986 §2.3 unreserved).
const urlSafe = /^[A-Za-z0-9._~-]{1,128}$/

/** Throws `InvalidArgumentError` unless `value` is 1–128 URL-safe characters (`A-Z a-z 0-9 . _ ~ -`). */
export function checkAccountId(field: string, value: unknown): string {
  if (typeof value === 'string' && urlSafe.test(value)) return value
  throw new InvalidArgumentError(field, value, 'must be 1 to 128 URL-safe characters (A-Z a-z 0-9 . _ ~ -)')
}

/** Throws `InvalidArgumentError` unless `value` is a non-empty string of at most 256 characters. */
export function checkIdempotencyKey(field: string, value: unknown): string {
  if (typeof value === 'string' && value.length > 0 && value.length <= 256) return value
  throw new InvalidArgumentError(field, value, 'must be a string of 1 to 256 characters')
}
