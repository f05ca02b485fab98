import fc from 'fast-check'
import type { IldcpInfo, IlpFulfill, IlpPrepare, IlpReject } from '../src/index.js'

const schemes = ['g', 'private', 'example', 'peer', 'self', 'test', 'test1', 'test2', 'test3', 'local']
const segmentChars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_~-'.split('')

export const segment = fc.string({ unit: fc.constantFrom(...segmentChars), minLength: 1, maxLength: 24 })

export const address = fc
  .tuple(fc.constantFrom(...schemes), fc.array(segment, { minLength: 1, maxLength: 6 }))
  .map(([scheme, segments]) => [scheme, ...segments].join('.'))

export const uint64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })

/** Whole milliseconds in years 0000–9999, the range GeneralizedTime can carry. */
export const timestamp = fc
  .integer({ min: Date.parse('0000-01-01T00:00:00.000Z'), max: Date.parse('9999-12-31T23:59:59.999Z') })
  .map((ms) => new Date(ms))

export const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 })

/** Data up to 32767 bytes, biased to small sizes but crossing the 128 and 256 length-prefix steps. */
export const data = fc.oneof(
  { weight: 6, arbitrary: fc.uint8Array({ maxLength: 300 }) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 32000, maxLength: 32767 }) },
)

export const prepare: fc.Arbitrary<IlpPrepare> = fc.record({
  amount: uint64,
  expiresAt: timestamp,
  executionCondition: bytes32,
  destination: address,
  data,
})

export const fulfill: fc.Arbitrary<IlpFulfill> = fc.record({ fulfillment: bytes32, data })

const codeChar = fc.constantFrom(...'FTR'.split(''))
const digit = fc.constantFrom(...'0123456789'.split(''))

export const reject: fc.Arbitrary<IlpReject> = fc.record({
  code: fc.tuple(codeChar, digit, digit).map((chars) => chars.join('')),
  triggeredBy: fc.oneof(fc.constant(''), address),
  message: fc.string({ unit: 'grapheme', maxLength: 200 }),
  data,
})

export const ildcpInfo: fc.Arbitrary<IldcpInfo> = fc.record({
  clientAddress: address,
  assetScale: fc.integer({ min: 0, max: 255 }),
  assetCode: fc.string({ unit: 'grapheme', maxLength: 16 }),
})
