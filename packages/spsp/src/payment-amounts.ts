/**
 * The arithmetic of a quote, pure and exact (bigint only): what the sender may spend at most
 * and what the receiver should get, from the probed rate and the caller's slippage.
 * Rates here are in the assets' smallest units (destination units per source unit).
 */

/** A non-negative rational. */
export interface Ratio {
  readonly numerator: bigint
  readonly denominator: bigint
}

/** The probed rate: `sent` source units arrived as `delivered` destination units (RFC 0029 §3.4). */
export interface ProbedRate {
  readonly sent: bigint
  readonly delivered: bigint
}

/** Fixed source: spend exactly this. Fixed delivery: the receiver gets exactly this (or more by rounding). */
export type PaymentTarget =
  | { readonly type: 'fixed-send'; readonly amount: bigint }
  | { readonly type: 'fixed-delivery'; readonly amount: bigint }

export interface QuoteAmounts {
  /** The most the payment ever sends, source units: the hard cap `pay` enforces. */
  readonly maxSourceAmount: bigint
  /** Source units at the probed rate. */
  readonly estimatedSourceAmount: bigint
  /** Destination units at the probed rate. */
  readonly estimatedDeliveryAmount: bigint
  /** The least the receiver gets if every packet goes through at the minimum rate (per-packet rounding aside). */
  readonly minDeliveryAmount: bigint
  /** The probed rate less slippage: every packet carries this as its minimum (RFC 0029 §3.4). */
  readonly minExchangeRate: Ratio
}

/** The most decimals a slippage may have: the STREAM connection applies it to 1e-9. */
export const SLIPPAGE_DECIMALS = 9

/**
 * Parses a non-negative decimal (`"0.01"`, `"12"`, `".5"`) exactly into a Ratio; undefined
 * when it is not one. A number is accepted only when it prints as such a decimal.
 */
export function parseDecimal(value: string | number): Ratio | undefined {
  const text = typeof value === 'number' ? (Number.isFinite(value) && value >= 0 ? numberText(value) : '') : value
  const match = /^(\d*)(?:\.(\d*))?$/.exec(text)
  if (match === null || text === '' || text === '.') return undefined
  const whole = match[1] ?? ''
  const fraction = match[2] ?? ''
  return { numerator: BigInt(`${whole}${fraction}` || '0'), denominator: 10n ** BigInt(fraction.length) }
}

function numberText(value: number): string {
  const text = String(value)
  // 1e-7 and the like: write the decimals out (slippage is never that small in practice).
  return /e/i.test(text) ? value.toFixed(20).replace(/0+$/, '') : text
}

/** Slippage: a fraction in [0, 1), at most 9 decimals. */
export function parseSlippage(value: string | number): Ratio | undefined {
  const ratio = parseDecimal(value)
  if (ratio === undefined || ratio.numerator >= ratio.denominator) return undefined
  if (ratio.denominator > 10n ** BigInt(SLIPPAGE_DECIMALS)) {
    const scaled = ratio.numerator * 10n ** BigInt(SLIPPAGE_DECIMALS)
    if (scaled % ratio.denominator !== 0n) return undefined
  }
  return ratio
}

function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b
}

/**
 * The amounts of a quote. Undefined when the target cannot be enforced: a fixed delivery
 * over a rate that rounds to zero at the minimum (nothing bounds what it would cost).
 */
export function quoteAmounts(target: PaymentTarget, rate: ProbedRate, slippage: Ratio): QuoteAmounts | undefined {
  const minExchangeRate: Ratio = {
    numerator: rate.delivered * (slippage.denominator - slippage.numerator),
    denominator: rate.sent * slippage.denominator,
  }
  if (target.type === 'fixed-send') {
    return {
      maxSourceAmount: target.amount,
      estimatedSourceAmount: target.amount,
      estimatedDeliveryAmount: (target.amount * rate.delivered) / rate.sent,
      minDeliveryAmount: (target.amount * minExchangeRate.numerator) / minExchangeRate.denominator,
      minExchangeRate,
    }
  }
  if (minExchangeRate.numerator === 0n) return undefined
  return {
    // At the minimum rate this many source units deliver the target: never spend more.
    maxSourceAmount: ceilDiv(target.amount * minExchangeRate.denominator, minExchangeRate.numerator),
    estimatedSourceAmount: ceilDiv(target.amount * rate.sent, rate.delivered),
    estimatedDeliveryAmount: target.amount,
    minDeliveryAmount: target.amount,
    minExchangeRate,
  }
}

/**
 * The next source amount to send for a fixed delivery: enough, at the probed rate, for what
 * is left to deliver (at least one unit), never past `maxSourceAmount`.
 */
export function nextDeliveryRound(left: bigint, rate: ProbedRate, sent: bigint, maxSourceAmount: bigint): bigint {
  if (left <= 0n) return 0n
  let amount = ceilDiv(left * rate.sent, rate.delivered)
  if (amount < 1n) amount = 1n
  const room = maxSourceAmount - sent
  return amount < room ? amount : room > 0n ? room : 0n
}

/**
 * Whether the probed rate, moved to the assets' units, meets a floor in the assets' units
 * (destination asset per source asset, e.g. 0.85 EUR per USD).
 */
export function meetsAssetRate(rate: ProbedRate, sourceScale: number, destinationScale: number, floor: Ratio): boolean {
  // delivered/sent · 10^sourceScale / 10^destinationScale ≥ floor
  return rate.delivered * 10n ** BigInt(sourceScale) * floor.denominator >= floor.numerator * rate.sent * 10n ** BigInt(destinationScale)
}

/**
 * An amount in an asset's units with decimals ("12.34") as an integer of its smallest units
 * (1234 at scale 2), exactly. Undefined when it is not a plain non-negative decimal or has
 * more decimals than the scale allows (nothing is rounded away silently).
 */
export function parseAssetAmount(text: string, scale: number): bigint | undefined {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text) ?? /^()\.(\d+)$/.exec(text)
  if (match === null) return undefined
  const whole = match[1] ?? ''
  const fraction = (match[2] ?? '').replace(/0+$/, '')
  if (fraction.length > scale) return undefined
  return BigInt(`${whole || '0'}${fraction.padEnd(scale, '0')}`)
}

/** An integer of smallest units as a decimal in the asset's units: 1234n at scale 2 → "12.34". */
export function formatAssetAmount(amount: bigint, scale: number): string {
  const negative = amount < 0n
  const digits = (negative ? -amount : amount).toString().padStart(scale + 1, '0')
  const whole = digits.slice(0, digits.length - scale)
  const fraction = digits.slice(digits.length - scale)
  return `${negative ? '-' : ''}${whole}${scale > 0 ? `.${fraction}` : ''}`
}
