import { randomBytes } from 'node:crypto'
import * as reference from 'ilp-packet'
import { bench, describe } from 'vitest'
import { decodePrepare, encodePrepare, type IlpPrepare } from '../src/index.js'

// Ours against ilp-packet in the same run; vitest prints ops/s and the ratio
// ("… x faster than …") for each group. Never a timed test: run by `pnpm bench`.
for (const size of [32, 1024]) {
  const prepare: IlpPrepare = {
    amount: 123_456_789n,
    expiresAt: new Date('2026-11-24T12:00:00.000Z'),
    executionCondition: randomBytes(32),
    destination: 'g.us.bank.alice.7f3a9c',
    data: randomBytes(size),
  }
  const theirs: reference.IlpPrepare = {
    amount: prepare.amount.toString(),
    expiresAt: prepare.expiresAt,
    executionCondition: Buffer.from(prepare.executionCondition),
    destination: prepare.destination,
    data: Buffer.from(prepare.data),
  }
  const bytes = encodePrepare(prepare)

  describe(`encode Prepare, ${size} B data`, () => {
    bench('@stack/ilp-core encodePrepare', () => {
      encodePrepare(prepare)
    })
    bench('ilp-packet serializeIlpPrepare', () => {
      reference.serializeIlpPrepare(theirs)
    })
  })

  describe(`decode Prepare, ${size} B data`, () => {
    bench('@stack/ilp-core decodePrepare', () => {
      decodePrepare(bytes)
    })
    bench('ilp-packet deserializeIlpPrepare', () => {
      reference.deserializeIlpPrepare(bytes)
    })
  })
}
