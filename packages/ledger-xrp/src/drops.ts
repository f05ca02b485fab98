/**
 * XRP amounts as drops in a `bigint`: 1 XRP = 1 000 000 drops, and no amount exceeds the
 * 100 billion XRP ever created (10^17 drops). The XRP Ledger writes drops as a decimal string
 * in JSON; never as a JS `number`.
 */
import { InvalidDropsError, InvalidXrpAmountError } from './errors.js'

export const DROPS_PER_XRP = 1_000_000n
/** The total XRP supply in drops: no XRP amount on the ledger can be larger. */
export const MAX_DROPS = 100_000_000_000n * DROPS_PER_XRP

/** `value` if it is a bigint in `min..MAX_DROPS`; InvalidDropsError naming `field` otherwise. */
export function checkDrops(field: string, value: unknown, min: 0n | 1n = 0n): bigint {
  if (typeof value === 'bigint' && value >= min && value <= MAX_DROPS) return value
  if (typeof value !== 'bigint') throw new InvalidDropsError(field, value, 'must be a bigint of drops')
  if (value < min) throw new InvalidDropsError(field, value, min === 0n ? 'must not be negative' : 'must be at least 1 drop')
  throw new InvalidDropsError(field, value, `must not exceed the XRP supply of ${MAX_DROPS} drops`)
}

const xrpPattern = /^(\d+)(?:\.(\d{1,6}))?$/

/** Drops in an XRP amount written as a decimal string (`"1.5"` → 1 500 000n). */
export function xrpToDrops(xrp: string): bigint {
  const match = typeof xrp === 'string' ? xrpPattern.exec(xrp) : null
  if (match === null) throw new InvalidXrpAmountError(xrp)
  const drops = BigInt(match[1] ?? '0') * DROPS_PER_XRP + BigInt((match[2] ?? '').padEnd(6, '0'))
  return checkDrops('xrp', drops)
}

/** The XRP amount of `drops` as a decimal string without trailing zeros (1 500 000n → `"1.5"`). */
export function dropsToXrp(drops: bigint): string {
  checkDrops('drops', drops)
  const whole = drops / DROPS_PER_XRP
  const fraction = (drops % DROPS_PER_XRP).toString().padStart(6, '0').replace(/0+$/, '')
  return fraction === '' ? whole.toString() : `${whole}.${fraction}`
}
