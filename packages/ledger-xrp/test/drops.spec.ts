import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { dropsToXrp as xrplDropsToXrp, xrpToDrops as xrplXrpToDrops } from 'xrpl'
import { checkDrops, dropsToXrp, InvalidDropsError, InvalidXrpAmountError, MAX_DROPS, xrpToDrops } from '../src/index.js'

describe('drops', () => {
  it('has 10^6 drops per XRP and a cap at the 100 billion XRP supply', () => {
    expect(xrpToDrops('1')).toBe(1_000_000n)
    expect(xrpToDrops('0.000001')).toBe(1n)
    expect(xrpToDrops('100000000000')).toBe(MAX_DROPS)
    expect(MAX_DROPS).toBe(10n ** 17n)
    expect(dropsToXrp(1_500_000n)).toBe('1.5')
    expect(dropsToXrp(0n)).toBe('0')
  })

  it('refuses amounts below 0, above the supply, or not bigints, naming the field', () => {
    expect(() => checkDrops('amount', -1n)).toThrow(InvalidDropsError)
    expect(() => checkDrops('amount', MAX_DROPS + 1n)).toThrow(InvalidDropsError)
    expect(() => checkDrops('amount', 0n, 1n)).toThrow(InvalidDropsError)
    expect(() => checkDrops('amount', 5)).toThrow(InvalidDropsError)
    try {
      checkDrops('fee', -2n)
    } catch (error) {
      expect(error).toMatchObject({ name: 'InvalidDropsError', field: 'fee', value: -2n })
    }
    expect(() => xrpToDrops('100000000000.000001')).toThrow(InvalidDropsError)
    expect(() => xrpToDrops('1.0000001')).toThrow(InvalidXrpAmountError)
    expect(() => xrpToDrops('-1')).toThrow(InvalidXrpAmountError)
    expect(() => xrpToDrops('1e6')).toThrow(InvalidXrpAmountError)
  })

  it('round-trips every amount and agrees with xrpl.js conversions', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX_DROPS }), (drops) => {
        const xrp = dropsToXrp(drops)
        expect(xrpToDrops(xrp)).toBe(drops)
        expect(xrplXrpToDrops(xrp)).toBe(drops.toString())
        // xrpl.js 5 returns a JS number here: exact only up to 2^53 drops, which is why we use bigint.
        if (drops <= BigInt(Number.MAX_SAFE_INTEGER) / 10n) expect(xrpToDrops(String(xrplDropsToXrp(drops.toString())))).toBe(drops)
      }),
      { numRuns: 2000 }
    )
  })
})
