/**
 * Satoshis ↔ BTC. The node's JSON-RPC gives BTC as JSON numbers (IEEE doubles); a satoshi count
 * is exact when read through the 8-decimal string, never by multiplying by 1e8 in floating point.
 */
import { NodeAnswerError } from './errors.js'

export const SATS_PER_BTC = 100_000_000n
/** Bitcoin's consensus limit on any amount (21 million BTC), in satoshis. */
export const MAX_MONEY = 21_000_000n * SATS_PER_BTC

const decimal = /^(-?)(\d{1,8})(?:\.(\d{1,8}))?$/

/** `1.5` or `"1.50000000"` (BTC) → 150000000n. Throws NodeAnswerError for anything but a whole number of satoshis within ±21e6 BTC. */
export function btcToSats(field: string, btc: number | string): bigint {
  let text: string
  if (typeof btc === 'number') {
    // A double read from a decimal of at most 8 places and at most 21e6 is within 2e-9 of it,
    // so toFixed(8) gives that decimal back; the round trip refuses anything finer.
    if (!Number.isFinite(btc) || Math.abs(btc) > 21e6) throw new NodeAnswerError(field, btc, 'not an amount of BTC')
    text = btc.toFixed(8)
    if (Number(text) !== btc) throw new NodeAnswerError(field, btc, 'not a whole number of satoshis')
  } else {
    text = btc
  }
  const match = decimal.exec(text)
  if (match === null) throw new NodeAnswerError(field, btc, 'not an amount of BTC')
  const [, sign, whole, fraction = ''] = match
  const sats = BigInt(whole ?? '0') * SATS_PER_BTC + BigInt(fraction.padEnd(8, '0'))
  if (sats > MAX_MONEY) throw new NodeAnswerError(field, btc, 'above 21 million BTC')
  return sign === '-' ? -sats : sats
}

/** 150000000n → `"1.50000000"`: the exact decimal, for RPC arguments and display. */
export function satsToBtc(sats: bigint): string {
  const sign = sats < 0n ? '-' : ''
  const magnitude = sats < 0n ? -sats : sats
  return `${sign}${magnitude / SATS_PER_BTC}.${(magnitude % SATS_PER_BTC).toString().padStart(8, '0')}`
}

/** A fee rate in BTC per 1,000 virtual bytes (estimatesmartfee's `feerate`) → satoshis per virtual byte, rounded up. */
export function feeRateSatsPerVbyte(field: string, btcPerKvB: number | string): bigint {
  const satsPerKvB = btcToSats(field, btcPerKvB)
  if (satsPerKvB <= 0n) throw new NodeAnswerError(field, btcPerKvB, 'not a positive fee rate')
  return (satsPerKvB + 999n) / 1000n
}
