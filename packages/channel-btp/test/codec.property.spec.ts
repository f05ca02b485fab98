import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BtpCodecError, BtpType, decodeBtpFrame, encodeBtpFrame } from '../src/index.js'
import type { BtpFrame } from '../src/index.js'
import { readIlpFrame } from '../src/decode.js'
import { encodeIlpFrame } from '../src/encode.js'
import { btpFrame } from './fixtures/arbitraries.js'

describe('BTP frame codec properties', () => {
  it('decodes what it encodes', () => {
    fc.assert(
      fc.property(btpFrame, (frame) => {
        expect(decodeBtpFrame(encodeBtpFrame(frame))).toEqual(frame)
      }),
      { numRuns: 500 }
    )
  })

  it('re-encodes any frame it decoded to the same bytes (one encoding per frame)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        let frame
        try {
          frame = decodeBtpFrame(bytes)
        } catch (error) {
          expect(error).toBeInstanceOf(BtpCodecError)
          expect((error as BtpCodecError).field).toMatch(/^[a-zA-Z[\]0-9.]+$/)
          return
        }
        expect(encodeBtpFrame(frame)).toEqual(bytes)
      }),
      { numRuns: 5000 }
    )
  })

  it('answers every mutation of a valid frame with a frame or a typed error naming the field', () => {
    // A fuzzer seeded from the encoder's output: flip, cut and extend real frames.
    const mutated = fc.tuple(btpFrame, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat(), fc.boolean())
    fc.assert(
      fc.property(mutated, ([frame, flips, cut, extend]) => {
        const bytes = Uint8Array.from(encodeBtpFrame(frame))
        for (const [at, value] of flips) bytes[at % bytes.length] = value
        const input = extend ? Uint8Array.from([...bytes, cut & 0xff]) : bytes.subarray(0, bytes.length - (cut % bytes.length))
        try {
          decodeBtpFrame(input)
        } catch (error) {
          expect(error).toBeInstanceOf(BtpCodecError)
          expect(typeof (error as BtpCodecError).field).toBe('string')
        }
      }),
      { numRuns: 2000 }
    )
  })

  it('writes an ilp frame as encodeBtpFrame writes the same frame', () => {
    const args = fc.tuple(fc.constantFrom(BtpType.Message, BtpType.Response), fc.integer({ min: 0, max: 0xffff_ffff }), fc.uint8Array({ maxLength: 70_000, size: 'large' }))
    fc.assert(
      fc.property(args, ([type, requestId, data]) => {
        const frame = { type, requestId, protocolData: [{ protocolName: 'ilp', contentType: 0, data }] }
        expect(Uint8Array.from(encodeIlpFrame(type, requestId, data))).toEqual(encodeBtpFrame(frame))
      }),
      { numRuns: 300 }
    )
  })

  it('reads an ilp frame exactly when decodeBtpFrame finds one, and the same fields', () => {
    // Valid frames of every shape, their mutations, and noise.
    const mutated = fc.tuple(btpFrame, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 2 }), fc.nat(), fc.boolean())
      .map(([frame, flips, cut, extend]) => {
        const bytes = Uint8Array.from(encodeBtpFrame(frame))
        for (const [at, value] of flips) bytes[at % bytes.length] = value
        return extend ? Uint8Array.from([...bytes, cut & 0xff]) : bytes.subarray(0, bytes.length - (cut % 3))
      })
    const ilpFrame = fc.record({
      type: fc.constantFrom(BtpType.Message, BtpType.Response),
      requestId: fc.integer({ min: 0, max: 0xffff_ffff }),
      contentType: fc.integer({ min: 0, max: 255 }),
      data: fc.uint8Array({ maxLength: 300 })
    }).map(({ type, requestId, contentType, data }) => encodeBtpFrame({ type, requestId, protocolData: [{ protocolName: 'ilp', contentType, data }] }))
    // Flips in the header and the entry's fields, where the fast path reads.
    const flipped = fc.tuple(ilpFrame, fc.array(fc.tuple(fc.nat({ max: 15 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 2 }))
      .map(([frame, flips]) => {
        const bytes = Uint8Array.from(frame)
        for (const [at, value] of flips) bytes[at % bytes.length] = value
        return bytes
      })
    const input = fc.oneof(mutated, ilpFrame, flipped, ilpFrame.map((bytes) => bytes.subarray(0, bytes.length - 1)), fc.uint8Array({ maxLength: 64 }))
    fc.assert(
      fc.property(input, (bytes) => {
        let frame: BtpFrame | undefined
        try {
          frame = decodeBtpFrame(bytes)
        } catch {
          frame = undefined
        }
        const fast = readIlpFrame(bytes)
        const entry = frame?.protocolData[0]
        const isIlp = frame !== undefined && (frame.type === BtpType.Message || frame.type === BtpType.Response) &&
          frame.protocolData.length === 1 && entry?.protocolName === 'ilp'
        if (!isIlp) {
          expect(fast).toBeUndefined()
          return
        }
        expect(fast).toEqual({ type: frame?.type, requestId: frame?.requestId, contentType: entry.contentType, data: entry.data })
      }),
      { numRuns: 5000 }
    )
  })

  it('leaves lengths not in their shortest form to decodeBtpFrame, which refuses them', () => {
    // MESSAGE 7, data 'abcde' with its length as 81 05 and as 82 00 05; then the outer length as 81 0e.
    const frames = [
      '0600000007' + '0e' + '0101' + '03696c70' + '00' + '8105' + '6162636465',
      '0600000007' + '0f' + '0101' + '03696c70' + '00' + '820005' + '6162636465',
      '0600000007' + '810d' + '0101' + '03696c70' + '00' + '05' + '6162636465'
    ].map((hex) => Uint8Array.from(Buffer.from(hex, 'hex')))
    for (const bytes of frames) {
      expect(() => decodeBtpFrame(bytes)).toThrow(BtpCodecError)
      expect(readIlpFrame(bytes)).toBeUndefined()
    }
  })
})
