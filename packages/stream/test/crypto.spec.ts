import { createDecipheriv, createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { IlpPacketType } from '@stack/ilp-core'
import {
  decodeStreamPacket,
  decrypt,
  DecryptionError,
  encrypt,
  ENCRYPTION_OVERHEAD,
  encryptionKey,
  executionConditionOf,
  FrameType,
  fulfillmentKey,
  fulfillmentOf,
  hmacSha256,
  MAX_STREAM_PACKET_LENGTH,
  randomCondition,
  StreamInvalidFieldError,
} from '../src/index.js'

const hex = (text: string) => new Uint8Array(Buffer.from(text, 'hex'))

// Known answers, produced once by ilp-protocol-stream 2.7.1 (test/interop.spec.ts re-derives
// them live): shared secret 00 01 .. 1f, prepare data "ilp stream known-answer data".
const sharedSecret = new Uint8Array(32).map((_, i) => i)
const prepareData = new TextEncoder().encode('ilp stream known-answer data')
const known = {
  encryptionKey: '86926a93b5d853c1f71309d3180a3d34f835509c499ae6c7134bafcc127f04cf',
  fulfillmentKey: '040b878b96ebfb6bcbc0fb02baabe8602649cff00be7cfbc0d8135cc905230a8',
  fulfillment: '4050363daee69085a756ff880b8bde3a83bcecb65cd7e6391378ff2d95d82c9e',
  condition: '77424a02e43397e8a28ad636e4a59e3b881bf519029d05601596154e98a9b4b5',
  // Packet(sequence 7, Prepare, amount 1000, [StreamMoney(1, 1)]) encrypted by the reference.
  plaintext: '010c01070203e80101110401010101',
  ciphertext: 'e50924a3f6ca6283e7d32f0864f608438b6ee2df988c2ff4f4264c48876d68d6ba528dd8a845ceefddaa9c',
}

describe('RFC 0029 key derivations (known answers)', () => {
  it('derives the encryption key as HMAC-SHA256(secret, "ilp_stream_encryption")', () => {
    expect(encryptionKey(sharedSecret)).toEqual(hex(known.encryptionKey))
  })

  it('derives the fulfillment key as HMAC-SHA256(secret, "ilp_stream_fulfillment")', () => {
    expect(fulfillmentKey(sharedSecret)).toEqual(hex(known.fulfillmentKey))
  })

  it('derives the fulfillment from the prepare data and the condition as its SHA-256', () => {
    const key = fulfillmentKey(sharedSecret)
    expect(fulfillmentOf(key, prepareData)).toEqual(hex(known.fulfillment))
    expect(executionConditionOf(key, prepareData)).toEqual(hex(known.condition))
    expect(createHash('sha256').update(hex(known.fulfillment)).digest()).toEqual(Buffer.from(known.condition, 'hex'))
  })

  it('exposes HMAC-SHA256 itself (RFC 4231 test case 2)', () => {
    const mac = hmacSha256(new TextEncoder().encode('Jefe'), new TextEncoder().encode('what do ya want for nothing?'))
    expect(Buffer.from(mac).toString('hex')).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843')
  })

  it('refuses an empty shared secret', () => {
    expect(() => encryptionKey(new Uint8Array())).toThrow(StreamInvalidFieldError)
  })
})

describe('AES-256-GCM envelope (RFC 0029 §5.1)', () => {
  const key = encryptionKey(sharedSecret)

  it('opens a ciphertext made by the reference implementation', () => {
    const plaintext = decrypt(key, hex(known.ciphertext))
    expect(plaintext).toEqual(hex(known.plaintext))
    expect(decodeStreamPacket(plaintext)).toEqual({
      ilpPacketType: IlpPacketType.Prepare,
      sequence: 7n,
      prepareAmount: 1000n,
      frames: [{ type: FrameType.StreamMoney, streamId: 1n, shares: 1n }],
    })
  })

  it('lays out IV (12) ‖ tag (16) ‖ ciphertext, no length prefix', () => {
    // Opened by hand with node:crypto in exactly that split: the reference's envelope and ours.
    const open = (sealed: Uint8Array) => {
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12), { authTagLength: 16 })
      decipher.setAuthTag(sealed.subarray(12, 28))
      return new Uint8Array(Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]))
    }
    const plaintext = hex(known.plaintext)
    expect(open(hex(known.ciphertext))).toEqual(plaintext)
    const sealed = encrypt(key, plaintext)
    expect(ENCRYPTION_OVERHEAD).toBe(28)
    expect(sealed.length).toBe(plaintext.length + 28)
    expect(open(sealed)).toEqual(plaintext)
    expect(MAX_STREAM_PACKET_LENGTH).toBe(32739)
  })

  it('uses a fresh IV every time', () => {
    const a = encrypt(key, new Uint8Array(10))
    const b = encrypt(key, new Uint8Array(10))
    expect(Buffer.from(a.subarray(0, 12)).equals(Buffer.from(b.subarray(0, 12)))).toBe(false)
  })

  it('round-trips any plaintext, including empty', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (plaintext) => {
        expect(decrypt(key, encrypt(key, plaintext))).toEqual(plaintext)
      }),
      { numRuns: 200 },
    )
  })

  it('refuses data shorter than IV and tag as too-short', () => {
    for (const length of [0, 1, 27]) {
      const error = (() => {
        try {
          decrypt(key, new Uint8Array(length))
        } catch (e) {
          return e
        }
      })()
      expect(error).toBeInstanceOf(DecryptionError)
      expect((error as DecryptionError).reason).toBe('too-short')
    }
  })

  it('refuses a ciphertext under another key, or with any bit flipped, as authentication-failed', () => {
    const sealed = encrypt(key, hex(known.plaintext))
    const other = encryptionKey(new Uint8Array(32))
    expect(() => decrypt(other, sealed)).toThrow(expect.objectContaining({ name: 'DecryptionError', reason: 'authentication-failed' }))
    fc.assert(
      fc.property(fc.nat({ max: sealed.length * 8 - 1 }), (bit) => {
        const flipped = sealed.slice()
        flipped[bit >> 3] = (flipped[bit >> 3] as number) ^ (1 << (bit & 7))
        expect(() => decrypt(key, flipped)).toThrow(DecryptionError)
      }),
      { numRuns: 200 },
    )
  })

  it('answers arbitrary bytes with a DecryptionError, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (data) => {
        expect(() => decrypt(key, data)).toThrow(DecryptionError)
      }),
      { numRuns: 500 },
    )
  })

  it('refuses keys that are not 32 bytes with a typed error naming the key', () => {
    expect(() => encrypt(new Uint8Array(16), new Uint8Array())).toThrow(expect.objectContaining({ field: 'encryptionKey' }))
    expect(() => decrypt(new Uint8Array(31), new Uint8Array(40))).toThrow(StreamInvalidFieldError)
    expect(() => fulfillmentOf(new Uint8Array(0), prepareData)).toThrow(StreamInvalidFieldError)
  })
})

describe('conditions (RFC 0029 §6)', () => {
  it('gives random 32-byte unfulfillable conditions', () => {
    const a = randomCondition()
    expect(a).toHaveLength(32)
    expect(Buffer.from(a).equals(Buffer.from(randomCondition()))).toBe(false)
  })
})
