// `pnpm bench` in stream: ops/s of ours and ilp-protocol-stream's packet codec in the same
// run, and the ratio. Batches timed as a whole, contenders alternating over several rounds,
// the median round counts. Measures the built package (dist/), as users get it.
import { randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import { decodeStreamPacket, encodeStreamPacket, FrameType } from '../dist/index.js'

const require = createRequire(import.meta.url)
const reference = require('ilp-protocol-stream/dist/src/packet.js')

const ROUNDS = 7
const ROUND_MS = 250
const BATCH = 200

function opsPerSecond(fn) {
  let ops = 0
  const start = process.hrtime.bigint()
  const end = start + BigInt(ROUND_MS) * 1_000_000n
  let now = start
  while (now < end) {
    for (let i = 0; i < BATCH; i++) fn()
    ops += BATCH
    now = process.hrtime.bigint()
  }
  return (ops * 1e9) / Number(now - start)
}

function compare(name, ours, theirs) {
  for (let i = 0; i < 20_000; i++) {
    ours()
    theirs()
  }
  const a = []
  const b = []
  for (let round = 0; round < ROUNDS; round++) {
    a.push(opsPerSecond(ours))
    b.push(opsPerSecond(theirs))
  }
  const median = (xs) => xs.sort((x, y) => x - y)[xs.length >> 1]
  const [mine, ref] = [median(a), median(b)]
  return { case: name, 'ours ops/s': Math.round(mine), 'reference ops/s': Math.round(ref), ratio: `${(mine / ref).toFixed(2)}x` }
}

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
  rows.push(compare(`encode 3 frames, ${size} B data`, () => encodeStreamPacket(packet), () => theirs._serialize()))
  rows.push(compare(`decode 3 frames, ${size} B data`, () => decodeStreamPacket(bytes), () => reference.Packet._deserializeUnencrypted(buffer)))
}
console.table(rows)
