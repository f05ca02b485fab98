// `pnpm bench` in stream: ops/s of ours and ilp-protocol-stream's packet codec in the same
// run, and the ratio (harness: tools/bench). Measures the built package (dist/).
import { randomBytes } from 'node:crypto'
import { compare } from '@stack/bench'
import { createRequire } from 'node:module'
import { decodeStreamPacket, encodeStreamPacket, FrameType } from '../dist/index.js'

const require = createRequire(import.meta.url)
const reference = require('ilp-protocol-stream/dist/src/packet.js')

const options = { batch: 200 }

const rows = []
for (const size of [0, 1024]) {
  const data = randomBytes(size)
  const frames = [
    { type: FrameType.StreamMoney, streamId: 1n, shares: 1n },
    { type: FrameType.StreamMaxMoney, streamId: 1n, receiveMax: 2n ** 64n - 1n, totalReceived: 123_456_789n },
    { type: FrameType.StreamData, streamId: 1n, offset: 4096n, data },
  ]
  const packet = { ilpPacketType: 12, sequence: 42n, prepareAmount: 1_000_000n, frames }
  const theirs = new reference.Packet('42', 12, '1000000', [
    new reference.StreamMoneyFrame(1, 1),
    new reference.StreamMaxMoneyFrame(1, '18446744073709551615', '123456789'),
    new reference.StreamDataFrame(1, 4096, data),
  ])
  const bytes = encodeStreamPacket(packet)
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) // the reference takes Buffers only
  rows.push(compare(`encode 3 frames, ${size} B data`, () => encodeStreamPacket(packet), () => theirs._serialize(), options))
  rows.push(compare(`decode 3 frames, ${size} B data`, () => decodeStreamPacket(bytes), () => reference.Packet._deserializeUnencrypted(buffer), options))
}
console.table(rows)
