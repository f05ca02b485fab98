import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { IlpCodecError, InvalidFieldError, TruncatedPacketError } from '../src/packet/codec-errors.js'
import {
  IlpError,
  amountTooLargeError,
  decodeAmountTooLargeData,
  encodeAmountTooLargeData,
} from '../src/ilp-error.js'
import { IlpPacketType, MAX_UINT64, type IlpReject } from '../src/packet/packet.js'

const uint64 = fc.bigInt({ min: 0n, max: MAX_UINT64 })
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')

describe('IlpError', () => {
  it('is an Error named IlpError with the fields given', () => {
    const data = Uint8Array.of(1, 2, 3)
    const error = new IlpError('T04', 'no liquidity', { triggeredBy: 'g.conn', data })
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe('IlpError')
    expect(error.code).toBe('T04')
    expect(error.message).toBe('no liquidity')
    expect(error.triggeredBy).toBe('g.conn')
    expect(error.data).toBe(data)
    expect(String(error)).toBe('IlpError: no liquidity')
  })

  it('defaults to empty data and no triggeredBy, and keeps a cause', () => {
    const cause = new Error('socket closed')
    const error = new IlpError('T01', 'peer gone', { cause })
    expect(error.data).toEqual(new Uint8Array(0))
    expect(error.triggeredBy).toBeUndefined()
    expect(error.cause).toBe(cause)
  })

  it.each(['', 'F0', 'F000', 'Fé1'])('refuses the code %j, which a Reject cannot carry', (code) => {
    expect(() => new IlpError(code, 'x')).toThrow(InvalidFieldError)
  })

  it('accepts any three IA5 characters as a code, so foreign Rejects can be relayed', () => {
    expect(new IlpError('X9z', 'x').code).toBe('X9z')
  })

  it('refuses data longer than 32767 bytes', () => {
    expect(() => new IlpError('F99', 'x', { data: new Uint8Array(32767) })).not.toThrow()
    expect(() => new IlpError('F99', 'x', { data: new Uint8Array(32768) })).toThrow(InvalidFieldError)
  })

  it('fills triggeredBy with the default only when unset', () => {
    expect(new IlpError('F02', 'no route').toReject('g.me').triggeredBy).toBe('g.me')
    expect(new IlpError('F02', 'no route', { triggeredBy: 'g.other' }).toReject('g.me').triggeredBy).toBe('g.other')
    expect(new IlpError('F02', 'no route', { triggeredBy: '' }).toReject('g.me').triggeredBy).toBe('')
  })

  it('turns into the Reject it was made from, unchanged', () => {
    const reject: fc.Arbitrary<IlpReject> = fc.record({
      code: fc.string({ unit: fc.constantFrom(...'FTRX0129'.split('')), minLength: 3, maxLength: 3 }),
      triggeredBy: fc.constantFrom('', 'g.a', 'test.b.c'),
      message: fc.string({ unit: 'grapheme', maxLength: 50 }),
      data: fc.uint8Array({ maxLength: 64 }),
    })
    fc.assert(
      fc.property(reject, (r) => {
        const error = IlpError.fromReject(r)
        expect(error).toBeInstanceOf(IlpError)
        expect(error.toReject('g.somebody-else')).toEqual({ type: IlpPacketType.Reject, ...r })
      }),
    )
  })
})

describe('F08 Amount Too Large data', () => {
  it('is receivedAmount then maximumAmount, each a big-endian UInt64', () => {
    const data = encodeAmountTooLargeData({ receivedAmount: 0x0102030405060708n, maximumAmount: 1000n })
    expect(data).toBeInstanceOf(Uint8Array)
    expect(hex(data)).toBe('0102030405060708' + '00000000000003e8')
    expect(hex(encodeAmountTooLargeData({ receivedAmount: MAX_UINT64, maximumAmount: 0n }))).toBe(
      'ffffffffffffffff' + '0000000000000000',
    )
  })

  it('decodes a hand-written vector', () => {
    const data = Buffer.from('00000000000000650000000000000064', 'hex')
    expect(decodeAmountTooLargeData(data)).toEqual({ receivedAmount: 101n, maximumAmount: 100n })
  })

  it('reads from a view at an offset inside a larger buffer', () => {
    const backing = Buffer.from('ff' + '0000000000000002' + '0000000000000001' + 'ff', 'hex')
    const view = backing.subarray(1, 17)
    expect(decodeAmountTooLargeData(view)).toEqual({ receivedAmount: 2n, maximumAmount: 1n })
  })

  it.each([
    ['receivedAmount', -1n, 0n],
    ['receivedAmount', MAX_UINT64 + 1n, 0n],
    ['maximumAmount', 0n, -1n],
    ['maximumAmount', 0n, MAX_UINT64 + 1n],
  ])('refuses a %s outside UInt64 (%s, %s)', (field, receivedAmount, maximumAmount) => {
    const error = catchCodecError(() => encodeAmountTooLargeData({ receivedAmount, maximumAmount }))
    expect(error).toBeInstanceOf(InvalidFieldError)
    expect(error.field).toBe(`F08.${field}`)
  })

  it('refuses a number where a bigint belongs', () => {
    const bad = { receivedAmount: 5 as unknown as bigint, maximumAmount: 1n }
    expect(catchCodecError(() => encodeAmountTooLargeData(bad)).field).toBe('F08.receivedAmount')
  })

  it.each([
    [0, TruncatedPacketError, 'F08.receivedAmount'],
    [7, TruncatedPacketError, 'F08.receivedAmount'],
    [8, TruncatedPacketError, 'F08.maximumAmount'],
    [15, TruncatedPacketError, 'F08.maximumAmount'],
    [17, InvalidFieldError, 'F08'],
  ])('refuses %i bytes with %o on %s', (length, type, field) => {
    const error = catchCodecError(() => decodeAmountTooLargeData(new Uint8Array(length)))
    expect(error).toBeInstanceOf(type)
    expect(error.field).toBe(field)
  })

  it('round-trips every pair of UInt64s', () => {
    fc.assert(
      fc.property(uint64, uint64, (receivedAmount, maximumAmount) => {
        const data = encodeAmountTooLargeData({ receivedAmount, maximumAmount })
        expect(data).toHaveLength(16)
        expect(decodeAmountTooLargeData(data)).toEqual({ receivedAmount, maximumAmount })
      }),
    )
  })

  it('answers arbitrary bytes with amounts that re-encode to them, or a typed error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        let decoded
        try {
          decoded = decodeAmountTooLargeData(bytes)
        } catch (e) {
          expect(e).toBeInstanceOf(IlpCodecError)
          expect(bytes.length).not.toBe(16)
          return
        }
        expect(hex(encodeAmountTooLargeData(decoded))).toBe(hex(bytes))
      }),
    )
  })
})

describe('amountTooLargeError', () => {
  it('is an F08 IlpError carrying both amounts in its data', () => {
    const error = amountTooLargeError(1500n, 1000n, 'g.conn')
    expect(error).toBeInstanceOf(IlpError)
    expect(error.code).toBe('F08')
    expect(error.triggeredBy).toBe('g.conn')
    expect(error.message).toContain('1500')
    expect(error.message).toContain('1000')
    expect(decodeAmountTooLargeData(error.data)).toEqual({ receivedAmount: 1500n, maximumAmount: 1000n })
    expect(error.toReject('g.me')).toMatchObject({ code: 'F08', triggeredBy: 'g.conn' })
  })

  it('leaves triggeredBy to the sender of the Reject when not given', () => {
    expect(amountTooLargeError(2n, 1n).toReject('g.me').triggeredBy).toBe('g.me')
  })

  it('refuses amounts outside UInt64', () => {
    expect(() => amountTooLargeError(MAX_UINT64 + 1n, 1n)).toThrow(InvalidFieldError)
  })
})

function catchCodecError(fn: () => unknown): IlpCodecError {
  try {
    fn()
  } catch (e) {
    if (e instanceof IlpCodecError) return e
    throw e
  }
  throw new Error('expected an IlpCodecError')
}
