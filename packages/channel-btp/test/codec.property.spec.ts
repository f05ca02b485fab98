import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BtpCodecError, decodeBtpFrame, encodeBtpFrame } from '../src/index.js'
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
})
