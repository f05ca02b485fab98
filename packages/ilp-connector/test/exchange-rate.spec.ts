import { MAX_UINT64 } from '@stack/ilp-core'
import BigNumber from 'bignumber.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  applyConversion,
  conversionFactor,
  toConversion,
  convertAmount,
  InvalidRateTableError,
  InvalidSpreadError,
  maxConvertibleAmount,
  parseRateTable,
  parseSpread,
  StaticRateBackend,
} from '../src/rates/exchange-rate.js'
import { PollingRateBackend } from '../src/rates/polling-rate-backend.js'
import { recordingLogger } from './fixtures.js'

const usd2 = { code: 'USD', scale: 2 }
const eur6 = { code: 'EUR', scale: 6 }
const jpy0 = { code: 'JPY', scale: 0 }

describe('convertAmount', () => {
  it('applies rate, spread and the scale difference exactly', () => {
    const factor = conversionFactor(new BigNumber('0.9'), parseSpread('0.01'), usd2, eur6)
    // 12.34 USD × 0.9 × 0.99 = 10.99494 EUR
    expect(convertAmount(1234n, factor)).toBe(10_994_940n)
  })

  it('rounds the amount sent on down, never up', () => {
    const factor = conversionFactor(new BigNumber('1'), new BigNumber(0), eur6, jpy0)
    expect(convertAmount(1_999_999n, factor)).toBe(1n)
    const third = conversionFactor(new BigNumber(1).div(3), new BigNumber(0), jpy0, jpy0)
    expect(convertAmount(3n, third)).toBe(0n) // 0.999… of a yen is not a yen
  })

  it('is exact beyond 2^53 (no JS numbers on the way)', () => {
    const factor = conversionFactor(new BigNumber('1'), new BigNumber('0'), jpy0, jpy0)
    expect(convertAmount(MAX_UINT64, factor)).toBe(MAX_UINT64)
    const double = conversionFactor(new BigNumber('2'), new BigNumber('0'), jpy0, jpy0)
    expect(convertAmount(MAX_UINT64, double)).toBe(MAX_UINT64 * 2n)
  })

  it('never gives more than amount × rate × (1 − spread) (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: MAX_UINT64 }),
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.integer({ min: 0, max: 9_999 }),
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 0, max: 12 }),
        (amount, rateMillionths, spreadBasisPoints, sourceScale, destScale) => {
          const rate = new BigNumber(rateMillionths).shiftedBy(-6)
          const spread = new BigNumber(spreadBasisPoints).shiftedBy(-4)
          const out = convertAmount(amount, conversionFactor(rate, spread, { code: 'A', scale: sourceScale }, { code: 'B', scale: destScale }))
          // Compare in integers: out × 10^(6+4+sourceScale) ≤ amount × rateMillionths × (10^4 − bp) × 10^destScale < (out + 1) × …
          const exact = amount * BigInt(rateMillionths) * BigInt(10_000 - spreadBasisPoints) * 10n ** BigInt(destScale)
          const unit = 10n ** BigInt(10 + sourceScale)
          expect(out * unit <= exact).toBe(true)
          expect((out + 1n) * unit > exact).toBe(true)
        },
      ),
      { numRuns: 300 },
    )
  })
})

describe('applyConversion', () => {
  it('gives exactly what convertAmount gives, in bigint arithmetic', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: MAX_UINT64 }),
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.integer({ min: 0, max: 9_999 }),
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 0, max: 12 }),
        (amount, rateMillionths, spreadBasisPoints, sourceScale, destScale) => {
          const rate = new BigNumber(rateMillionths).shiftedBy(-6).div(3) // a rate cut from a division
          const spread = new BigNumber(spreadBasisPoints).shiftedBy(-4)
          const factor = conversionFactor(rate, spread, { code: 'A', scale: sourceScale }, { code: 'B', scale: destScale })
          expect(applyConversion(amount, toConversion(factor))).toBe(convertAmount(amount, factor))
        },
      ),
      { numRuns: 300 },
    )
  })
})

describe('maxConvertibleAmount', () => {
  it('is undefined when every UInt64 converts into a UInt64', () => {
    expect(maxConvertibleAmount(new BigNumber('0.5'))).toBeUndefined()
    expect(maxConvertibleAmount(new BigNumber('1'))).toBeUndefined()
  })

  it('is the largest amount that still fits (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1_000_001, max: 1_000_000_000 }), fc.integer({ min: 0, max: 8 }), (millionths, shift) => {
        const factor = new BigNumber(millionths).shiftedBy(-6 + shift)
        const max = maxConvertibleAmount(factor)
        expect(max).toBeDefined()
        expect(convertAmount(max!, factor) <= MAX_UINT64).toBe(true)
        expect(convertAmount(max! + 1n, factor) > MAX_UINT64).toBe(true)
      }),
      { numRuns: 100 },
    )
  })
})

describe('rate backends', () => {
  it('static: rate(A, B) = price(B) / price(A); same asset is 1; unknown is undefined', () => {
    const rates = new StaticRateBackend({ USD: '1', EUR: '0.9', JPY: 150 })
    expect(rates.rate('USD', 'EUR')?.toString()).toBe('0.9')
    expect(rates.rate('EUR', 'JPY')?.toString()).toBe('166.6666666666666666666666666666666666666666')
    expect(rates.rate('XRP', 'XRP')?.toString()).toBe('1')
    expect(rates.rate('USD', 'XRP')).toBeUndefined()
  })

  it('hands out one rate object per pair, so the switch converts without dividing per packet', () => {
    const rates = new StaticRateBackend({ USD: '1', EUR: '0.9' })
    expect(rates.rate('USD', 'EUR')).toBe(rates.rate('USD', 'EUR'))
    expect(rates.rate('USD', 'USD')).toBe(rates.rate('USD', 'USD'))
  })

  it('refuses a table with a rate that is not a positive decimal, and a spread outside [0, 1)', () => {
    expect(() => new StaticRateBackend({ USD: '0' })).toThrow(InvalidRateTableError)
    expect(() => new StaticRateBackend({ USD: 'abc' })).toThrow(InvalidRateTableError)
    expect(() => parseSpread('1')).toThrow(InvalidSpreadError)
    expect(() => parseSpread('-0.1')).toThrow(InvalidSpreadError)
  })

  describe('polling', () => {
    it('loads from its source, picks up changes on refresh, and refuses before the first load', async () => {
      let table = '{"USD":"1","EUR":"0.9"}'
      const rates = new PollingRateBackend(async () => parseRateTable(JSON.parse(table)), { logger: recordingLogger() })
      expect(rates.rate('USD', 'EUR')).toBeUndefined()
      await rates.start()
      rates.stop()
      expect(rates.rate('USD', 'EUR')?.toString()).toBe('0.9')
      table = '{"USD":"1","EUR":"0.95"}'
      await rates.refresh()
      expect(rates.rate('USD', 'EUR')?.toString()).toBe('0.95')
    })

    it('keeps the last rates when a refresh fails, until they are older than maxAgeMs', async () => {
      let fail = false
      let now = 0
      const source = async () => {
        if (fail) throw new Error('source down')
        return parseRateTable({ USD: '1', EUR: '0.9' })
      }
      const rates = new PollingRateBackend(source, { maxAgeMs: 1000, now: () => now })
      await rates.refresh()
      fail = true
      await expect(rates.refresh()).rejects.toThrow('source down')
      now = 1000
      expect(rates.rate('USD', 'EUR')?.toString()).toBe('0.9')
      now = 1001
      expect(rates.rate('USD', 'EUR')).toBeUndefined()
    })
  })
})
