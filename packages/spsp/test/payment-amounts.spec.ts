import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createServer } from '@stack/stream'
import { formatAssetAmount, parseAssetAmount, parseDecimal, parseSlippage, quote, quoteAmounts, QuoteError, spspReceiver } from '../src/index.js'
import { meetsAssetRate, nextDeliveryRound } from '../src/payment-amounts.js'

describe('asset amounts', () => {
  it.each([
    ['12.34', 2, 1234n],
    ['12', 2, 1200n],
    ['0.5', 2, 50n],
    ['.5', 2, 50n],
    ['12.340', 2, 1234n],
    ['7', 0, 7n],
    ['18446744073709551615', 0, 18446744073709551615n],
  ])('parses %s at scale %i as %s', (text, scale, units) => {
    expect(parseAssetAmount(text, scale)).toBe(units)
  })

  it.each([['12.345', 2], ['1.5', 0], ['-1', 2], ['1e3', 2], ['', 2], ['.', 2], ['1.', 2], [' 1', 2], ['1,5', 2], ['0x10', 2]])('refuses %j at scale %i', (text, scale) => {
    expect(parseAssetAmount(text, scale)).toBeUndefined()
  })

  it('formats exactly and round-trips', () => {
    expect(formatAssetAmount(1234n, 2)).toBe('12.34')
    expect(formatAssetAmount(5n, 2)).toBe('0.05')
    expect(formatAssetAmount(5n, 0)).toBe('5')
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.integer({ min: 0, max: 18 }), (units, scale) => {
        expect(parseAssetAmount(formatAssetAmount(units, scale), scale)).toBe(units)
      }),
    )
  })
})

describe('slippage and decimals', () => {
  it('parses slippage exactly within [0, 1), at most 9 decimals', () => {
    expect(parseSlippage('0.01')).toEqual({ numerator: 1n, denominator: 100n })
    expect(parseSlippage(0.005)).toEqual({ numerator: 5n, denominator: 1000n })
    expect(parseSlippage('0')).toEqual({ numerator: 0n, denominator: 1n })
    for (const bad of ['1', '1.5', '-0.1', 'abc', '0.0000000001', '']) expect(parseSlippage(bad)).toBeUndefined()
    expect(parseDecimal('0.85')).toEqual({ numerator: 85n, denominator: 100n })
  })
})

describe('quote amounts', () => {
  const rate = { sent: 1_000_000n, delivered: 891_000n } // 0.891
  const onePercent = { numerator: 1n, denominator: 100n }

  it('fixed source: the cap is the amount; estimates at the probed rate, minimum less slippage', () => {
    expect(quoteAmounts({ type: 'fixed-send', amount: 10_000n }, rate, onePercent)).toEqual({
      maxSourceAmount: 10_000n,
      estimatedSourceAmount: 10_000n,
      estimatedDeliveryAmount: 8_910n,
      minDeliveryAmount: 8_820n, // floor(10 000 × 0.891 × 0.99)
      minExchangeRate: { numerator: 891_000n * 99n, denominator: 1_000_000n * 100n },
    })
  })

  it('fixed delivery: the cap delivers the target at the minimum rate, rounded up', () => {
    const amounts = quoteAmounts({ type: 'fixed-delivery', amount: 5_000n }, rate, onePercent)
    expect(amounts?.maxSourceAmount).toBe(5_669n) // ceil(5000 / 0.88209)
    expect(amounts?.estimatedSourceAmount).toBe(5_612n) // ceil(5000 / 0.891)
    expect(amounts?.minDeliveryAmount).toBe(5_000n)
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 12n }), fc.bigInt({ min: 1n, max: 10n ** 9n }), fc.bigInt({ min: 1n, max: 10n ** 9n }), (target, sent, delivered) => {
        const q = quoteAmounts({ type: 'fixed-delivery', amount: target }, { sent, delivered }, onePercent)
        if (q === undefined) return
        const { numerator, denominator } = q.minExchangeRate
        expect((q.maxSourceAmount * numerator) / denominator).toBeGreaterThanOrEqual(target)
        expect(((q.maxSourceAmount - 1n) * numerator) / denominator).toBeLessThan(target + 1n)
      }),
    )
  })

  it('refuses a fixed delivery whose minimum rate is zero (100% slippage is not allowed either)', () => {
    expect(quoteAmounts({ type: 'fixed-delivery', amount: 5n }, { sent: 1n, delivered: 0n }, onePercent)).toBeUndefined()
  })

  it('sizes fixed-delivery rounds for what is left, never past the cap', () => {
    expect(nextDeliveryRound(100n, rate, 0n, 1_000n)).toBe(113n)
    expect(nextDeliveryRound(1n, rate, 0n, 1_000n)).toBe(2n)
    expect(nextDeliveryRound(100n, rate, 950n, 1_000n)).toBe(50n)
    expect(nextDeliveryRound(100n, rate, 1_000n, 1_000n)).toBe(0n)
    expect(nextDeliveryRound(0n, rate, 0n, 1_000n)).toBe(0n)
  })

  it('compares a probed rate with a floor in the assets\' units', () => {
    // 891 000 cents of EUR per 1 000 000 cents of USD = 0.891 EUR/USD
    expect(meetsAssetRate(rate, 2, 2, { numerator: 89n, denominator: 100n })).toBe(true)
    expect(meetsAssetRate(rate, 2, 2, { numerator: 9n, denominator: 10n })).toBe(false)
    // Source scale 9 (1 unit = 1e-9), destination scale 2: 0.891 units/unit = 0.891e7 … per whole unit
    expect(meetsAssetRate({ sent: 1_000_000_000n, delivered: 89n }, 9, 2, { numerator: 89n, denominator: 100n })).toBe(true)
  })
})

describe('quote: bad input is refused before any I/O', () => {
  const base = { destination: 'http://127.0.0.1:9/pay', sendPrepare: () => Promise.reject(new Error('no I/O expected')), sourceAsset: { code: 'USD', scale: 2 } }
  it.each([
    [{ ...base }, 'invalid-amount'],
    [{ ...base, amountToSend: 1n, amountToDeliver: 1n }, 'invalid-amount'],
    [{ ...base, amountToSend: 0n }, 'invalid-amount'],
    [{ ...base, amountToSend: '1.234' }, 'invalid-amount'],
    [{ ...base, amountToSend: 1n, slippage: '1' }, 'invalid-slippage'],
    [{ ...base, amountToSend: 1n, minExchangeRate: 'cheap' }, 'invalid-exchange-rate'],
  ])('%o → %s', async (options, code) => {
    const attempt = quote(options)
    await expect(attempt).rejects.toBeInstanceOf(QuoteError)
    await expect(attempt).rejects.toMatchObject({ code })
  })
})

describe('spspReceiver', () => {
  it('hands out fresh STREAM credentials per query, with receipts when a verifier asked', async () => {
    const streamServer = await createServer({ serverSecret: new Uint8Array(randomBytes(32)), serverAddress: 'test.bob' })
    const generate = spspReceiver({ streamServer, connectionTag: (path) => path.slice(1) })
    const context = { path: '/alice', receipt: undefined, request: undefined as never }
    const a = await generate(context)
    const b = await generate(context)
    expect(a?.destinationAccount).toMatch(/^test\.bob\..+~alice$/)
    expect(a?.destinationAccount).not.toBe(b?.destinationAccount)
    expect(a?.receiptsEnabled).toBe(false)
    const withReceipts = await generate({ ...context, receipt: { nonce: new Uint8Array(16), secret: new Uint8Array(32) } })
    expect(withReceipts?.receiptsEnabled).toBe(true)
  })
})
