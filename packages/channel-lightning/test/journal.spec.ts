import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { openJournal } from '../src/open-journal.js'
import { NodeJournal } from '../src/node-journal.js'
import { SettlementStore } from '../src/settlement-store.js'

// The journals a crash must not break: every acknowledged record comes back, a torn tail is cut.
const dir = mkdtempSync(join(tmpdir(), 'ln-journal-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0
const fresh = (): string => join(dir, `log-${n++}.jsonl`)

describe('openJournal', () => {
  it('reads back every appended record, whatever torn bytes a crash left after them', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ a: fc.string(), b: fc.integer() }), { maxLength: 20 }), fc.string({ maxLength: 30 }), (records, torn) => {
        const path = fresh()
        const log = openJournal<{ a: string; b: number }>(path)
        for (const record of records) log.append(record)
        log.close()
        appendFileSync(path, torn.replace(/\n/g, ''))
        const again = openJournal<{ a: string; b: number }>(path)
        again.append({ a: 'after', b: 1 })
        again.close()
        expect(openJournal(path).records).toEqual([...records, { a: 'after', b: 1 }])
      })
    )
  })
})

describe('NodeJournal and SettlementStore', () => {
  it('keep the first outcome of a payment, one claim per hash, and a sweep per outpoint', () => {
    const dataDir = mkdtempSync(join(dir, 'node-'))
    const journal = new NodeJournal(dataDir)
    journal.sent('aa', 'bb', 5n)
    journal.failed('aa', 'replayed') // a replayed event after the first: ignored
    journal.claimed('cc', 1000n)
    journal.claimed('cc', 2000n)
    journal.sweep({ txid: 'dd', tx: '00', sats: 7n, spends: ['ee:0'] })
    journal.final('dd')
    journal.close()
    const again = new NodeJournal(dataDir)
    expect(again.outcome('aa')).toEqual({ status: 'sent', preimage: 'bb', feeMsat: 5n })
    expect(again.claimedMsat('cc')).toBe(1000n)
    expect(again.sweepOf(['ee:0', 'ff:1'])).toMatchObject({ txid: 'dd', sats: 7n, final: true })
    expect(readFileSync(join(dataDir, 'journal.jsonl'), 'utf8').trim().split('\n')).toHaveLength(4)
    again.close()
  })

  it('count a credit taken back by a refusing handler out of the totals, across a reopening', () => {
    const path = fresh()
    const store = new SettlementStore(path)
    store.issue('h1', 10n)
    store.issue('h2', 20n)
    store.credit('h1')
    store.credit('h2')
    store.uncredit('h2')
    store.pay('p1', 5n)
    store.ack('p1')
    store.close()
    const again = new SettlementStore(path)
    expect(again.received).toBe(10n)
    expect(again.uncredited()).toEqual(['h2'])
    expect([...again.paying()]).toEqual([['p1', 5n]])
    expect(again.isAcked('p1')).toBe(true)
    again.close()
  })
})
