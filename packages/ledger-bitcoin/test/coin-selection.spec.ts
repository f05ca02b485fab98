import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { dustThreshold, outputVbytes, selectCoins, type Coin, type Selection } from '../src/coin-selection.js'

const coin = fc.record({
  txid: fc.nat().map((n) => n.toString(16).padStart(64, '0')),
  vout: fc.nat(10),
  value: fc.oneof(fc.bigInt({ min: 1n, max: 2_000n }), fc.bigInt({ min: 1n, max: 10n ** 9n })),
  confirmations: fc.nat(3)
})
const p2wpkh = new Uint8Array(22)
const p2wsh = new Uint8Array(34)
const payment = fc.record({ script: fc.constantFrom(p2wpkh, p2wsh), value: fc.oneof(fc.bigInt({ min: 1n, max: 3_000n }), fc.bigInt({ min: 1n, max: 10n ** 9n })) })
const request = fc.record({
  coins: fc.array(coin, { maxLength: 12 }),
  payments: fc.array(payment, { minLength: 1, maxLength: 3 }),
  feeRate: fc.bigInt({ min: 1n, max: 50n }),
  dustLimit: fc.constantFrom(0n, 294n, 546n),
  feeCoins: fc.option(fc.array(coin, { maxLength: 6 }), { nil: undefined })
})

const sum = (coins: readonly Coin[]): bigint => coins.reduce((total, c) => total + c.value, 0n)
// What the transaction really weighs, at most: the estimate the fee must cover.
const vbytes = (selection: Selection & { ok: true }, payments: readonly { script: Uint8Array }[]): bigint =>
  11n +
  68n * BigInt(selection.inputs.length + selection.feeInputs.length) +
  payments.reduce((total, p) => total + outputVbytes(p.script), 0n) +
  (selection.change > 0n ? 31n : 0n) +
  (selection.feeChange > 0n ? 31n : 0n)

describe('selectCoins', () => {
  it('conserves value to the satoshi, spends only what each party holds, covers the fee, and makes no dust change', () => {
    const outcomes = new Set<string>()
    fc.assert(
      fc.property(request, (req) => {
        const selection = selectCoins(req)
        outcomes.add(selection.ok ? (req.feeCoins === undefined ? 'ok' : 'ok-sponsored') : selection.party)
        const paid = req.payments.reduce((total, p) => total + p.value, 0n)
        if (!selection.ok) {
          if (selection.party === 'sender') expect(selection.available).toBe(sum(req.coins))
          if (selection.party === 'sender') expect(selection.needed).toBeGreaterThan(sum(req.coins))
          if (selection.party === 'fee-payer') expect(selection.needed).toBeGreaterThan(sum(req.feeCoins ?? []))
          if (selection.party === 'dust-change') expect(selection.change).toBeLessThan(req.dustLimit)
          return
        }
        const inputs = sum(selection.inputs) + sum(selection.feeInputs)
        expect(inputs).toBe(paid + selection.change + selection.feeChange + selection.fee)
        for (const chosen of selection.inputs) expect(req.coins).toContain(chosen)
        for (const chosen of selection.feeInputs) expect(req.feeCoins).toContain(chosen)
        expect(new Set(selection.inputs).size).toBe(selection.inputs.length)
        expect(selection.fee).toBeGreaterThanOrEqual(req.feeRate * vbytes(selection, req.payments))
        for (const change of [selection.change, selection.feeChange]) {
          expect(change === 0n || change >= req.dustLimit).toBe(true)
        }
        if (req.feeCoins === undefined) {
          expect(selection.feeInputs).toEqual([])
        } else {
          // The sender gives exactly the payments; the fee payer exactly the fee.
          expect(sum(selection.inputs) - selection.change).toBe(paid)
          expect(sum(selection.feeInputs) - selection.feeChange).toBe(selection.fee)
        }
      }),
      { numRuns: 5_000 }
    )
    // The runs reached every outcome, not only refusals.
    expect([...outcomes].sort()).toEqual(['dust-change', 'fee-payer', 'ok', 'ok-sponsored', 'sender'])
  })

  it('spends confirmed coins before unconfirmed ones', () => {
    const coins: Coin[] = [
      { txid: 'a'.repeat(64), vout: 0, value: 10_000n, confirmations: 0 },
      { txid: 'b'.repeat(64), vout: 0, value: 5_000n, confirmations: 1 }
    ]
    const selection = selectCoins({ coins, payments: [{ script: p2wpkh, value: 1_000n }], feeRate: 1n, dustLimit: 294n })
    expect(selection.ok && selection.inputs.map((c) => c.txid)).toEqual(['b'.repeat(64)])
  })

  it('leaves change below the dust limit to the fee', () => {
    const coins: Coin[] = [{ txid: 'a'.repeat(64), vout: 0, value: 10_000n, confirmations: 1 }]
    // 10,000 − 9,500 − fee (141 vbytes at 1 sat/vB) leaves 359: above 294, kept; at 546, to the fee.
    const kept = selectCoins({ coins, payments: [{ script: p2wpkh, value: 9_500n }], feeRate: 1n, dustLimit: 294n })
    const dropped = selectCoins({ coins, payments: [{ script: p2wpkh, value: 9_500n }], feeRate: 1n, dustLimit: 546n })
    expect(kept).toMatchObject({ ok: true, change: 359n, fee: 141n })
    expect(dropped).toMatchObject({ ok: true, change: 0n, fee: 500n })
  })
})

describe('dustThreshold', () => {
  it("is Bitcoin Core's at its 3 sat/vB dust relay fee", () => {
    const script = (hex: string): Uint8Array => Buffer.from(hex, 'hex')
    expect(dustThreshold(script('0014' + '11'.repeat(20)), 3n)).toBe(294n) // P2WPKH
    expect(dustThreshold(script('0020' + '11'.repeat(32)), 3n)).toBe(330n) // P2WSH
    expect(dustThreshold(script('5120' + '11'.repeat(32)), 3n)).toBe(330n) // P2TR
    expect(dustThreshold(script('76a914' + '11'.repeat(20) + '88ac'), 3n)).toBe(546n) // P2PKH
    expect(dustThreshold(script('a914' + '11'.repeat(20) + '87'), 3n)).toBe(540n) // P2SH
    expect(dustThreshold(script('6a04deadbeef'), 3n)).toBe(0n) // OP_RETURN
    expect(dustThreshold(script('0014' + '11'.repeat(20)), 0n)).toBe(0n)
  })
})
