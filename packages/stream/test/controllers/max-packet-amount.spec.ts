import { encodeAmountTooLargeData, MAX_UINT64 } from '@stack/ilp-core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MaxPacketAmountController } from '../../src/controllers/max-packet-amount.js'

describe('MaxPacketAmountController', () => {
  it('is unknown (unlimited) until an F08', () => {
    const c = new MaxPacketAmountController()
    expect(c.state).toEqual({ type: 'unknown' })
    expect(c.limit).toBe(MAX_UINT64)
  })

  it('scales the F08 data to source units, rounding down (precise)', () => {
    const c = new MaxPacketAmountController()
    // Sent 1000, the connector got 900 (a 0.9 rate) and takes 450: 500 of ours.
    c.onAmountTooLarge(1000n, encodeAmountTooLargeData({ receivedAmount: 900n, maximumAmount: 450n }))
    expect(c.state).toEqual({ type: 'precise', max: 500n })
  })

  it('halves without usable data (imprecise), and never raises the limit', () => {
    const c = new MaxPacketAmountController()
    c.onAmountTooLarge(1000n, new Uint8Array(3))
    expect(c.state).toEqual({ type: 'imprecise', max: 500n })
    c.onAmountTooLarge(400n, encodeAmountTooLargeData({ receivedAmount: 400n, maximumAmount: 10_000n }))
    expect(c.limit).toBe(200n)
  })

  it('only ever lowers the limit below the packet that was too large', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: MAX_UINT64 }), fc.bigInt({ min: 0n, max: MAX_UINT64 }), fc.bigInt({ min: 0n, max: MAX_UINT64 }), (sent, received, max) => {
        const c = new MaxPacketAmountController()
        c.onAmountTooLarge(sent, encodeAmountTooLargeData({ receivedAmount: received, maximumAmount: max }))
        expect(c.limit).toBeLessThan(sent)
      }),
    )
  })
})
