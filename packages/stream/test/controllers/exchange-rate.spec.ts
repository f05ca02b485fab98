import { MAX_UINT64 } from '@stack/ilp-core'
import { describe, expect, it } from 'vitest'
import { ExchangeRateController, parseRatio, PROBE_AMOUNTS, type ProbeOutcome } from '../../src/controllers/exchange-rate.js'

const delivered = (amount: bigint): ProbeOutcome => ({ type: 'delivered', amount })
const temporary: ProbeOutcome = { type: 'temporary' }
const tooLarge: ProbeOutcome = { type: 'too-large' }

describe('ExchangeRateController', () => {
  it('probes every third power of ten up to the UInt64 maximum, capped at the max packet amount and including it', () => {
    expect(new ExchangeRateController().startProbe(MAX_UINT64, 'initial')).toEqual(PROBE_AMOUNTS)
    expect(PROBE_AMOUNTS.at(-1)).toBe(MAX_UINT64)
    expect(new ExchangeRateController().startProbe(5_000n, 'initial')).toEqual([1n, 1_000n, 5_000n])
  })

  it('takes the probe that delivered the most, and applies slippage rounding down', () => {
    const c = new ExchangeRateController({ slippage: 0.01 })
    c.startProbe(1_000n, 'initial')
    expect(c.onProbeReply(1n, delivered(1n), 1_000n)).toEqual({ type: 'wait' })
    expect(c.onProbeReply(1_000n, delivered(1_234n), 1_000n)).toEqual({ type: 'done', ok: true })
    expect(c.state).toEqual({ type: 'known', sent: 1_000n, delivered: 1_234n })
    // 100 × 1.234 × 0.99 = 122.166 → 122
    expect(c.minDestination(100n)).toBe(122n)
    // The rate is below 1.235: 999 units deliver at most 1 233.7, 1 000 could deliver 1 235.
    expect(c.maxSourceFor(1_234n)).toBe(999n)
    expect(c.expectedDestination(1_000n)).toBe(1_235n)
  })

  it('does not take a probe that delivered nothing for the rate: it probes the max packet amount an F08 told', () => {
    const c = new ExchangeRateController()
    expect(c.startProbe(MAX_UINT64, 'initial')).toHaveLength(PROBE_AMOUNTS.length)
    c.onProbeReply(1n, delivered(0n), MAX_UINT64)
    c.onProbeReply(1_000n, delivered(0n), MAX_UINT64)
    for (const amount of PROBE_AMOUNTS.slice(2, -1)) expect(c.onProbeReply(amount, tooLarge, 50_000n)).toEqual({ type: 'wait' })
    expect(c.onProbeReply(MAX_UINT64, tooLarge, 50_000n)).toEqual({ type: 'round', amounts: [50_000n] })
    expect(c.state.type).toBe('probing')
    expect(c.onProbeReply(50_000n, delivered(4n), 50_000n)).toEqual({ type: 'done', ok: true })
    expect(c.state).toEqual({ type: 'known', sent: 50_000n, delivered: 4n })
  })

  it('fails with rate-rounds-to-zero only once the largest amount the path carries delivered nothing', () => {
    const c = new ExchangeRateController()
    c.startProbe(1_000n, 'initial')
    c.onProbeReply(1n, delivered(0n), 1_000n)
    expect(c.onProbeReply(1_000n, temporary, 1_000n)).toEqual({ type: 'round', amounts: [1_000n] })
    expect(c.onProbeReply(1_000n, delivered(0n), 1_000n)).toEqual({ type: 'done', ok: false })
    expect(c.state).toEqual({ type: 'failed', reason: 'rate-rounds-to-zero' })
  })

  it('gives up as unreachable after rounds that learn nothing', () => {
    const c = new ExchangeRateController()
    c.startProbe(1n, 'initial')
    for (let round = 1; round < 6; round++) expect(c.onProbeReply(1n, temporary, 1n)).toEqual({ type: 'round', amounts: [1n] })
    expect(c.onProbeReply(1n, temporary, 1n)).toEqual({ type: 'done', ok: false })
    expect(c.state).toEqual({ type: 'failed', reason: 'unreachable' })
  })

  it('stops at six significant digits, without retrying larger probes that failed', () => {
    const c = new ExchangeRateController()
    const amounts = c.startProbe(MAX_UINT64, 'initial')
    for (const amount of amounts.slice(0, -1)) c.onProbeReply(amount, amount >= 10n ** 9n ? temporary : delivered(amount * 2n), MAX_UINT64)
    expect(c.onProbeReply(MAX_UINT64, temporary, MAX_UINT64)).toEqual({ type: 'done', ok: true })
    expect(c.state).toEqual({ type: 'known', sent: 1_000_000n, delivered: 2_000_000n })
  })

  it('with three significant digits known, ends on a round whose larger probes all come back temporary (a credit limit below them)', () => {
    const c = new ExchangeRateController()
    const amounts = c.startProbe(MAX_UINT64, 'initial')
    // 10^6 sent delivers 998 000 (under six digits): the larger ones hit a T04 and are tried once more.
    for (const amount of amounts) c.onProbeReply(amount, amount >= 10n ** 9n ? temporary : delivered((amount * 998n) / 1000n), MAX_UINT64)
    expect(c.state.type).toBe('probing')
    const retried = [10n ** 9n, 10n ** 12n, 10n ** 15n, 10n ** 18n, MAX_UINT64]
    for (const amount of retried.slice(0, -1)) expect(c.onProbeReply(amount, temporary, MAX_UINT64)).toEqual({ type: 'wait' })
    expect(c.onProbeReply(MAX_UINT64, temporary, MAX_UINT64)).toEqual({ type: 'done', ok: true })
    expect(c.state).toEqual({ type: 'known', sent: 1_000_000n, delivered: 998_000n })
  })

  it('re-probes from the measured amount (or the new max packet amount), keeping the first minimum', () => {
    const c = new ExchangeRateController({ slippage: 0.01 })
    c.startProbe(10_000n, 'initial')
    c.onProbeReply(1n, delivered(1n), 10_000n)
    c.onProbeReply(1_000n, delivered(1_000n), 10_000n)
    c.onProbeReply(10_000n, delivered(10_000n), 10_000n)
    expect(c.epoch).toBe(1)
    expect(c.minDestination(1_000n)).toBe(990n)
    // A lower max packet amount: only it is probed, and the old measurement stands meanwhile.
    expect(c.startProbe(5_000n, 'max-packet')).toEqual([5_000n])
    expect(c.measurement).toEqual({ sent: 10_000n, delivered: 10_000n })
    c.onProbeReply(5_000n, delivered(4_000n), 5_000n)
    expect(c).toMatchObject({ epoch: 2, cause: 'max-packet', state: { type: 'known', sent: 5_000n, delivered: 4_000n } })
    // The worse rate does not lower the minimum: it is no longer acceptable.
    expect(c.minDestination(1_000n)).toBe(990n)
    expect(c.acceptable).toBe(false)
  })

  it('sizes packets for a receiver\'s room by the upper bound of the rate, so they never overshoot it', () => {
    const c = new ExchangeRateController()
    c.startProbe(500n, 'initial')
    c.onProbeReply(1n, delivered(0n), 500n)
    c.onProbeReply(500n, delivered(445n), 500n)
    // At a rate in [0.89, 0.892): 1 unit delivers 0, 2 deliver 1.
    expect(c.maxSourceFor(0n)).toBe(0n)
    expect(c.maxSourceFor(1n)).toBe(2n)
    expect(c.maxSourceFor(445n)).toBe(499n)
    for (const room of [1n, 2n, 100n, 445n]) expect(((c.maxSourceFor(room) * 446n) - 1n) / 500n).toBeLessThanOrEqual(room)
  })

  it('follows the max packet amount down while re-probing', () => {
    const c = new ExchangeRateController()
    c.startProbe(1_000n, 'initial')
    c.onProbeReply(1n, delivered(2n), 1_000n)
    c.onProbeReply(1_000n, delivered(2_000n), 1_000n)
    expect(c.startProbe(500n, 'max-packet')).toEqual([500n])
    expect(c.onProbeReply(500n, tooLarge, 400n)).toEqual({ type: 'round', amounts: [400n] })
    expect(c.onProbeReply(400n, delivered(800n), 400n)).toEqual({ type: 'done', ok: true })
    expect(c.state).toEqual({ type: 'known', sent: 400n, delivered: 800n })
  })

  it('never asks for nothing for a positive amount, unless the minimum rate is 0', () => {
    const c = new ExchangeRateController()
    c.startProbe(50_000n, 'initial')
    c.onProbeReply(1n, delivered(0n), 50_000n)
    c.onProbeReply(1_000n, delivered(0n), 50_000n)
    c.onProbeReply(50_000n, delivered(4n), 50_000n)
    expect(c.minDestination(25_000n)).toBe(1n)
    expect(c.minDestination(5_000n)).toBe(1n)
    expect(c.minDestination(0n)).toBe(0n)
    const free = new ExchangeRateController({ minExchangeRate: '0' })
    free.startProbe(1n, 'initial')
    free.onProbeReply(1n, delivered(1n), 1n)
    expect(free.minDestination(5n)).toBe(0n)
  })

  it('enforces an absolute minimum rate over slippage', () => {
    const c = new ExchangeRateController({ minExchangeRate: '0.5' })
    c.startProbe(1_000n, 'initial')
    c.onProbeReply(1n, delivered(0n), 1_000n)
    c.onProbeReply(1_000n, delivered(400n), 1_000n)
    expect(c.acceptable).toBe(false)
    expect(c.minDestination(1_001n)).toBe(500n)
  })

  it('parses decimal rates exactly', () => {
    expect(parseRatio('0.95')).toEqual({ numerator: 95n, denominator: 100n })
    expect(parseRatio(2)).toEqual({ numerator: 2n, denominator: 1n })
    expect(() => parseRatio('-1')).toThrow(RangeError)
  })
})
