import fc from 'fast-check'
import { IlpPacketType } from '@stack/ilp-core'
import { FrameType, type Frame, type StreamPacket } from '../src/index.js'

/** UInt64 biased to the edges where the VarUInt length changes. */
export const uint64 = fc.oneof(
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  fc.integer({ min: 0, max: 64 }).chain((bits) =>
    fc.constantFrom(...[2n ** BigInt(bits) - 1n, 2n ** BigInt(bits), 2n ** BigInt(bits) + 1n].filter((n) => n >= 0n && n < 2n ** 64n)),
  ),
)
export const uint8 = fc.integer({ min: 0, max: 255 })

const schemes = ['g', 'private', 'example', 'peer', 'self', 'test', 'test1', 'test2', 'test3', 'local']
const segmentChars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_~-'.split('')
const segment = fc.string({ unit: fc.constantFrom(...segmentChars), minLength: 1, maxLength: 20 })
export const address = fc
  .tuple(fc.constantFrom(...schemes), fc.array(segment, { minLength: 1, maxLength: 5 }))
  .map(([scheme, segments]) => [scheme, ...segments].join('.'))

/** Any well-formed Unicode, including astral characters (4 UTF-8 bytes) and, rarely, long texts. */
export const text = fc.oneof(
  { weight: 8, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 100, maxLength: 400 }) },
)
/**
 * Byte strings, mostly short, sometimes past 65535 bytes (a 3-byte length determinant).
 * Large ones are filled from a seed: fast-check would draw (and try to shrink) each byte.
 */
export const bytes = fc.oneof(
  { weight: 20, arbitrary: fc.uint8Array({ maxLength: 300 }) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.integer({ min: 60_000, max: 70_000 }), fc.integer()).map(([length, seed]) => {
      const out = new Uint8Array(length)
      let x = seed | 1
      for (let i = 0; i < length; i++) {
        x ^= x << 13
        x ^= x >>> 17
        x ^= x << 5
        out[i] = x & 0xff
      }
      return out
    }),
  },
)

export const frame: fc.Arbitrary<Frame> = fc.oneof(
  fc.record({ type: fc.constant(FrameType.ConnectionClose), errorCode: uint8, errorMessage: text }),
  fc.record({ type: fc.constant(FrameType.ConnectionNewAddress), sourceAccount: address }),
  fc.record({ type: fc.constant(FrameType.ConnectionMaxData), maxOffset: uint64 }),
  fc.record({ type: fc.constant(FrameType.ConnectionDataBlocked), maxOffset: uint64 }),
  fc.record({ type: fc.constant(FrameType.ConnectionMaxStreamId), maxStreamId: uint64 }),
  fc.record({ type: fc.constant(FrameType.ConnectionStreamIdBlocked), maxStreamId: uint64 }),
  fc.record({ type: fc.constant(FrameType.ConnectionAssetDetails), sourceAssetCode: text, sourceAssetScale: uint8 }),
  fc.record({ type: fc.constant(FrameType.StreamClose), streamId: uint64, errorCode: uint8, errorMessage: text }),
  fc.record({ type: fc.constant(FrameType.StreamMoney), streamId: uint64, shares: uint64 }),
  fc.record({ type: fc.constant(FrameType.StreamMaxMoney), streamId: uint64, receiveMax: uint64, totalReceived: uint64 }),
  fc.record({ type: fc.constant(FrameType.StreamMoneyBlocked), streamId: uint64, sendMax: uint64, totalSent: uint64 }),
  fc.record({ type: fc.constant(FrameType.StreamData), streamId: uint64, offset: uint64, data: bytes }),
  fc.record({ type: fc.constant(FrameType.StreamMaxData), streamId: uint64, maxOffset: uint64 }),
  fc.record({ type: fc.constant(FrameType.StreamDataBlocked), streamId: uint64, maxOffset: uint64 }),
  fc.record({ type: fc.constant(FrameType.StreamReceipt), streamId: uint64, receipt: bytes }),
)

export const packetType = fc.constantFrom(IlpPacketType.Prepare, IlpPacketType.Fulfill, IlpPacketType.Reject)

export const packet: fc.Arbitrary<StreamPacket> = fc.record({
  ilpPacketType: packetType,
  sequence: uint64,
  prepareAmount: uint64,
  frames: fc.array(frame, { maxLength: 8 }),
})
