import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  decodeFrame,
  decodeStreamPacket,
  encodeFrame,
  encodeStreamPacket,
  StreamCodecError,
  streamPacketLength,
} from '../src/index.js'
import * as arb from './arbitraries.js'

/** A decoder may return a value or throw a typed codec error: nothing else. */
function valueOrCodecError(decode: () => unknown): void {
  try {
    decode()
  } catch (error) {
    if (!(error instanceof StreamCodecError)) throw error
    expect(typeof error.field).toBe('string')
  }
}

describe('round trips', () => {
  it('decode(encode(packet)) is the packet, and re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(arb.packet, (packet) => {
        const bytes = encodeStreamPacket(packet)
        expect(bytes.length).toBe(streamPacketLength(packet))
        const decoded = decodeStreamPacket(bytes)
        expect(decoded).toEqual(packet)
        expect(Buffer.from(encodeStreamPacket(decoded)).equals(bytes)).toBe(true)
      }),
      { numRuns: 400 },
    )
  })

  it('every frame type round-trips alone through encodeFrame/decodeFrame', () => {
    fc.assert(
      fc.property(arb.frame, (frame) => {
        expect(decodeFrame(encodeFrame(frame))).toEqual(frame)
      }),
      { numRuns: 600 },
    )
  })

  it('padding keeps the packet decodable and is all zeros', () => {
    fc.assert(
      fc.property(arb.packet, fc.integer({ min: 0, max: 2000 }), (packet, padToLength) => {
        const plain = encodeStreamPacket(packet)
        const padded = encodeStreamPacket(packet, { padToLength })
        expect(padded.length).toBe(Math.max(plain.length, padToLength))
        expect(padded.subarray(0, plain.length)).toEqual(plain)
        expect(padded.subarray(plain.length).every((b) => b === 0)).toBe(true)
        expect(decodeStreamPacket(padded)).toEqual(packet)
      }),
      { numRuns: 100 },
    )
  })
})

describe('decoders take any bytes', () => {
  it('decodeStreamPacket: arbitrary bytes give a packet or a StreamCodecError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => valueOrCodecError(() => decodeStreamPacket(bytes))), {
      numRuns: 2000,
    })
  })

  it('decodeStreamPacket: a valid header then arbitrary bytes', () => {
    const header = fc.tuple(fc.constantFrom(12, 13, 14), fc.uint8Array({ maxLength: 120 }))
    fc.assert(
      fc.property(header, ([type, rest]) =>
        valueOrCodecError(() => decodeStreamPacket(new Uint8Array([1, type, 1, 0, 1, 0, ...rest]))),
      ),
      { numRuns: 2000 },
    )
  })

  it('decodeFrame: every frame type byte followed by arbitrary contents', () => {
    const contents = fc.tuple(fc.integer({ min: 0, max: 0x20 }), fc.uint8Array({ maxLength: 80 }))
    fc.assert(
      fc.property(contents, ([type, body]) => {
        valueOrCodecError(() => decodeFrame(new Uint8Array([type, body.length, ...body])))
        valueOrCodecError(() => decodeFrame(new Uint8Array([type, ...body])))
      }),
      { numRuns: 3000 },
    )
  })

  it('mutations of encoded packets give a packet or a StreamCodecError', () => {
    // Fuzzer seeded from the encoder's output: flip, insert and delete bytes of valid packets.
    const mutation = fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }), op: fc.constantFrom('set', 'insert', 'delete', 'cut') })
    fc.assert(
      fc.property(arb.packet, fc.array(mutation, { minLength: 1, maxLength: 4 }), (packet, mutations) => {
        let bytes = [...encodeStreamPacket(packet)]
        for (const { at, byte, op } of mutations) {
          const i = bytes.length === 0 ? 0 : at % bytes.length
          if (op === 'set') bytes[i] = byte
          else if (op === 'insert') bytes.splice(i, 0, byte)
          else if (op === 'delete') bytes.splice(i, 1)
          else bytes = bytes.slice(0, i)
        }
        valueOrCodecError(() => decodeStreamPacket(new Uint8Array(bytes)))
      }),
      { numRuns: 500 },
    )
  })
})
