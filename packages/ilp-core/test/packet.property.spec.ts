import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  decodeFulfill,
  decodePacket,
  decodePrepare,
  decodeReject,
  encodeFulfill,
  encodePrepare,
  encodeReject,
  IlpCodecError,
  IlpPacketType,
  TruncatedPacketError,
} from '../src/index.js'
import * as arb from './arbitraries.js'

/** A decoder may return a packet or throw a typed codec error: nothing else. */
function packetOrCodecError(decode: () => unknown): void {
  try {
    decode()
  } catch (error) {
    expect(error).toBeInstanceOf(IlpCodecError)
  }
}

const plain = (bytes: Uint8Array) => [...bytes]

describe('round trips', () => {
  it('Prepare', () => {
    fc.assert(
      fc.property(arb.prepare, (prepare) => {
        const bytes = encodePrepare(prepare)
        const decoded = decodePrepare(bytes)
        expect(decoded.amount).toBe(prepare.amount)
        expect(decoded.expiresAt.getTime()).toBe(prepare.expiresAt.getTime())
        expect(plain(decoded.executionCondition)).toEqual(plain(prepare.executionCondition))
        expect(decoded.destination).toBe(prepare.destination)
        expect(plain(decoded.data)).toEqual(plain(prepare.data))
        expect(plain(encodePrepare(decoded))).toEqual(plain(bytes))
      }),
      { numRuns: 500 },
    )
  })

  it('Fulfill', () => {
    fc.assert(
      fc.property(arb.fulfill, (fulfill) => {
        const decoded = decodeFulfill(encodeFulfill(fulfill))
        expect(plain(decoded.fulfillment)).toEqual(plain(fulfill.fulfillment))
        expect(plain(decoded.data)).toEqual(plain(fulfill.data))
      }),
      { numRuns: 500 },
    )
  })

  it('Reject', () => {
    fc.assert(
      fc.property(arb.reject, (reject) => {
        const decoded = decodeReject(encodeReject(reject))
        expect({ ...decoded, data: plain(decoded.data) }).toEqual({ ...reject, data: plain(reject.data) })
      }),
      { numRuns: 500 },
    )
  })

  it('decodePacket tags what each encoder wrote', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          arb.prepare.map((p) => [IlpPacketType.Prepare, encodePrepare(p)] as const),
          arb.fulfill.map((p) => [IlpPacketType.Fulfill, encodeFulfill(p)] as const),
          arb.reject.map((p) => [IlpPacketType.Reject, encodeReject(p)] as const),
        ),
        ([type, bytes]) => {
          expect(decodePacket(bytes).type).toBe(type)
        },
      ),
      { numRuns: 300 },
    )
  })
})

describe('arbitrary input', () => {
  const decoders = { decodePacket, decodePrepare, decodeFulfill, decodeReject }

  it.each(Object.entries(decoders))('%s gives a packet or a typed error for any bytes', (_, decode) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => packetOrCodecError(() => decode(bytes))),
      { numRuns: 2000 },
    )
  })

  it.each(Object.entries(decoders))('%s gives a packet or a typed error for mutated packets', (_, decode) => {
    const packet = fc.oneof(arb.prepare.map(encodePrepare), arb.fulfill.map(encodeFulfill), arb.reject.map(encodeReject))
    fc.assert(
      fc.property(packet, fc.nat(), fc.integer({ min: 0, max: 255 }), (bytes, at, value) => {
        const mutated = Buffer.from(bytes)
        mutated[at % mutated.length] = value
        packetOrCodecError(() => decode(mutated))
      }),
      { numRuns: 1000 },
    )
  })

  it('every strict prefix of a packet is reported as truncated', () => {
    fc.assert(
      fc.property(arb.prepare.map(encodePrepare), fc.nat(), (bytes, cut) => {
        const prefix = bytes.subarray(0, cut % bytes.length)
        expect(() => decodePacket(prefix)).toThrow(TruncatedPacketError)
      }),
      { numRuns: 500 },
    )
  })
})
