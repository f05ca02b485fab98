import { MAX_UINT64 } from '@stack/ilp-core'
import type { RateProbeFailure } from '../connection-error.js'
import { atMostUInt64 } from '../wire/oer-writer.js'

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

/** One probe that arrived: `sent` source units were `delivered` destination units (> 0). */
export interface Measurement {
  sent: bigint
  delivered: bigint
}

/**
 * The path's exchange rate, and how it is known (RFC 0029 §3.4): not yet, being probed with
 * unfulfillable test packets (again, after F08 or F04, with the measurement it replaces), from
 * the probe that delivered the most, or not at all.
 */
export type RateState =
  | { type: 'unknown' }
  | { type: 'probing'; previous: Measurement | undefined }
  | ({ type: 'known' } & Measurement)
  | { type: 'failed'; reason: RateProbeFailure }

/** How one probe came back. */
export type ProbeOutcome =
  /** The receiver's reply said this much arrived; R01 (nothing left to forward on the way) is 0. */
  | { type: 'delivered'; amount: bigint }
  /** F08: the max packet amount has been lowered. */
  | { type: 'too-large' }
  /** T or R: worth another try. */
  | { type: 'temporary' }
  /** Any other reject without the receiver's reply: this amount does not get through. */
  | { type: 'final' }

/** What to do after a probe's reply. */
export type ProbeStep = { type: 'wait' } | { type: 'round'; amounts: bigint[] } | { type: 'done'; ok: boolean }

/** Why the rate is being (re-)probed: the first time, a lower max packet amount, or a receiver's F04. */
export type ProbeCause = 'initial' | 'max-packet' | 'rate'

export interface ExchangeRateOptions {
  /** Accepted loss against the probed rate, as a fraction. Default 0.01. */
  slippage?: number
  /** The least the application accepts, destination units per source unit; overrides slippage. */
  minExchangeRate?: number | string
}

/**
 * Probe amounts: every third power of ten, then the UInt64 maximum, each capped at the path's
 * max packet amount, which is probed too once an F08 has told it.
 */
export const PROBE_AMOUNTS = [1n, 10n ** 3n, 10n ** 6n, 10n ** 9n, 10n ** 12n, 10n ** 15n, 10n ** 18n, MAX_UINT64]
/** A probe delivering this much gives the rate to 6 significant digits: larger ones add nothing. */
const PRECISE_DELIVERY = 1_000_000n
/** Rounds of probes that learn nothing new (every one a temporary reject) before giving up. */
const MAX_IDLE_ROUNDS = 6
/**
 * A probe delivering this much gives the rate to 3 significant digits: with it, a round whose
 * larger probes all come back temporary ends the session. Those are usually T04 from a credit
 * limit below them, which retrying for more digits would wait out for seconds (backing off).
 */
const USABLE_DELIVERY = 1_000n
const SCALE = 1_000_000_000n

interface Session {
  cause: ProbeCause
  /** Smaller probes tell less than the measurement being replaced: a re-probe starts here. */
  from: bigint
  outcomes: Map<bigint, ProbeOutcome['type'] | 'pending'>
  /** The probe that delivered the most so far, 0 included. */
  best: { sent: bigint; delivered: bigint } | undefined
  pending: number
  idleRounds: number
  learned: boolean
}

export class ExchangeRateController {
  state: RateState = { type: 'unknown' }
  /** Measurements completed; a money packet remembers the one it was priced with. */
  epoch = 0
  /** What started the session that produced the current measurement. */
  cause: ProbeCause = 'initial'
  private session: Session | undefined
  /** The known state's measurement as one object: it is read for every money packet. */
  private known: Measurement | undefined
  private readonly slippageComplement: bigint
  private readonly floor: Ratio | undefined
  /** RFC 0029 §3.4: fixed by the first measurement, so that re-probes never lower it. */
  private minimum: Ratio | undefined
  /** The largest source amount whose minimum destination amount is a UInt64, as a Prepare's must be. */
  maxSource = MAX_UINT64

  constructor(options: ExchangeRateOptions = {}) {
    const slippage = options.slippage ?? 0.01
    if (!(slippage >= 0 && slippage <= 1)) throw new RangeError(`slippage must be in [0, 1], got ${slippage}`)
    this.slippageComplement = SCALE - BigInt(Math.round(slippage * Number(SCALE)))
    this.floor = options.minExchangeRate === undefined ? undefined : parseRatio(options.minExchangeRate)
  }

  /** The latest measurement, also while a re-probe is under way. */
  get measurement(): Measurement | undefined {
    if (this.state.type === 'known') return this.known
    return this.state.type === 'probing' ? this.state.previous : undefined
  }

  /**
   * Starts probing, or re-probing a known rate at the amounts the path now carries; returns
   * the first round's amounts (none while a session is under way or after a failure).
   */
  startProbe(maxPacket: bigint, cause: ProbeCause): bigint[] {
    if (this.state.type === 'probing' || this.state.type === 'failed') return []
    const previous = this.measurement
    this.state = { type: 'probing', previous }
    const from = previous === undefined ? 0n : previous.sent < maxPacket ? previous.sent : maxPacket
    this.session = { cause, from, outcomes: new Map(), best: undefined, pending: 0, idleRounds: 0, learned: false }
    return this.round(maxPacket)
  }

  /** One probe came back; `maxPacket` is the limit after it (an F08 lowers it). */
  onProbeReply(sent: bigint, outcome: ProbeOutcome, maxPacket: bigint): ProbeStep {
    const session = this.session
    if (this.state.type !== 'probing' || session === undefined) return { type: 'wait' }
    session.pending--
    session.outcomes.set(sent, outcome.type)
    if (outcome.type === 'too-large') session.learned = true
    if (outcome.type === 'delivered' && better(outcome.amount, sent, session.best)) {
      session.best = { sent, delivered: outcome.amount }
      session.learned = true
    }
    if (session.pending > 0) return { type: 'wait' }
    const best = session.best
    const next = best !== undefined && best.delivered >= PRECISE_DELIVERY ? [] : this.plan(maxPacket)
    const usable = best !== undefined && best.delivered >= USABLE_DELIVERY
    if (next.length > 0 && (session.learned || (!usable && ++session.idleRounds < MAX_IDLE_ROUNDS))) return { type: 'round', amounts: this.round(maxPacket) }
    this.session = undefined
    if (best !== undefined && best.delivered > 0n) {
      this.state = { type: 'known', sent: best.sent, delivered: best.delivered }
      this.known = { sent: best.sent, delivered: best.delivered }
      this.epoch++
      this.cause = session.cause
      if (this.minimum === undefined) {
        const minimum = this.floor ?? { numerator: best.delivered * this.slippageComplement, denominator: best.sent * SCALE }
        this.minimum = minimum
        // amount × n / d < 2^64 exactly when amount ≤ (2^64 × d − 1) / n.
        if (minimum.numerator > 0n) this.maxSource = atMostUInt64(((MAX_UINT64 + 1n) * minimum.denominator - 1n) / minimum.numerator)
      }
      return { type: 'done', ok: true }
    }
    // RFC 0029 §3.4 gives no rate for a probe that delivered nothing: only when the largest
    // amount the path carries delivered nothing too does the rate round to zero.
    this.fail(best !== undefined && next.length === 0 ? 'rate-rounds-to-zero' : 'unreachable')
    return { type: 'done', ok: false }
  }

  fail(reason: RateProbeFailure): void {
    this.session = undefined
    this.state = { type: 'failed', reason }
  }

  /** Amounts worth probing: not yet answered, within the path's limit, larger than the best so far. */
  private plan(maxPacket: bigint): bigint[] {
    const session = this.session as Session
    const above = session.best?.sent ?? 0n
    const from = session.from < maxPacket ? session.from : maxPacket
    const amounts = new Set<bigint>()
    for (const candidate of [...PROBE_AMOUNTS, maxPacket]) {
      const amount = candidate < maxPacket ? candidate : maxPacket
      if (amount <= 0n || amount < from || amount <= above) continue
      const outcome = session.outcomes.get(amount)
      if (outcome === undefined || outcome === 'temporary') amounts.add(amount)
    }
    return [...amounts]
  }

  private round(maxPacket: bigint): bigint[] {
    const session = this.session as Session
    const amounts = this.plan(maxPacket)
    for (const amount of amounts) session.outcomes.set(amount, 'pending')
    session.pending = amounts.length
    session.learned = false
    return amounts
  }

  /**
   * Whether the latest measurement meets the minimum as a packet would: the probe delivered
   * at least what a packet of its amount must (a re-probe at a smaller amount measures less
   * precisely, and is judged with the same rounding as the packets it prices).
   */
  get acceptable(): boolean {
    return this.state.type === 'known' && this.minimum !== undefined && this.state.delivered >= this.minDestination(this.state.sent)
  }

  /**
   * RFC 0029 §3.4: what the receiver must get at least for `amount`, so that it refuses a
   * worse rate than the minimum: rounded down, and never nothing (a packet that delivers
   * nothing has no rate at all).
   */
  minDestination(amount: bigint): bigint {
    const rate = this.minimum
    if (rate === undefined) return 0n
    const min = (amount * rate.numerator) / rate.denominator
    return min === 0n && amount > 0n && rate.numerator > 0n ? 1n : min
  }

  /**
   * The largest source amount that cannot deliver more than `destination` (the receiver's
   * room): the measurement bounds the rate below (delivered + 1) / sent, and rounding on the
   * path only lowers what arrives. 0 when there is no room.
   */
  maxSourceFor(destination: bigint): bigint {
    const rate = this.measurement
    if (rate === undefined) return MAX_UINT64
    if (destination <= 0n) return 0n
    const source = ((destination + 1n) * rate.sent + rate.delivered) / (rate.delivered + 1n) - 1n
    return atMostUInt64(source)
  }

  /** The most `amount` can deliver at the measured rate (in-flight packets, held against the receiver's room). */
  expectedDestination(amount: bigint): bigint {
    const rate = this.measurement
    if (rate === undefined) return 0n
    return (amount * (rate.delivered + 1n)) / rate.sent
  }
}

/**
 * The probe that delivered the most has the most significant digits. Of two that delivered
 * the same, the smaller bounds the rate tighter from below (and, when that is 0, the larger
 * from above).
 */
function better(delivered: bigint, sent: bigint, best: { sent: bigint; delivered: bigint } | undefined): boolean {
  if (best === undefined || delivered > best.delivered) return true
  if (delivered < best.delivered) return false
  return delivered === 0n ? sent > best.sent : sent < best.sent
}
