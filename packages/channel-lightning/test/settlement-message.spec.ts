import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { MalformedClaimError } from '@stack/channel-core'
import { decodeSettlementMessage, encodeSettlementMessage, type SettlementMessage } from '../src/index.js'

const hex = (bytes: number) => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('hex'))
const message: fc.Arbitrary<SettlementMessage> = fc.oneof(
  fc.record({ type: fc.constant('invoice-request' as const), id: hex(16), amount: fc.bigInt({ min: 1n, max: 0xffff_ffff_ffff_ffffn }) }),
  fc.record({ type: fc.constant('invoice' as const), id: hex(16), invoice: fc.stringMatching(/^lnbcrt[a-z0-9]{1,300}$/) }),
  fc.record({ type: fc.constant('paid' as const), paymentHash: hex(32), preimage: hex(32) }),
  fc.record({ type: fc.constant('hello' as const), nodeId: fc.tuple(fc.constantFrom('02', '03'), hex(32)).map(([p, k]) => p + k) })
)

describe('settlement messages', () => {
  it('decode what they encode', () => {
    fc.assert(
      fc.property(message, (m) => {
        expect(decodeSettlementMessage(encodeSettlementMessage(m))).toEqual(m)
      })
    )
  })

  it('refuse any other bytes with a MalformedClaimError, never another error', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array(), fc.json().map((j) => new TextEncoder().encode(j))), (bytes) => {
        try {
          decodeSettlementMessage(bytes)
        } catch (error) {
          expect(error).toBeInstanceOf(MalformedClaimError)
        }
      })
    )
  })

  it('refuse a zero amount, an amount above UInt64, a short hash and an unknown field', () => {
    const bad = [
      { type: 'invoice-request', id: '00'.repeat(16), amount: '0' },
      { type: 'invoice-request', id: '00'.repeat(16), amount: '18446744073709551616' },
      { type: 'paid', paymentHash: 'ab', preimage: '00'.repeat(32) },
      { type: 'paid', paymentHash: '00'.repeat(32), preimage: '00'.repeat(32), extra: 1 },
      { type: 'hello', nodeId: '04' + '11'.repeat(32) }
    ]
    for (const value of bad) {
      expect(() => decodeSettlementMessage(new TextEncoder().encode(JSON.stringify(value)))).toThrow(MalformedClaimError)
    }
  })
})
