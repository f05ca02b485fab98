// `pnpm bench` in ilp-core: ops/s of ours and ilp-packet's Prepare codec in the same
// run, and the ratio (harness: tools/bench). Measures the built package (dist/).
import { randomBytes } from 'node:crypto'
import { compare } from '@stack/bench'
import * as reference from 'ilp-packet'
import { decodePrepare, encodePrepare } from '../dist/index.js'

const options = { referenceName: 'ilp-packet', warmup: 50_000 }
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
  rows.push(compare(`encode Prepare, ${size} B data`, () => encodePrepare(prepare), () => reference.serializeIlpPrepare(theirs), options))
  rows.push(compare(`decode Prepare, ${size} B data`, () => decodePrepare(bytes), () => reference.deserializeIlpPrepare(bytes), options))
}
console.table(rows)
