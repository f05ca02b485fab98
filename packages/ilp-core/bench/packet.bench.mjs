// `pnpm bench` in ilp-core: ops/s of ours and ilp-packet's Prepare codec in the same
// run, and the ratio. Each contender runs in batches timed as a whole (a clock read
// per op would swamp sub-microsecond work), alternating over several rounds; the
// median round counts. Measures the built package (dist/), as users get it.
import { randomBytes } from 'node:crypto'
import * as reference from 'ilp-packet'
import { decodePrepare, encodePrepare } from '../dist/index.js'

const ROUNDS = 7
const ROUND_MS = 250
const BATCH = 1000

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
  // warm up both JITs
  for (let i = 0; i < 50_000; i++) {
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
  return { case: name, 'ours ops/s': Math.round(mine), 'ilp-packet ops/s': Math.round(ref), ratio: `${(mine / ref).toFixed(2)}x` }
}

const rows = []
for (const size of [32, 1024]) {
  const prepare = {
    amount: 123_456_789n,
    expiresAt: new Date('2026-11-24T12:00:00.000Z'),
    executionCondition: randomBytes(32),
    destination: 'g.us.bank.alice.7f3a9c',
    data: randomBytes(size),
  }
  const theirs = { ...prepare, amount: prepare.amount.toString() }
  const bytes = encodePrepare(prepare)
  rows.push(compare(`encode Prepare, ${size} B data`, () => encodePrepare(prepare), () => reference.serializeIlpPrepare(theirs)))
  rows.push(compare(`decode Prepare, ${size} B data`, () => decodePrepare(bytes), () => reference.deserializeIlpPrepare(bytes)))
}
console.table(rows)
