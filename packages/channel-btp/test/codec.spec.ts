import { deserialize, serialize } from 'btp-packet'
import { describe, expect, it } from 'vitest'
import {
  BtpType,
  decodeBtpFrame,
  encodeBtpFrame,
  FrameTooLargeError,
  InvalidFrameFieldError,
  readBtpHeader,
  TruncatedFrameError,
  UnknownFrameTypeError
} from '../src/index.js'
import type { BtpFrame } from '../src/index.js'

const hex = (text: string) => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'))
const utf8 = (text: string) => new TextEncoder().encode(text)

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    return (error as { field?: string }).field
  }
  return undefined
}

describe('BTP frame codec', () => {
  it('encodes a MESSAGE carrying ilp bytes as RFC 0023 lays it out', () => {
    const frame: BtpFrame = {
      type: BtpType.Message,
      requestId: 0x01020304,
      protocolData: [{ protocolName: 'ilp', contentType: 0, data: hex('0c0d') }]
    }
    // type, requestId, length 9, count (1 byte: 1), name len 3 "ilp", content type 0, data len 2
    expect(Buffer.from(encodeBtpFrame(frame)).toString('hex')).toBe('06010203040a' + '0101' + '03696c70' + '00' + '020c0d')
  })

  it('writes the same bytes as btp-packet for every frame type', () => {
    const protocolData = [
      { protocolName: 'ilp', contentType: 0, data: Buffer.from('0c0d', 'hex') },
      { protocolName: 'foo', contentType: 1, data: Buffer.from('bar') }
    ]
    const cases = [
      { type: BtpType.Response, requestId: 1, data: { protocolData } },
      { type: BtpType.Message, requestId: 0xffffffff, data: { protocolData } },
      { type: BtpType.Transfer, requestId: 7, data: { amount: '18446744073709551615', protocolData } },
      {
        type: BtpType.Error,
        requestId: 9,
        data: { code: 'F01', name: 'InvalidFieldsError', triggeredAt: new Date('2026-11-24T19:30:00.123Z'), data: 'bad field', protocolData }
      }
    ]
    for (const c of cases) {
      const theirs = new Uint8Array(serialize(c as never))
      const frame = decodeBtpFrame(theirs)
      expect(encodeBtpFrame(frame)).toEqual(theirs)
      const back = deserialize(Buffer.from(encodeBtpFrame(frame)))
      expect(back.requestId).toBe(c.requestId)
    }
  })

  it('reads a length prefix of two bytes for contents of 128 bytes and more', () => {
    const frame: BtpFrame = { type: BtpType.Message, requestId: 5, protocolData: [{ protocolName: 'ilp', contentType: 0, data: new Uint8Array(300) }] }
    const bytes = encodeBtpFrame(frame)
    expect(bytes[5]).toBe(0x82)
    expect(decodeBtpFrame(bytes)).toEqual(frame)
  })

  it('names the field of a truncated frame', () => {
    const bytes = encodeBtpFrame({ type: BtpType.Transfer, requestId: 1, amount: 5n, protocolData: [] })
    expect(() => decodeBtpFrame(bytes.subarray(0, 3))).toThrow(TruncatedFrameError)
    expect(fieldOf(() => decodeBtpFrame(bytes.subarray(0, 3)))).toBe('requestId')
    expect(fieldOf(() => decodeBtpFrame(bytes.subarray(0, bytes.length - 1)))).toBe('data')
    expect(fieldOf(() => decodeBtpFrame(new Uint8Array(0)))).toBe('type')
  })

  it('refuses retired and unknown types', () => {
    for (const type of [0, 3, 4, 5, 8, 255]) {
      expect(() => decodeBtpFrame(Uint8Array.from([type, 0, 0, 0, 1, 2, 1, 0]))).toThrow(UnknownFrameTypeError)
    }
  })

  it('refuses bytes after the packet and after the protocol data', () => {
    const bytes = encodeBtpFrame({ type: BtpType.Response, requestId: 1, protocolData: [] })
    expect(fieldOf(() => decodeBtpFrame(Uint8Array.from([...bytes, 0])))).toBe('frame')
    // Contents claim 3 bytes: count (01 00) then one stray byte.
    expect(fieldOf(() => decodeBtpFrame(hex('0100000001 03 0100ff')))).toBe('data')
  })

  it('refuses a protocol name that is not IA5 and says which entry', () => {
    const bytes = hex('0600000001 07 0101 02 69ff 00 00')
    expect(() => decodeBtpFrame(bytes)).toThrow(InvalidFrameFieldError)
    expect(fieldOf(() => decodeBtpFrame(bytes))).toBe('protocolData[0].protocolName')
  })

  it('refuses a count of entries that cannot fit', () => {
    expect(fieldOf(() => decodeBtpFrame(hex('0600000001 03 0104ff')))).toBe('protocolData.count')
  })

  it('refuses lengths not in their shortest form', () => {
    expect(fieldOf(() => decodeBtpFrame(hex('0600000001 8102 0100')))).toBe('data')
    expect(fieldOf(() => decodeBtpFrame(hex('0600000001 03 020001')))).toBe('protocolData.count')
  })

  it('refuses an ERROR whose triggeredAt is not a GeneralizedTime', () => {
    const frame = {
      type: BtpType.Error,
      requestId: 1,
      code: 'F00',
      name: 'x',
      triggeredAt: '20261124193000.123Z',
      data: new Uint8Array(0),
      protocolData: []
    } as const
    const bytes = encodeBtpFrame(frame)
    const broken = Uint8Array.from(bytes)
    broken[broken.indexOf(0x32)] = 0x41 // the first "2" of the time becomes "A"
    expect(fieldOf(() => decodeBtpFrame(broken))).toBe('error.triggeredAt')
    expect(fieldOf(() => encodeBtpFrame({ ...frame, triggeredAt: 'yesterday' }))).toBe('error.triggeredAt')
  })

  it('refuses ERROR data above 8192 bytes in both directions', () => {
    const frame = {
      type: BtpType.Error,
      requestId: 1,
      code: 'F00',
      name: 'x',
      triggeredAt: '20261124193000Z',
      data: new Uint8Array(8193),
      protocolData: []
    } as const
    expect(fieldOf(() => encodeBtpFrame(frame))).toBe('error.data')
  })

  it('refuses a frame above the size limit before reading it', () => {
    expect(() => decodeBtpFrame(new Uint8Array(100), { maxBytes: 99 })).toThrow(FrameTooLargeError)
  })

  it('refuses to encode values that do not fit their fields', () => {
    expect(fieldOf(() => encodeBtpFrame({ type: BtpType.Transfer, requestId: 1, amount: -1n, protocolData: [] }))).toBe('transfer.amount')
    expect(fieldOf(() => encodeBtpFrame({ type: BtpType.Message, requestId: 2 ** 32, protocolData: [] }))).toBe('requestId')
    expect(fieldOf(() => encodeBtpFrame({ type: BtpType.Message, requestId: 1, protocolData: [{ protocolName: 'é', contentType: 0, data: utf8('') }] }))).toBe('protocolData[0].protocolName')
    expect(fieldOf(() => encodeBtpFrame({ type: BtpType.Message, requestId: 1, protocolData: [{ protocolName: 'a', contentType: 256, data: utf8('') }] }))).toBe('protocolData[0].contentType')
  })

  it('reads the header of a frame it cannot otherwise read', () => {
    expect(readBtpHeader(hex('06ffffffff'))).toEqual({ type: 6, requestId: 0xffffffff })
    expect(readBtpHeader(hex('06ffff'))).toBeUndefined()
  })

  it('returns plain Uint8Array views even when given a Buffer', () => {
    const bytes = Buffer.from(encodeBtpFrame({ type: BtpType.Message, requestId: 1, protocolData: [{ protocolName: 'ilp', contentType: 0, data: utf8('hi') }] }))
    const frame = decodeBtpFrame(bytes)
    expect(Buffer.isBuffer(frame.protocolData[0]?.data)).toBe(false)
  })
})
