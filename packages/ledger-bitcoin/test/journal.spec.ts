import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { JournalReadError } from '../src/errors.js'
import { Journal, type JournalRecord } from '../src/journal.js'

const directory = mkdtempSync(join(tmpdir(), 'journal-'))
afterAll(() => rmSync(directory, { recursive: true, force: true }))

const record: fc.Arbitrary<JournalRecord> = fc.oneof(
  fc.record({ type: fc.constant('account' as const), id: fc.string({ minLength: 1 }), index: fc.nat() }),
  fc.record({ type: fc.constant('refused' as const), idempotencyKey: fc.string({ unit: 'grapheme', minLength: 1 }) }),
  fc.record({
    type: fc.constant('transfer' as const),
    idempotencyKey: fc.string({ unit: 'grapheme', minLength: 1 }),
    from: fc.string(),
    to: fc.string(),
    amount: fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }).map(String),
    memo: fc.string({ unit: 'grapheme' }),
    txid: fc.constant('ab'.repeat(32)),
    hex: fc.constant('00'),
    fee: fc.constant('141'),
    createdAt: fc.nat()
  })
)

describe('Journal', () => {
  let file = 0
  it('reads back what it wrote; after a torn last write, the records before it, and appends after them', () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 8 }), fc.double({ min: 0, max: 1, noNaN: true }), record, (records, cut, next) => {
        const path = join(directory, `j${file++}.jsonl`)
        const writer = new Journal<JournalRecord>(path)
        const ends: number[] = []
        for (const r of records) {
          writer.append(r)
          ends.push(statSync(path).size)
        }
        writer.close()
        expect(new Journal<JournalRecord>(path).records).toEqual(records)

        // A crash somewhere in the last write: only the complete records before it remain.
        const start = ends.at(-2) ?? 0
        const end = ends.at(-1) ?? 0
        truncateSync(path, start + Math.floor((end - start - 1) * cut))
        const reopened = new Journal<JournalRecord>(path)
        expect(reopened.records).toEqual(records.slice(0, -1))
        reopened.append(next)
        reopened.close()
        expect(new Journal<JournalRecord>(path).records).toEqual([...records.slice(0, -1), next])
      }),
      { numRuns: 200 }
    )
  })

  it('keeps nothing without a path', () => {
    const memory = new Journal<JournalRecord>(undefined)
    memory.append({ type: 'refused', idempotencyKey: 'k' })
    expect(memory.records).toEqual([])
  })

  it('refuses a complete line that is not JSON, naming it, and changes nothing', () => {
    const path = join(directory, 'corrupt.jsonl')
    const text = '{"type":"refused","idempotencyKey":"k"}\n{"type"\n{"type"'
    writeFileSync(path, text)
    expect(() => new Journal<JournalRecord>(path)).toThrow(expect.objectContaining({ name: 'JournalReadError', path, line: 2 }))
    expect(() => new Journal<JournalRecord>(path)).toThrow(JournalReadError)
    expect(readFileSync(path, 'utf8')).toBe(text)
  })
})
