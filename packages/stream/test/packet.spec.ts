import { describe, expect, it } from 'vitest'
import { IlpPacketType } from '@stack/ilp-core'
import {
  decodeFrame,
  decodeStreamPacket,
  encodeFrame,
  encodeStreamPacket,
  FrameType,
  StreamErrorCode,
  StreamInvalidFieldError,
  StreamTruncatedError,
  StreamVersionError,
  type Frame,
  type StreamPacket,
} from '../src/index.js'

const hex = (text: string) => new Uint8Array(Buffer.from(text.replace(/\s/g, ''), 'hex'))
const MAX = 2n ** 64n - 1n

function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  throw new Error('did not throw')
}

const base: StreamPacket = { ilpPacketType: IlpPacketType.Prepare, sequence: 1n, prepareAmount: 2n, frames: [] }

describe('decodeStreamPacket', () => {
  it('ignores junk after the frames (RFC 0029 §5.2)', () => {
    const bytes = encodeStreamPacket({ ...base, frames: [{ type: FrameType.StreamMoney, streamId: 1n, shares: 3n }] })
    const junk = new Uint8Array([...bytes, 0, 0, 0, 0xff, 0x12])
    expect(decodeStreamPacket(junk)).toEqual(decodeStreamPacket(bytes))
  })

  it('skips frames of unknown types, by their length (RFC 0029 §5.3)', () => {
    // two frames: type 0x08 (unknown) with 3 bytes, then StreamMoney(1, 3)
    const bytes = hex('01 0c 0101 0102 0102   08 03 aabbcc   11 04 0101 0103')
    expect(decodeStreamPacket(bytes).frames).toEqual([{ type: FrameType.StreamMoney, streamId: 1n, shares: 3n }])
    expect(decodeFrame(hex('ff 02 0000'))).toBeUndefined()
  })

  it('skips bytes left inside a known frame after its fields', () => {
    const bytes = hex('01 0c 0101 0102 0101   11 06 0101 0103 dead')
    expect(decodeStreamPacket(bytes).frames).toEqual([{ type: FrameType.StreamMoney, streamId: 1n, shares: 3n }])
  })

  it('refuses other versions with StreamVersionError', () => {
    const error = thrown(() => decodeStreamPacket(hex('02 0c 0100 0100 0100')))
    expect(error).toBeInstanceOf(StreamVersionError)
    expect(error).toMatchObject({ field: 'packet.version', version: 2 })
  })

  it('refuses ILP packet types other than 12, 13, 14', () => {
    expect(thrown(() => decodeStreamPacket(hex('01 0b 0100 0100 0100')))).toMatchObject({
      name: 'StreamInvalidFieldError',
      field: 'packet.ilpPacketType',
    })
  })

  it('refuses non-canonical VarUInts (RFC 0030: no leading zeros, at least one byte)', () => {
    expect(thrown(() => decodeStreamPacket(hex('01 0c 02 0001 0100 0100')))).toMatchObject({ field: 'packet.sequence' })
    expect(thrown(() => decodeStreamPacket(hex('01 0c 00 0100 0100')))).toMatchObject({ field: 'packet.sequence' })
    expect(thrown(() => decodeStreamPacket(hex('01 0c 0100 8101 00')))).toBeInstanceOf(StreamInvalidFieldError) // long-form 1
  })

  it('refuses VarUInts longer than 8 bytes except where RFC 0029 §5.1.4 saturates', () => {
    const nine = '09 010000000000000000'
    expect(thrown(() => decodeStreamPacket(hex(`01 0c ${nine} 0100 0100`)))).toMatchObject({
      name: 'StreamInvalidFieldError',
      field: 'packet.sequence',
    })
    // StreamMaxMoney: receiveMax saturates, totalReceived does not
    expect(decodeFrame(hex(`12 0e 0101 ${nine} 0100`))).toMatchObject({ receiveMax: MAX })
    expect(thrown(() => decodeFrame(hex(`12 0e 0101 0100 ${nine}`)))).toMatchObject({ field: 'streamMaxMoney.totalReceived' })
    expect(decodeFrame(hex(`13 0e 0101 ${nine} 0100`))).toMatchObject({ sendMax: MAX })
    expect(thrown(() => decodeFrame(hex(`11 0c 0101 ${nine}`)))).toMatchObject({ field: 'streamMoney.shares' })
    // a saturating field still has to be canonical
    expect(thrown(() => decodeFrame(hex('12 0e 0101 09 000000000000000001 0100')))).toMatchObject({
      field: 'streamMaxMoney.receiveMax',
    })
  })

  it('refuses a frame count the input cannot hold at once, without looping', () => {
    const error = thrown(() => decodeStreamPacket(hex('01 0c 0100 0100 08ffffffffffffffff')))
    expect(error).toBeInstanceOf(StreamTruncatedError)
    expect(error).toMatchObject({ field: 'packet.frames' })
  })

  it('names the field that was cut short', () => {
    const bytes = encodeStreamPacket({
      ...base,
      frames: [{ type: FrameType.StreamData, streamId: 1n, offset: 0n, data: new Uint8Array(200) }],
    })
    expect(thrown(() => decodeStreamPacket(bytes.subarray(0, bytes.length - 1)))).toMatchObject({
      name: 'StreamTruncatedError',
      field: 'frame.contents',
    })
    expect(thrown(() => decodeStreamPacket(new Uint8Array()))).toMatchObject({ field: 'packet.version' })
    expect(thrown(() => decodeFrame(hex('14 04 0101 0100')))).toMatchObject({ field: 'streamData.data' })
  })

  it('refuses invalid UTF-8 and invalid ILP addresses', () => {
    expect(thrown(() => decodeFrame(hex('01 03 01 01 ff')))).toMatchObject({ field: 'connectionClose.errorMessage' })
    expect(thrown(() => decodeFrame(hex('02 04 03 612e62')))).toMatchObject({ field: 'connectionNewAddress.sourceAccount' })
  })

  it('accepts an empty ConnectionNewAddress, the reference implementations\' "send me your asset details"', () => {
    const frame = { type: FrameType.ConnectionNewAddress, sourceAccount: '' } as const
    expect(decodeFrame(hex('02 01 00'))).toEqual(frame)
    expect(encodeFrame(frame)).toEqual(hex('02 01 00'))
  })

  it('keeps error codes outside the RFC table', () => {
    expect(decodeFrame(hex('01 02 ff 00'))).toEqual({ type: FrameType.ConnectionClose, errorCode: 255, errorMessage: '' })
  })

  it('returns byte fields as views of the input', () => {
    const bytes = encodeStreamPacket({
      ...base,
      frames: [{ type: FrameType.StreamData, streamId: 1n, offset: 0n, data: new Uint8Array([1, 2, 3]) }],
    })
    const frame = decodeStreamPacket(bytes).frames[0]
    expect(frame?.type === FrameType.StreamData && frame.data.buffer).toBe(bytes.buffer)
  })
})

describe('encodeStreamPacket', () => {
  it('writes minimal VarUInts at every length step', () => {
    for (let bytes = 1; bytes <= 8; bytes++) {
      for (const value of [2n ** BigInt(8 * (bytes - 1)), 2n ** BigInt(8 * bytes) - 1n]) {
        if (bytes === 1 && value === 1n) continue
        const frame = encodeFrame({ type: FrameType.ConnectionMaxData, maxOffset: value })
        expect(frame[2]).toBe(bytes)
        expect(decodeFrame(frame)).toEqual({ type: FrameType.ConnectionMaxData, maxOffset: value })
      }
    }
    expect(encodeFrame({ type: FrameType.ConnectionMaxData, maxOffset: 0n })).toEqual(hex('03 02 0100'))
  })

  it('writes long-form length determinants for large data', () => {
    for (const length of [127, 128, 255, 256, 65535, 65536]) {
      const data = new Uint8Array(length).fill(7)
      const frame: Frame = { type: FrameType.StreamData, streamId: 1n, offset: 0n, data }
      expect(decodeFrame(encodeFrame(frame))).toEqual(frame)
    }
  })

  it('encodes UTF-8 text (2-, 3- and 4-byte characters)', () => {
    const frame: Frame = { type: FrameType.StreamClose, streamId: 9n, errorCode: StreamErrorCode.ApplicationError, errorMessage: 'é€😀' }
    const bytes = encodeFrame(frame)
    expect(bytes).toEqual(hex(`10 0d 0109 09 09 c3a9 e282ac f09f9880`))
    expect(decodeFrame(bytes)).toEqual(frame)
  })

  it('refuses out-of-range values with typed errors naming the field, before writing anything', () => {
    const cases: [StreamPacket, string][] = [
      [{ ...base, sequence: -1n }, 'packet.sequence'],
      [{ ...base, prepareAmount: 2n ** 64n }, 'packet.prepareAmount'],
      [{ ...base, ilpPacketType: 15 as IlpPacketType }, 'packet.ilpPacketType'],
      [{ ...base, frames: [{ type: FrameType.StreamMoney, streamId: 1n, shares: MAX + 1n }] }, 'streamMoney.shares'],
      [{ ...base, frames: [{ type: FrameType.ConnectionClose, errorCode: 256, errorMessage: '' }] }, 'connectionClose.errorCode'],
      [{ ...base, frames: [{ type: FrameType.ConnectionClose, errorCode: 1, errorMessage: '\ud800' }] }, 'connectionClose.errorMessage'],
      [{ ...base, frames: [{ type: FrameType.ConnectionNewAddress, sourceAccount: 'nope' }] }, 'connectionNewAddress.sourceAccount'],
      [{ ...base, frames: [{ type: FrameType.ConnectionAssetDetails, sourceAssetCode: 'X', sourceAssetScale: 1.5 }] }, 'connectionAssetDetails.sourceAssetScale'],
      [{ ...base, frames: [{ type: 0x42 } as unknown as Frame] }, 'frame.type'],
      [{ ...base, sequence: 1 as unknown as bigint }, 'packet.sequence'],
    ]
    for (const [packet, field] of cases) {
      const error = thrown(() => encodeStreamPacket(packet))
      expect(error).toBeInstanceOf(StreamInvalidFieldError)
      expect(error).toMatchObject({ field })
    }
    expect(thrown(() => encodeStreamPacket(base, { padToLength: -1 }))).toMatchObject({ field: 'options.padToLength' })
  })
})
