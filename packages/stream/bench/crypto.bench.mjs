// `pnpm bench` in stream: what each step of one money packet's round trip costs (client seals
// the Prepare, server opens it and seals its Fulfill, client opens that), each against the bare
// node:crypto calls it makes (the floor), and the sum per packet. The packets are the ones the
// connection bench sends: a StreamMoney Prepare, a Fulfill with StreamMaxMoney and StreamMaxData.
// Keys are derived once per connection, never per packet. Measures the built package (dist/).
import { createCipheriv, createDecipheriv, createHmac, hash, randomBytes } from 'node:crypto'
import { IlpPacketType, conditionOf } from '@stack/ilp-core'
import { compare } from '@stack/bench'
import { decodeStreamPacket, decrypt, encodeStreamPacket, encrypt, encryptionKey, fulfillmentKey, fulfillmentOf, FrameType } from '../dist/index.js'

const sharedSecret = new Uint8Array(randomBytes(32))
const key = encryptionKey(sharedSecret)
const fKey = fulfillmentKey(sharedSecret)
const prepare = { ilpPacketType: IlpPacketType.Prepare, sequence: 5_000n, prepareAmount: 990n, frames: [{ type: FrameType.StreamMoney, streamId: 1n, shares: 1n }] }
const fulfill = {
  ilpPacketType: IlpPacketType.Fulfill,
  sequence: 5_000n,
  prepareAmount: 1_000n,
  frames: [
    { type: FrameType.StreamMaxMoney, streamId: 1n, receiveMax: 2n ** 64n - 1n, totalReceived: 5_000_000n },
    { type: FrameType.StreamMaxData, streamId: 1n, maxOffset: 65_534n },
  ],
}
const prepareBytes = encodeStreamPacket(prepare)
const fulfillBytes = encodeStreamPacket(fulfill)
const sealedPrepare = encrypt(key, prepareBytes)
const sealedFulfill = encrypt(key, fulfillBytes)
const fulfillment = fulfillmentOf(fKey, sealedPrepare)
const iv = new Uint8Array(randomBytes(12))

// The floor: node:crypto alone, no checks, no envelope.
function bareSeal(plaintext) {
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.update(plaintext)
  cipher.final()
  return cipher.getAuthTag()
}
function bareOpen(data) {
  const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12), { authTagLength: 16 })
  decipher.setAuthTag(data.subarray(12, 28))
  decipher.update(data.subarray(28))
  return decipher.final()
}

const options = { batch: 200, roundMs: 200, rounds: 7, warmup: 5_000, referenceName: 'bare node:crypto' }
const steps = [
  // [step, per packet, ours, floor]
  ['encode STREAM packet (frames, OER)', 2, () => encodeStreamPacket(prepare), () => encodeStreamPacket(prepare)],
  ['AES-256-GCM seal, Prepare', 1, () => encrypt(key, prepareBytes), () => bareSeal(prepareBytes)],
  ['AES-256-GCM seal, Fulfill', 1, () => encrypt(key, fulfillBytes), () => bareSeal(fulfillBytes)],
  ['AES-256-GCM open, Prepare', 1, () => decrypt(key, sealedPrepare), () => bareOpen(sealedPrepare)],
  ['AES-256-GCM open, Fulfill', 1, () => decrypt(key, sealedFulfill), () => bareOpen(sealedFulfill)],
  ['HMAC-SHA256 fulfillment', 2, () => fulfillmentOf(fKey, sealedPrepare), () => createHmac('sha256', fKey).update(sealedPrepare).digest()],
  ['SHA-256 condition', 2, () => conditionOf(fulfillment), () => hash('sha256', fulfillment, 'buffer')],
  ['decode STREAM packet (frames, OER)', 1, () => decodeStreamPacket(prepareBytes), () => decodeStreamPacket(prepareBytes)],
  ['decode STREAM reply (frames, OER)', 1, () => decodeStreamPacket(fulfillBytes), () => decodeStreamPacket(fulfillBytes)],
]
const rows = []
let total = 0
let floor = 0
for (const [step, count, ours, bare] of steps) {
  const row = compare(step, ours, bare, options)
  const us = 1e6 / row['ours ops/s']
  const bareUs = 1e6 / row['bare node:crypto ops/s']
  total += count * us
  floor += count * (step.includes('STREAM') ? us : bareUs)
  rows.push({ step, 'per packet': count, 'ours µs': us.toFixed(2), 'node:crypto µs': step.includes('STREAM') ? '' : bareUs.toFixed(2), 'ours µs/packet': (count * us).toFixed(2) })
}
rows.push({ step: 'key derivation (once per connection)', 'per packet': 0, 'ours µs': '', 'node:crypto µs': '', 'ours µs/packet': '0' })
console.table(rows)
console.log(`one packet's crypto and codec: ${total.toFixed(1)} µs (node:crypto floor for the same steps: ${floor.toFixed(1)} µs)`)
