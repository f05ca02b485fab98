import { describe, expect, it } from 'vitest'
import { ExchangeRateController, parseRatio } from '../../src/controllers/exchange-rate.js'

describe('ExchangeRateController', () => {
  it('probes one amount per order of magnitude below the max packet amount', () => {
    const c = new ExchangeRateController()
    expect(c.startProbe(5_000n)).toEqual([1n, 1_000n, 5_000n])
  })

  it('takes the rate from the probe that delivered most, and applies slippage', () => {
    const c = new ExchangeRateController({ slippage: 0.01 })
    c.startProbe(1_000n)
    c.onProbeReply(1n, 0n)
    c.onProbeReply(1_000n, 1_234n)
    expect(c.finishProbe()).toBe(true)
    expect(c.state).toEqual({ type: 'known', sent: 1_000n, delivered: 1_234n })
    // 100 × 1.234 × 0.99 = 122.166 → 122
    expect(c.minDestination(100n)).toBe(122n)
    expect(c.maxSourceFor(1_234n)).toBe(1_000n)
    expect(c.belowMinimum(100n, 121n)).toBe(true)
    expect(c.belowMinimum(100n, 123n)).toBe(false)
  })

  it('does not finish while probes are pending, nor without any reply', () => {
    const c = new ExchangeRateController()
    c.startProbe(10n)
    c.onProbeReply(1n, undefined)
    expect(c.finishProbe()).toBe(false)
  })

  it('enforces an absolute minimum rate over slippage', () => {
    const c = new ExchangeRateController({ minExchangeRate: '0.5' })
    c.startProbe(1n)
    c.onProbeReply(1n, 0n)
    c.finishProbe()
    expect(c.acceptable).toBe(false)
    expect(c.minDestination(1_001n)).toBe(500n)
  })

  it('parses decimal rates exactly', () => {
    expect(parseRatio('0.95')).toEqual({ numerator: 95n, denominator: 100n })
    expect(parseRatio(2)).toEqual({ numerator: 2n, denominator: 1n })
    expect(() => parseRatio('-1')).toThrow(RangeError)
  })
})
