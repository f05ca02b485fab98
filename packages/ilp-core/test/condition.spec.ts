import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidFieldError } from '../src/packet/codec-errors.js'
import { conditionOf, generateFulfillmentPair, randomFulfillment, verifyFulfillment } from '../src/condition.js'

const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 })
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')

describe('conditionOf', () => {
  it('is the SHA-256 of the fulfillment (32 zero bytes, a known digest)', () => {
    expect(hex(conditionOf(new Uint8Array(32)))).toBe('66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925')
  })

  it('returns a plain 32-byte Uint8Array', () => {
    const condition = conditionOf(new Uint8Array(32))
    expect(condition).toHaveLength(32)
    expect(Buffer.isBuffer(condition)).toBe(false)
    expect(condition.byteOffset).toBe(0)
    expect(condition.buffer.byteLength).toBe(32)
  })

  it.each([0, 31, 33, 64])('refuses a %i-byte fulfillment', (length) => {
    let thrown: unknown
    try {
      conditionOf(new Uint8Array(length))
    } catch (e) {
      thrown = e
    }
    expect(thrown).toBeInstanceOf(InvalidFieldError)
    expect((thrown as InvalidFieldError).field).toBe('fulfillment')
  })
})

describe('verifyFulfillment', () => {
  it('accepts the fulfillment of a condition', () => {
    fc.assert(
      fc.property(bytes32, (fulfillment) => {
        expect(verifyFulfillment(fulfillment, conditionOf(fulfillment))).toBe(true)
      }),
    )
  })

  it('rejects a fulfillment that does not hash to the condition (one bit flipped in either)', () => {
    fc.assert(
      fc.property(bytes32, fc.nat({ max: 255 }), fc.boolean(), (fulfillment, bit, flipCondition) => {
        const condition = conditionOf(fulfillment)
        const target = flipCondition ? condition : fulfillment.slice()
        target[bit >> 3]! ^= 1 << (bit & 7)
        const pair = flipCondition ? [fulfillment, target] : [target, condition]
        expect(verifyFulfillment(pair[0]!, pair[1]!)).toBe(false)
      }),
    )
  })

  it('rejects the condition itself offered as its fulfillment', () => {
    const fulfillment = randomFulfillment()
    const condition = conditionOf(fulfillment)
    expect(verifyFulfillment(condition, condition)).toBe(false)
  })

  it('answers false, without throwing, for wrong lengths', () => {
    const fulfillment = new Uint8Array(32)
    const condition = conditionOf(fulfillment)
    expect(verifyFulfillment(fulfillment.subarray(0, 31), condition)).toBe(false)
    expect(verifyFulfillment(new Uint8Array(33), condition)).toBe(false)
    expect(verifyFulfillment(fulfillment, condition.subarray(0, 31))).toBe(false)
    expect(verifyFulfillment(fulfillment, new Uint8Array([...condition, 0]))).toBe(false)
    expect(verifyFulfillment(new Uint8Array(0), new Uint8Array(0))).toBe(false)
  })

  it('reads views at an offset correctly', () => {
    const backing = new Uint8Array(100).fill(7)
    const fulfillment = backing.subarray(10, 42)
    const condition = conditionOf(fulfillment.slice())
    const conditionBacking = new Uint8Array(50)
    conditionBacking.set(condition, 5)
    expect(verifyFulfillment(fulfillment, conditionBacking.subarray(5, 37))).toBe(true)
  })
})

describe('randomFulfillment and generateFulfillmentPair', () => {
  it('makes 32 fresh bytes each time', () => {
    const a = randomFulfillment()
    const b = randomFulfillment()
    expect(a).toHaveLength(32)
    expect(Buffer.isBuffer(a)).toBe(false)
    expect(hex(a)).not.toBe(hex(b))
  })

  it('makes a pair whose fulfillment verifies against its condition', () => {
    const { fulfillment, condition } = generateFulfillmentPair()
    expect(fulfillment).toHaveLength(32)
    expect(hex(condition)).toBe(hex(conditionOf(fulfillment)))
    expect(verifyFulfillment(fulfillment, condition)).toBe(true)
    expect(hex(generateFulfillmentPair().fulfillment)).not.toBe(hex(fulfillment))
  })
})
