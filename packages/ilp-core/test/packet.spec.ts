import { describe, expect, it } from 'vitest'
import {
  decodeFulfill,
  decodePacket,
  decodeReply,
  encodeReply,
  decodePrepare,
  decodeReject,
  encodeFulfill,
  encodePrepare,
  encodeReject,
  IlpPacketType,
  InvalidFieldError,
  MAX_UINT64,
  TruncatedPacketError,
  type IlpPrepare,
} from '../src/index.js'

const prepare: IlpPrepare = {
  amount: 107n,
  expiresAt: new Date('2017-12-23T01:21:40.549Z'),
  executionCondition: new Uint8Array(32).fill(7),
  destination: 'example.alice',
  data: new Uint8Array([1, 2, 3]),
}

function codecError(fn: () => unknown): InvalidFieldError | TruncatedPacketError {
  try {
    fn()
  } catch (error) {
    if (error instanceof InvalidFieldError || error instanceof TruncatedPacketError) return error
    throw error
  }
  throw new Error('expected a codec error')
}

describe('encodePrepare', () => {
  it('refuses amounts outside UInt64', () => {
    expect(codecError(() => encodePrepare({ ...prepare, amount: MAX_UINT64 + 1n })).field).toBe('prepare.amount')
    expect(codecError(() => encodePrepare({ ...prepare, amount: -1n })).field).toBe('prepare.amount')
    expect(decodePrepare(encodePrepare({ ...prepare, amount: MAX_UINT64 })).amount).toBe(MAX_UINT64)
  })

  it('refuses a condition that is not 32 bytes', () => {
    const error = codecError(() => encodePrepare({ ...prepare, executionCondition: new Uint8Array(31) }))
    expect(error).toBeInstanceOf(InvalidFieldError)
    expect(error.field).toBe('prepare.executionCondition')
  })

  it('refuses an invalid destination address', () => {
    expect(codecError(() => encodePrepare({ ...prepare, destination: 'nope.alice' })).field).toBe('prepare.destination')
    expect(codecError(() => encodePrepare({ ...prepare, destination: 'g.ålice' })).field).toBe('prepare.destination')
  })

  it('accepts 32767 bytes of data and refuses 32768', () => {
    const max = decodePrepare(encodePrepare({ ...prepare, data: new Uint8Array(32767).fill(1) }))
    expect(max.data.length).toBe(32767)
    expect(codecError(() => encodePrepare({ ...prepare, data: new Uint8Array(32768) })).field).toBe('prepare.data')
  })

  it('refuses dates GeneralizedTime cannot carry', () => {
    expect(codecError(() => encodePrepare({ ...prepare, expiresAt: new Date(NaN) })).field).toBe('prepare.expiresAt')
    expect(codecError(() => encodePrepare({ ...prepare, expiresAt: new Date('+010000-01-01T00:00:00Z') })).field).toBe(
      'prepare.expiresAt',
    )
  })

  it('writes a two-byte length prefix for data of 128 bytes or more', () => {
    const bytes = encodePrepare({ ...prepare, data: new Uint8Array(300) })
    // envelope: type, 0x82 + two length bytes; the data prefix sits right before the data
    expect(bytes[1]).toBe(0x82)
    expect([...bytes.subarray(bytes.length - 303, bytes.length - 300)]).toEqual([0x82, 0x01, 0x2c])
    expect(decodePrepare(bytes).data.length).toBe(300)
  })
})

describe('decodePrepare', () => {
  const bytes = encodePrepare(prepare)
  // offsets inside the packet: type(1) + prefix(1) + amount(8) -> expiresAt at 10
  const EXPIRES_AT = 10
  const DESTINATION_PREFIX = 10 + 17 + 32

  it('round-trips every field', () => {
    const decoded = decodePrepare(bytes)
    expect(decoded.amount).toBe(prepare.amount)
    expect(decoded.expiresAt.getTime()).toBe(prepare.expiresAt.getTime())
    expect([...decoded.executionCondition]).toEqual([...prepare.executionCondition])
    expect(decoded.destination).toBe(prepare.destination)
    expect([...decoded.data]).toEqual([1, 2, 3])
  })

  it('names the field where truncated input ends', () => {
    expect(codecError(() => decodePrepare(new Uint8Array())).field).toBe('packet.type')
    const error = codecError(() => decodePrepare(bytes.subarray(0, bytes.length - 1)))
    expect(error).toBeInstanceOf(TruncatedPacketError)
    expect(error.field).toBe('prepare')
  })

  it('refuses a body whose inner fields run past the envelope', () => {
    const broken = Buffer.from(bytes)
    broken[DESTINATION_PREFIX] = 100 // destination claims more bytes than the body holds
    const error = codecError(() => decodePrepare(broken))
    expect(error).toBeInstanceOf(TruncatedPacketError)
    expect(error.field).toBe('prepare.destination')
  })

  it('refuses trailing bytes after the envelope and inside it', () => {
    expect(codecError(() => decodePrepare(Buffer.concat([bytes, Buffer.from([0])]))).field).toBe('prepare')
    const inner = Buffer.from(bytes)
    inner[1] = (inner[1] ?? 0) + 1
    const padded = Buffer.concat([inner, Buffer.from([0])])
    const error = codecError(() => decodePrepare(padded))
    expect(error).toBeInstanceOf(InvalidFieldError)
    expect(error.field).toBe('prepare')
  })

  it('refuses a non-canonical length prefix', () => {
    // 0x81 0x05 encodes 5 in two bytes where one would do (RFC 0030)
    const content = bytes.subarray(2)
    const noncanonical = Buffer.concat([Buffer.from([12, 0x81, content.length]), content])
    expect(codecError(() => decodePrepare(noncanonical))).toBeInstanceOf(InvalidFieldError)
  })

  it.each([
    ['a letter', '2017122301214054x'],
    ['month 13', '20171323012140549'],
    ['31 April', '20170431012140549'],
    ['hour 24', '20171223242140549'],
    ['second 60', '20171223012160549'],
  ])('refuses an expiresAt with %s', (_, text) => {
    const broken = Buffer.from(bytes)
    broken.write(text, EXPIRES_AT, 'latin1')
    const error = codecError(() => decodePrepare(broken))
    expect(error).toBeInstanceOf(InvalidFieldError)
    expect(error.field).toBe('prepare.expiresAt')
  })

  it('accepts 29 February of a leap year only', () => {
    const broken = Buffer.from(bytes)
    broken.write('20240229000000000', EXPIRES_AT, 'latin1')
    expect(decodePrepare(broken).expiresAt.toISOString()).toBe('2024-02-29T00:00:00.000Z')
    broken.write('20230229000000000', EXPIRES_AT, 'latin1')
    expect(codecError(() => decodePrepare(broken)).field).toBe('prepare.expiresAt')
  })

  it('refuses an invalid destination', () => {
    const broken = Buffer.from(bytes)
    broken.write('x', DESTINATION_PREFIX + 1, 'latin1') // "xxample.alice"
    expect(codecError(() => decodePrepare(broken)).field).toBe('prepare.destination')
  })

  it('refuses another packet type', () => {
    const error = codecError(() => decodePrepare(encodeFulfill({ fulfillment: new Uint8Array(32), data: new Uint8Array() })))
    expect(error.field).toBe('packet.type')
  })
})

describe('Fulfill and Reject', () => {
  it('round-trip', () => {
    const fulfill = decodeFulfill(encodeFulfill({ fulfillment: new Uint8Array(32).fill(9), data: new Uint8Array([4]) }))
    expect([...fulfill.fulfillment]).toEqual(new Array(32).fill(9))
    const reject = decodeReject(
      encodeReject({ code: 'T04', triggeredBy: 'g.connector', message: 'no liquidity 💸', data: new Uint8Array([5]) }),
    )
    expect(reject).toMatchObject({ code: 'T04', triggeredBy: 'g.connector', message: 'no liquidity 💸' })
  })

  it('refuses a fulfillment that is not 32 bytes', () => {
    expect(codecError(() => encodeFulfill({ fulfillment: new Uint8Array(33), data: new Uint8Array() })).field).toBe(
      'fulfill.fulfillment',
    )
  })

  it('refuses a bad code or triggeredBy when encoding a Reject', () => {
    const reject = { code: 'F02', triggeredBy: '', message: '', data: new Uint8Array() }
    expect(decodeReject(encodeReject(reject)).triggeredBy).toBe('')
    expect(codecError(() => encodeReject({ ...reject, code: 'F2' })).field).toBe('reject.code')
    expect(codecError(() => encodeReject({ ...reject, code: 'Fé2' })).field).toBe('reject.code')
    expect(codecError(() => encodeReject({ ...reject, triggeredBy: 'g.' + 'a'.repeat(1022) })).field).toBe('reject.triggeredBy')
  })

  it('refuses a Reject message that is not UTF-8', () => {
    const bytes = Buffer.from(encodeReject({ code: 'F99', triggeredBy: '', message: 'ab', data: new Uint8Array() }))
    bytes[bytes.length - 3] = 0xff // first byte of the message
    expect(codecError(() => decodeReject(bytes)).field).toBe('reject.message')
  })
})

describe('decodePacket', () => {
  it('tags each packet with its type', () => {
    expect(decodePacket(encodePrepare(prepare)).type).toBe(IlpPacketType.Prepare)
    expect(decodePacket(encodeFulfill({ fulfillment: new Uint8Array(32), data: new Uint8Array() })).type).toBe(
      IlpPacketType.Fulfill,
    )
    const reject = decodePacket(encodeReject({ code: 'F00', triggeredBy: 'g.a', message: 'm', data: new Uint8Array() }))
    expect(reject.type === IlpPacketType.Reject && reject.code).toBe('F00')
  })

  it('refuses an unknown type byte', () => {
    const error = codecError(() => decodePacket(Buffer.from([15, 0])))
    expect(error).toBeInstanceOf(InvalidFieldError)
    expect(error.field).toBe('packet.type')
  })
})

describe('decodeReply and encodeReply', () => {
  it('round-trip a Fulfill and a Reject by their tag', () => {
    const fulfill = { type: IlpPacketType.Fulfill as const, fulfillment: new Uint8Array(32).fill(3), data: new Uint8Array() }
    const reject = { type: IlpPacketType.Reject as const, code: 'F99', triggeredBy: 'g.b', message: 'no', data: new Uint8Array() }
    expect(decodeReply(encodeReply(fulfill)).type).toBe(IlpPacketType.Fulfill)
    expect(decodeReply(encodeReply(reject))).toMatchObject({ type: IlpPacketType.Reject, code: 'F99', message: 'no' })
  })

  it('refuses a Prepare where a reply is expected', () => {
    expect(codecError(() => decodeReply(encodePrepare(prepare))).field).toBe('packet.type')
  })
})
