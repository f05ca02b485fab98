import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MAX_MONEY, btcToSats, feeRateSatsPerVbyte, satsToBtc } from '../src/amount.js'
import { NodeAnswerError } from '../src/errors.js'

const sats = fc.bigInt({ min: -MAX_MONEY, max: MAX_MONEY })

describe('satoshis ↔ BTC', () => {
  it('reads back every amount the node can send as a JSON number, to the satoshi', () => {
    fc.assert(
      fc.property(sats, (value) => {
        // What a node writes (the exact decimal) and what JSON.parse makes of it (a double).
        const asJsonNumber = JSON.parse(satsToBtc(value)) as number
        expect(btcToSats('x', asJsonNumber)).toBe(value)
        expect(btcToSats('x', satsToBtc(value))).toBe(value)
      }),
      { numRuns: 20_000 }
    )
  })

  it('is exact where multiplying by 1e8 is not', () => {
    expect(0.29 * 1e8).not.toBe(29_000_000) // 28999999.999999996
    expect(btcToSats('x', 0.29)).toBe(29_000_000n)
    expect(btcToSats('x', 20_999_999.99999999)).toBe(2_099_999_999_999_999n)
    expect(btcToSats('x', 1e-8)).toBe(1n)
    expect(satsToBtc(1n)).toBe('0.00000001')
    expect(satsToBtc(-150_000_000n)).toBe('-1.50000000')
  })

  it('refuses a fraction of a satoshi, more than 21 million BTC, and what is no number', () => {
    fc.assert(
      fc.property(fc.double({ min: -21e6, max: 21e6, noNaN: true }), (btc) => {
        const exact = Number(btc.toFixed(8)) === btc
        if (exact) expect(btcToSats('x', btc)).toBe(BigInt(Math.round(btc * 1e8)))
        else expect(() => btcToSats('x', btc)).toThrow(NodeAnswerError)
      })
    )
    for (const bad of [1e-9, 21_000_000.00000001, Infinity, NaN, '1e3', '0.000000001', '', 'abc', '1.']) {
      expect(() => btcToSats('x', bad)).toThrow(NodeAnswerError)
    }
  })

  it('turns BTC per kvB into whole satoshis per vbyte, rounded up', () => {
    expect(feeRateSatsPerVbyte('f', 0.00001)).toBe(1n)
    expect(feeRateSatsPerVbyte('f', 0.00001001)).toBe(2n)
    expect(feeRateSatsPerVbyte('f', 0.0002)).toBe(20n)
    expect(() => feeRateSatsPerVbyte('f', 0)).toThrow(NodeAnswerError)
  })
})
