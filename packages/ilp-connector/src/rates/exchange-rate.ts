import { MAX_UINT64, type Asset } from '@stack/ilp-core'
import BigNumber from 'bignumber.js'

/** Where rates come from. Undefined when the pair is unknown (or the rates are stale). */
export interface RateBackend {
  /** Units of `destCode` per unit of `sourceCode`, both at scale 0. */
  rate(sourceCode: string, destCode: string): BigNumber | undefined
}

/** Each asset's price in one common base: `{ USD: '1', EUR: '0.92' }` = 1 USD buys 0.92 EUR. */
export type RateTable = Readonly<Record<string, BigNumber.Value>>

// Our own constructor, so no other package's BigNumber.config changes how we round. A rate
// that is a quotient is cut to 40 decimals, rounded DOWN: the error only ever lowers what we
// send on, never raises it (the rounding rule below).
const Decimal = BigNumber.clone({ DECIMAL_PLACES: 40, ROUNDING_MODE: BigNumber.ROUND_DOWN, EXPONENTIAL_AT: 1e9 })

/** A table that is always valid: rates positive and finite; checked when built. */
export class InvalidRateTableError extends Error {
  override readonly name = 'InvalidRateTableError'
  constructor(readonly code: string, readonly value: unknown) {
    super(`rate for ${JSON.stringify(code)} is not a positive finite decimal: ${JSON.stringify(value)}`)
  }
}

/** Checks a parsed JSON rate table: an object of asset code → positive decimal (string or number). */
export function parseRateTable(json: unknown): Map<string, BigNumber> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new InvalidRateTableError('', json)
  }
  const table = new Map<string, BigNumber>()
  for (const [code, value] of Object.entries(json)) {
    const rate = typeof value === 'string' || typeof value === 'number' ? new Decimal(value) : undefined
    if (rate === undefined || !rate.isFinite() || !rate.isGreaterThan(0)) {
      throw new InvalidRateTableError(code, value)
    }
    table.set(code, rate)
  }
  return table
}

/**
 * Rates from a table of prices in a common base: rate(A, B) = price(B) / price(A). Each pair
 * is divided once and the same object handed out after, so the switch's per-pair conversion
 * cache (keyed on the rate object) holds until the table is replaced.
 */
export class PriceTable {
  readonly #prices: ReadonlyMap<string, BigNumber>
  readonly #rates = new Map<string, BigNumber | undefined>()

  constructor(prices: ReadonlyMap<string, BigNumber>) {
    this.#prices = prices
  }

  rate(sourceCode: string, destCode: string): BigNumber | undefined {
    const pair = `${sourceCode}\n${destCode}`
    if (this.#rates.has(pair)) return this.#rates.get(pair)
    const source = this.#prices.get(sourceCode)
    const dest = this.#prices.get(destCode)
    const rate =
      sourceCode === destCode ? new Decimal(1)
      : source === undefined || dest === undefined ? undefined
      : new Decimal(dest).dividedBy(source)
    this.#rates.set(pair, rate)
    return rate
  }
}

/** A fixed table. Same-asset pairs are 1 whether listed or not. */
export class StaticRateBackend implements RateBackend {
  readonly #table: PriceTable

  constructor(table: RateTable = {}) {
    this.#table = new PriceTable(parseRateTable(table))
  }

  rate(sourceCode: string, destCode: string): BigNumber | undefined {
    return this.#table.rate(sourceCode, destCode)
  }
}

/** A spread out of [0, 1). */
export class InvalidSpreadError extends Error {
  override readonly name = 'InvalidSpreadError'
  constructor(readonly spread: string) {
    super(`spread ${spread} is not in [0, 1)`)
  }
}

/** Checks a spread (the connector's margin, a fraction: 0.002 = 0.2 %). */
export function parseSpread(spread: BigNumber.Value): BigNumber {
  const value = new Decimal(spread)
  if (!value.isFinite() || value.isLessThan(0) || value.isGreaterThanOrEqualTo(1)) {
    throw new InvalidSpreadError(String(spread))
  }
  return value
}

/**
 * The factor applied to a source amount: rate × (1 − spread) × 10^(destScale − sourceScale).
 * Exact: bignumber.js multiplies and shifts without rounding.
 */
export function conversionFactor(rate: BigNumber, spread: BigNumber, source: Asset, dest: Asset): BigNumber {
  return new Decimal(rate).times(new Decimal(1).minus(spread)).shiftedBy(dest.scale - source.scale)
}

/**
 * destAmount = floor(sourceAmount × factor). The rounding rule: the amount sent on is always
 * rounded DOWN, so rounding never costs the connector. May exceed UInt64; the caller checks.
 */
export function convertAmount(sourceAmount: bigint, factor: BigNumber): bigint {
  const dest = new Decimal(sourceAmount.toString()).times(factor).integerValue(BigNumber.ROUND_FLOOR)
  return BigInt(dest.toFixed(0))
}

/** A conversion factor as an exact fraction, so the per-packet path is bigint arithmetic. */
export interface Conversion {
  readonly factor: BigNumber
  readonly numerator: bigint
  readonly denominator: bigint
}

export function toConversion(factor: BigNumber): Conversion {
  const [numerator, denominator] = factor.toFraction()
  return { factor, numerator: BigInt(numerator.toFixed(0)), denominator: BigInt(denominator.toFixed(0)) }
}

/** Same result as `convertAmount(amount, conversion.factor)`: floor, the rounding rule above. */
export function applyConversion(amount: bigint, conversion: Conversion): bigint {
  return (amount * conversion.numerator) / conversion.denominator
}

/**
 * The largest source amount whose conversion still fits a UInt64: what an F08 for an
 * overflowing conversion reports as its maximum. Undefined when every UInt64 fits.
 */
export function maxConvertibleAmount(factor: BigNumber): bigint | undefined {
  if (convertAmount(MAX_UINT64, factor) <= MAX_UINT64) return undefined
  // floor(x × f) ≤ M ⇔ x × f < M + 1 ⇔ x < (M + 1) / f. The quotient is rounded, so step to
  // the exact answer by checking neighbours.
  let x = BigInt(new Decimal((MAX_UINT64 + 1n).toString()).dividedBy(factor).integerValue(BigNumber.ROUND_CEIL).toFixed(0)) - 1n
  while (x > 0n && convertAmount(x, factor) > MAX_UINT64) x--
  while (convertAmount(x + 1n, factor) <= MAX_UINT64) x++
  return x
}
