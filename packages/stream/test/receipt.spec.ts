import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  createReceipt,
  decodeReceipt,
  decodeStreamPacket,
  FrameType,
  InvalidReceiptError,
  RECEIPT_LENGTH,
  StreamCodecError,
  StreamInvalidFieldError,
  StreamTruncatedError,
  StreamVersionError,
  verifyReceipt,
} from '../src/index.js'
import { loadVectors } from './vector-frames.js'

const secret = new Uint8Array(32).fill(0x42)
const nonce = new Uint8Array(16).map((_, i) => i + 1)

describe('RFC 0039 receipts', () => {
  it('verifies the receipt of the public frame:stream_receipt vector (secret: 32 zero bytes)', () => {
    const vector = loadVectors().find((v) => v.name === 'frame:stream_receipt')
    const frame = vector && decodeStreamPacket(vector.bytes).frames[0]
    if (frame?.type !== FrameType.StreamReceipt) throw new Error('vector missing')
    const receipt = verifyReceipt(frame.receipt, new Uint8Array(32))
    expect(receipt).toMatchObject({ version: 1, streamId: 1n, totalReceived: 500n })
    expect(receipt.nonce).toEqual(new Uint8Array(16))
    expect(createReceipt({ nonce: new Uint8Array(16), streamId: 1n, totalReceived: 500n, secret: new Uint8Array(32) })).toEqual(
      frame.receipt,
    )
  })

  it('lays out version ‖ nonce ‖ streamId (UInt8) ‖ totalReceived (UInt64) ‖ HMAC, 58 bytes', () => {
    const bytes = createReceipt({ nonce, streamId: 5n, totalReceived: 2n ** 64n - 1n, secret })
    expect(RECEIPT_LENGTH).toBe(58)
    expect(bytes).toHaveLength(58)
    expect(Buffer.from(bytes.subarray(0, 26)).toString('hex')).toBe('01' + Buffer.from(nonce).toString('hex') + '05' + 'ff'.repeat(8))
  })

  it('round-trips any receipt and verifies it only under its secret', () => {
    const options = fc.record({
      nonce: fc.uint8Array({ minLength: 16, maxLength: 16 }),
      streamId: fc.bigInt({ min: 0n, max: 255n }),
      totalReceived: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      secret: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    })
    fc.assert(
      fc.property(options, (o) => {
        const bytes = createReceipt(o)
        const decoded = decodeReceipt(bytes)
        expect(decoded).toMatchObject({ version: 1, streamId: o.streamId, totalReceived: o.totalReceived })
        expect(decoded.nonce).toEqual(o.nonce)
        expect(verifyReceipt(bytes, o.secret)).toEqual(decoded)
        expect(verifyReceipt(bytes, () => o.secret)).toEqual(decoded)
        const wrong = o.secret.slice()
        wrong[0] = (wrong[0] as number) ^ 1
        expect(() => verifyReceipt(bytes, wrong)).toThrow(InvalidReceiptError)
      }),
      { numRuns: 200 },
    )
  })

  it('hands the decoded receipt to a secret function (stateless verifier)', () => {
    const bytes = createReceipt({ nonce, streamId: 3n, totalReceived: 10n, secret })
    let seen: Uint8Array | undefined
    verifyReceipt(bytes, (receipt) => {
      seen = receipt.nonce
      return secret
    })
    expect(seen).toEqual(nonce)
  })

  it('rejects a tampered amount', () => {
    const bytes = createReceipt({ nonce, streamId: 1n, totalReceived: 100n, secret })
    bytes[25] = 0xff
    expect(() => verifyReceipt(bytes, secret)).toThrow(InvalidReceiptError)
  })

  it('refuses bad options with typed errors naming the field', () => {
    const ok = { nonce, streamId: 1n, totalReceived: 1n, secret }
    expect(() => createReceipt({ ...ok, nonce: new Uint8Array(15) })).toThrow(expect.objectContaining({ field: 'receipt.nonce' }))
    expect(() => createReceipt({ ...ok, streamId: 256n })).toThrow(expect.objectContaining({ field: 'receipt.streamId' }))
    expect(() => createReceipt({ ...ok, totalReceived: -1n })).toThrow(expect.objectContaining({ field: 'receipt.totalReceived' }))
    expect(() => createReceipt({ ...ok, secret: new Uint8Array(31) })).toThrow(StreamInvalidFieldError)
  })

  it('refuses other versions, short and long receipts', () => {
    const bytes = createReceipt({ nonce, streamId: 1n, totalReceived: 1n, secret })
    const v2 = bytes.slice()
    v2[0] = 2
    expect(() => decodeReceipt(v2)).toThrow(StreamVersionError)
    expect(() => decodeReceipt(bytes.subarray(0, 57))).toThrow(StreamTruncatedError)
    expect(() => decodeReceipt(new Uint8Array())).toThrow(StreamTruncatedError)
    expect(() => decodeReceipt(new Uint8Array([...bytes, 0]))).toThrow(StreamInvalidFieldError)
  })

  it('answers arbitrary bytes with a receipt or a typed error', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 80 }), fc.uint8Array({ minLength: 58, maxLength: 58 })), (bytes) => {
        try {
          verifyReceipt(bytes, secret)
        } catch (error) {
          expect(error instanceof StreamCodecError || error instanceof InvalidReceiptError).toBe(true)
        }
      }),
      { numRuns: 1000 },
    )
  })
})
