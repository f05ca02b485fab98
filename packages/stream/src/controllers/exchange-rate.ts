import { MAX_UINT64 } from '@stack/ilp-core'

/** A non-negative rational, destination units per source unit. */
export interface Ratio {
  numerator: bigint
  denominator: bigint
}

/**
 * Parses a rate given by the application ("0.95", 0.95, 1e-3) exactly into a Ratio, so
 * that no JS `number` arithmetic touches an amount.
 */
export function parseRatio(value: number | string): Ratio {
  let text = typeof value === 'number' ? value.toFixed(18) : value.trim()
  if (!/^\d+(\.\d+)?$/.test(text)) throw new RangeError(`not a non-negative decimal: ${String(value)}`)
  text = text.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '')
  const dot = text.indexOf('.')
  if (dot === -1) return { numerator: BigInt(text), denominator: 1n }
  const decimals = text.length - dot - 1
  return { numerator: BigInt(text.slice(0, dot) + text.slice(dot + 1)), denominator: 10n ** BigInt(decimals) }
}

/**
 * The path's exchange rate, and how it is known (RFC 0029 §3.4): not yet, being probed
 * with unfulfillable test packets, or from the probe that delivered the most units.
 */
export type RateState =
  | { type: 'unknown' }
  | { type: 'probing'; attempt: number; pending: number; best: { sent: bigint; delivered: bigint } | undefined }
  | { type: 'known'; sent: bigint; delivered: bigint }
  | { type: 'failed'; reason: string }

export interface ExchangeRateOptions {
  /** Accepted loss against the probed rate, as a fraction. Default 0.01. */
  slippage?: number
  /** The least the application accepts, destination units per source unit; overrides slippage. */
  minExchangeRate?: number | string
}

/** RFC 0029 §3.4 probes: one per order of magnitude, capped by what the path forwards. */
export const PROBE_AMOUNTS = [1n, 1_000n, 1_000_000n, 1_000_000_000n, 1_000_000_000_000n]
const SCALE = 1_000_000_000n

export class ExchangeRateController {
  state: RateState = { type: 'unknown' }
  private readonly slippageComplement: bigint
  private readonly floor: Ratio | undefined

  constructor(options: ExchangeRateOptions = {}) {
    const slippage = options.slippage ?? 0.01
    if (!(slippage >= 0 && slippage <= 1)) throw new RangeError(`slippage must be in [0, 1], got ${slippage}`)
    this.slippageComplement = SCALE - BigInt(Math.round(slippage * Number(SCALE)))
    this.floor = options.minExchangeRate === undefined ? undefined : parseRatio(options.minExchangeRate)
  }

  get known(): boolean {
    return this.state.type === 'known'
  }

  /** Starts a round of probes; returns their amounts (below `maxPacket`, no duplicates). */
  startProbe(maxPacket: bigint): bigint[] {
    const attempt = this.state.type === 'probing' ? this.state.attempt + 1 : 1
    const amounts = new Set<bigint>()
    for (const amount of PROBE_AMOUNTS) amounts.add(amount < maxPacket ? amount : maxPacket)
    if (maxPacket !== MAX_UINT64) amounts.add(maxPacket)
    amounts.delete(0n)
    const best = this.state.type === 'probing' ? this.state.best : undefined
    this.state = { type: 'probing', attempt, pending: amounts.size, best }
    return [...amounts]
  }

  /** One probe came back with the receiver's STREAM reply: `delivered` arrived for `sent`. */
  onProbeReply(sent: bigint, delivered: bigint | undefined): void {
    if (this.state.type !== 'probing') return
    this.state.pending--
    // The probe that delivered the most has the most significant digits (RFC 0029 §3.4).
    if (delivered !== undefined && (this.state.best === undefined || delivered > this.state.best.delivered)) {
      this.state.best = { sent, delivered }
    }
  }

  /** After the last probe of a round: the rate if one probe got through. */
  finishProbe(): boolean {
    if (this.state.type !== 'probing' || this.state.pending > 0) return false
    const { best } = this.state
    if (best === undefined) return false
    this.state = { type: 'known', sent: best.sent, delivered: best.delivered }
    return true
  }

  fail(reason: string): void {
    this.state = { type: 'failed', reason }
  }

  /** The minimum acceptable rate: the application's floor, or the probed rate less slippage. */
  get minimumRate(): Ratio | undefined {
    if (this.floor !== undefined) return this.floor
    if (this.state.type !== 'known') return undefined
    return { numerator: this.state.delivered * this.slippageComplement, denominator: this.state.sent * SCALE }
  }

  /** Whether the probed rate meets the application's floor (always, without one). */
  get acceptable(): boolean {
    if (this.state.type !== 'known') return false
    if (this.floor === undefined) return true
    return this.state.delivered * this.floor.denominator >= this.floor.numerator * this.state.sent
  }

  /** RFC 0029 §3.4: what the receiver must get at least for `amount`, rounded down. */
  minDestination(amount: bigint): bigint {
    const rate = this.minimumRate
    if (rate === undefined) return 0n
    return (amount * rate.numerator) / rate.denominator
  }

  /** Source amount that, at the probed rate, delivers at most `destination` (the receiver's room). */
  maxSourceFor(destination: bigint): bigint {
    if (this.state.type !== 'known' || this.state.delivered === 0n) return MAX_UINT64
    const source = (destination * this.state.sent) / this.state.delivered
    return source > MAX_UINT64 ? MAX_UINT64 : source
  }

  /** Destination units `amount` is expected to deliver at the probed rate (for in-flight estimates). */
  expectedDestination(amount: bigint): bigint {
    if (this.state.type !== 'known') return 0n
    return (amount * this.state.delivered) / this.state.sent
  }

  /** Whether a packet that delivered `delivered` for `sent` is below the minimum rate. */
  belowMinimum(sent: bigint, delivered: bigint): boolean {
    const rate = this.minimumRate
    if (rate === undefined) return false
    return delivered * rate.denominator < sent * rate.numerator
  }
}
