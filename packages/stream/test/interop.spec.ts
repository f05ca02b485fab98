// Cross-checks against the published reference, ilp-protocol-stream 2.7.1 (its internal
// packet, crypto and receipt modules). Slower than the rest: its own file.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as ref from 'ilp-protocol-stream/dist/src/packet.js'
import * as refCrypto from 'ilp-protocol-stream/dist/src/crypto.js'
import * as refReceipt from 'ilp-protocol-stream/dist/src/util/receipt.js'
import {
  createReceipt,
  decodeReceipt,
  decodeStreamPacket,
  decrypt,
  encodeStreamPacket,
  encrypt,
  encryptionKey,
  executionConditionOf,
  FrameType,
  fulfillmentKey,
  fulfillmentOf,
  verifyReceipt,
  type Frame,
  type StreamPacket,
} from '../src/index.js'
import * as arb from './arbitraries.js'

const s = (n: bigint) => n.toString()
const buf = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
const big = (long: { toString(): string }) => BigInt(long.toString())

function toReference(frame: Frame): ref.Frame {
  switch (frame.type) {
    case FrameType.ConnectionClose:
      return new ref.ConnectionCloseFrame(frame.errorCode, frame.errorMessage)
    case FrameType.ConnectionNewAddress:
      return new ref.ConnectionNewAddressFrame(frame.sourceAccount)
    case FrameType.ConnectionAssetDetails:
      return new ref.ConnectionAssetDetailsFrame(frame.sourceAssetCode, frame.sourceAssetScale)
    case FrameType.ConnectionMaxData:
      return new ref.ConnectionMaxDataFrame(s(frame.maxOffset))
    case FrameType.ConnectionDataBlocked:
      return new ref.ConnectionDataBlockedFrame(s(frame.maxOffset))
    case FrameType.ConnectionMaxStreamId:
      return new ref.ConnectionMaxStreamIdFrame(s(frame.maxStreamId))
    case FrameType.ConnectionStreamIdBlocked:
      return new ref.ConnectionStreamIdBlockedFrame(s(frame.maxStreamId))
    case FrameType.StreamClose:
      return new ref.StreamCloseFrame(s(frame.streamId), frame.errorCode, frame.errorMessage)
    case FrameType.StreamMoney:
      return new ref.StreamMoneyFrame(s(frame.streamId), s(frame.shares))
    case FrameType.StreamMaxMoney:
      return new ref.StreamMaxMoneyFrame(s(frame.streamId), s(frame.receiveMax), s(frame.totalReceived))
    case FrameType.StreamMoneyBlocked:
      return new ref.StreamMoneyBlockedFrame(s(frame.streamId), s(frame.sendMax), s(frame.totalSent))
    case FrameType.StreamData:
      return new ref.StreamDataFrame(s(frame.streamId), s(frame.offset), buf(frame.data))
    case FrameType.StreamMaxData:
      return new ref.StreamMaxDataFrame(s(frame.streamId), s(frame.maxOffset))
    case FrameType.StreamDataBlocked:
      return new ref.StreamDataBlockedFrame(s(frame.streamId), s(frame.maxOffset))
    case FrameType.StreamReceipt:
      return new ref.StreamReceiptFrame(s(frame.streamId), buf(frame.receipt))
  }
}

function fromReference(frame: ref.Frame): Frame {
  switch (frame.type) {
    case ref.FrameType.ConnectionClose:
      return { type: FrameType.ConnectionClose, errorCode: frame.errorCode, errorMessage: frame.errorMessage }
    case ref.FrameType.ConnectionNewAddress:
      return { type: FrameType.ConnectionNewAddress, sourceAccount: frame.sourceAccount }
    case ref.FrameType.ConnectionAssetDetails:
      return { type: FrameType.ConnectionAssetDetails, sourceAssetCode: frame.sourceAssetCode, sourceAssetScale: frame.sourceAssetScale }
    case ref.FrameType.ConnectionMaxData:
      return { type: FrameType.ConnectionMaxData, maxOffset: big(frame.maxOffset) }
    case ref.FrameType.ConnectionDataBlocked:
      return { type: FrameType.ConnectionDataBlocked, maxOffset: big(frame.maxOffset) }
    case ref.FrameType.ConnectionMaxStreamId:
      return { type: FrameType.ConnectionMaxStreamId, maxStreamId: big(frame.maxStreamId) }
    case ref.FrameType.ConnectionStreamIdBlocked:
      return { type: FrameType.ConnectionStreamIdBlocked, maxStreamId: big(frame.maxStreamId) }
    case ref.FrameType.StreamClose:
      return { type: FrameType.StreamClose, streamId: big(frame.streamId), errorCode: frame.errorCode, errorMessage: frame.errorMessage }
    case ref.FrameType.StreamMoney:
      return { type: FrameType.StreamMoney, streamId: big(frame.streamId), shares: big(frame.shares) }
    case ref.FrameType.StreamMaxMoney:
      return {
        type: FrameType.StreamMaxMoney,
        streamId: big(frame.streamId),
        receiveMax: big(frame.receiveMax),
        totalReceived: big(frame.totalReceived),
      }
    case ref.FrameType.StreamMoneyBlocked:
      return { type: FrameType.StreamMoneyBlocked, streamId: big(frame.streamId), sendMax: big(frame.sendMax), totalSent: big(frame.totalSent) }
    case ref.FrameType.StreamData:
      return { type: FrameType.StreamData, streamId: big(frame.streamId), offset: big(frame.offset), data: new Uint8Array(frame.data) }
    case ref.FrameType.StreamMaxData:
      return { type: FrameType.StreamMaxData, streamId: big(frame.streamId), maxOffset: big(frame.maxOffset) }
    case ref.FrameType.StreamDataBlocked:
      return { type: FrameType.StreamDataBlocked, streamId: big(frame.streamId), maxOffset: big(frame.maxOffset) }
    case ref.FrameType.StreamReceipt:
      return { type: FrameType.StreamReceipt, streamId: big(frame.streamId), receipt: new Uint8Array(frame.receipt) }
  }
}

const toReferencePacket = (p: StreamPacket) =>
  new ref.Packet(s(p.sequence), p.ilpPacketType as number, s(p.prepareAmount), p.frames.map(toReference))

const fromReferencePacket = (p: ref.Packet): StreamPacket => ({
  ilpPacketType: p.ilpPacketType as number,
  sequence: big(p.sequence),
  prepareAmount: big(p.prepareAmount),
  frames: p.frames.map(fromReference),
})

/** Byte fields as plain arrays, so views and Buffers compare by content. */
const normal = (p: StreamPacket) =>
  JSON.parse(JSON.stringify(p, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? [...v] : v))) as unknown

describe('interop with ilp-protocol-stream 2.7.1', { timeout: 120_000 }, () => {
  it('our encode equals its serialize byte for byte, and each decodes the other', () => {
    fc.assert(
      fc.property(arb.packet, (packet) => {
        const ours = encodeStreamPacket(packet)
        const theirs = toReferencePacket(packet)._serialize()
        expect(Buffer.compare(buf(ours), theirs)).toBe(0)
        expect(normal(fromReferencePacket(ref.Packet._deserializeUnencrypted(buf(ours))))).toEqual(normal(packet))
        expect(normal(decodeStreamPacket(theirs))).toEqual(normal(packet))
      }),
      { numRuns: 2000 },
    )
  })

  it('derives the same keys, fulfillments and conditions', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.uint8Array({ maxLength: 200 }), async (secret, data) => {
        const s = buf(secret)
        expect(buf(encryptionKey(secret))).toEqual(await refCrypto.generatePskEncryptionKey(s))
        const theirKey = await refCrypto.generateFulfillmentKey(s)
        expect(buf(fulfillmentKey(secret))).toEqual(theirKey)
        const theirFulfillment = await refCrypto.generateFulfillment(theirKey, buf(data))
        expect(buf(fulfillmentOf(fulfillmentKey(secret), data))).toEqual(theirFulfillment)
        expect(buf(executionConditionOf(fulfillmentKey(secret), data))).toEqual(await refCrypto.hash(theirFulfillment))
      }),
      { numRuns: 300 },
    )
  })

  it('our ciphertext opens with its decrypt, and its ciphertext with ours', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 32 }), arb.packet, async (secret, packet) => {
        const key = encryptionKey(secret)
        const plaintext = encodeStreamPacket(packet)
        expect(await refCrypto.decrypt(buf(key), buf(encrypt(key, plaintext)))).toEqual(buf(plaintext))
        const theirs = await toReferencePacket(packet).serializeAndEncrypt(buf(key))
        expect(normal(decodeStreamPacket(decrypt(key, theirs)))).toEqual(normal(packet))
        const ours = encrypt(key, plaintext)
        expect(normal(fromReferencePacket(await ref.Packet.decryptAndDeserialize(buf(key), buf(ours))))).toEqual(normal(packet))
      }),
      { numRuns: 200 },
    )
  })

  it('decodes its zero-padded packets (RFC 0029 §5.2 junk data)', async () => {
    const key = encryptionKey(new Uint8Array(32).fill(9))
    const packet: StreamPacket = { ilpPacketType: 13, sequence: 5n, prepareAmount: 9n, frames: [] }
    const padded = await toReferencePacket(packet).serializeAndEncrypt(buf(key), 1000)
    expect(padded.length).toBe(1000)
    expect(decodeStreamPacket(decrypt(key, padded))).toEqual(packet)
  })

  it('creates, decodes and verifies the same receipts', () => {
    const options = fc.record({
      nonce: fc.uint8Array({ minLength: 16, maxLength: 16 }),
      streamId: fc.bigInt({ min: 0n, max: 255n }),
      totalReceived: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      secret: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    })
    fc.assert(
      fc.property(options, (o) => {
        const ours = createReceipt(o)
        const theirs = refReceipt.createReceipt({
          nonce: buf(o.nonce),
          streamId: Number(o.streamId),
          totalReceived: s(o.totalReceived),
          secret: buf(o.secret),
        })
        expect(buf(ours)).toEqual(theirs)
        const decoded = refReceipt.verifyReceipt(buf(ours), buf(o.secret))
        expect(big(decoded.totalReceived)).toBe(o.totalReceived)
        expect(BigInt(decoded.streamId)).toBe(o.streamId)
        expect(verifyReceipt(theirs, o.secret)).toEqual(decodeReceipt(ours))
      }),
      { numRuns: 300 },
    )
  })
})
