import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '@stack/ledger-core'
import { generateClaimKeyPair, LedgerFileError, signClaim, SqliteLedger } from '../src/index.js'
import { TestClock, tempDir } from './fixtures/harness.js'

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})

function newFile(): string {
  const temp = tempDir()
  cleanups.push(temp.remove)
  return join(temp.dir, 'test.ledger')
}

describe('a ledger file', () => {
  it('keeps accounts, balances, channels and idempotency keys across close and reopen', async () => {
    const file = newFile()
    const clock = new TestClock()
    const first = SqliteLedger.create(file, { asset: { code: 'EUR', scale: 3 }, now: clock.now })
    await first.createAccount('alice')
    await first.createAccount('bob', { creditLimit: 7n })
    await first.mint({ account: 'alice', amount: 1_000n })
    const transfer = await first.transfer({ idempotencyKey: 'k1', from: 'alice', to: 'bob', amount: 100n })
    const keys = generateClaimKeyPair()
    const channel = await first.createChannel({ idempotencyKey: 'c1', sender: 'alice', receiver: 'bob', amount: 300n, publicKey: keys.publicKey, settleDelayMs: 1_000 })
    await first.claimChannel({ channelId: channel.id, amount: 50n, signature: signClaim(keys.privateKey, channel.id, 50n) })
    first.close()

    const again = SqliteLedger.open(file, { now: clock.now })
    cleanups.push(() => again.close())
    expect(again.asset).toEqual({ code: 'EUR', scale: 3 })
    expect(await again.getAccount('bob')).toEqual({ id: 'bob', balance: 150n, creditLimit: 7n })
    expect(await again.getBalance('alice')).toBe(600n)
    expect(await again.transfer({ idempotencyKey: 'k1', from: 'alice', to: 'bob', amount: 100n })).toEqual(transfer)
    expect(await again.getChannel(channel.id)).toMatchObject({ deposit: 300n, claimed: 50n, status: 'open' })
    expect(again.audit()).toMatchObject({ ok: true, minted: 1_000n, held: 750n, locked: 250n })
  })

  it('is in WAL mode', () => {
    const file = newFile()
    SqliteLedger.create(file, { asset: { code: 'USD', scale: 2 } }).close()
    const db = new Database(file, { readonly: true })
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    db.close()
  })

  it('refuses to create over an existing ledger, to open a missing file or a file that is no ledger, and a bad asset', () => {
    const file = newFile()
    SqliteLedger.create(file, { asset: { code: 'USD', scale: 2 } }).close()
    expect(() => SqliteLedger.create(file, { asset: { code: 'USD', scale: 2 } })).toThrow(LedgerFileError)
    expect(() => SqliteLedger.open(`${file}.missing`)).toThrow(LedgerFileError)
    const empty = newFile()
    new Database(empty).close()
    expect(() => SqliteLedger.open(empty)).toThrow(LedgerFileError)
    const garbage = newFile()
    writeFileSync(garbage, 'not a database at all, just text that is long enough to have a header')
    expect(() => SqliteLedger.open(garbage)).toThrow()
    expect(() => SqliteLedger.create(newFile(), { asset: { code: 'U S', scale: 2 } })).toThrow(InvalidArgumentError)
    expect(() => SqliteLedger.create(newFile(), { asset: { code: 'USD', scale: 256 } })).toThrow(InvalidArgumentError)
  })

  it('stays consistent with two connections writing the same file in turn', async () => {
    const file = newFile()
    const a = SqliteLedger.create(file, { asset: { code: 'USD', scale: 2 } })
    const b = SqliteLedger.open(file)
    cleanups.push(() => a.close(), () => b.close())
    await a.createAccount('alice')
    await b.createAccount('bob')
    await a.mint({ account: 'alice', amount: 500n })
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        (i % 2 === 0 ? a : b).transfer({ idempotencyKey: `t${i % 60}`, from: i % 3 === 0 ? 'bob' : 'alice', to: i % 3 === 0 ? 'alice' : 'bob', amount: 3n }).catch((error: unknown) => error)
      )
    )
    const report = b.audit()
    expect(report.problems).toEqual([])
    expect((await a.getBalance('alice')) + (await b.getBalance('bob'))).toBe(500n)
  })

  it('audits: finds a balance that disagrees with the journal, and an unbalanced entry', async () => {
    const file = newFile()
    const ledger = SqliteLedger.create(file, { asset: { code: 'USD', scale: 2 } })
    cleanups.push(() => ledger.close())
    await ledger.createAccount('alice')
    await ledger.mint({ account: 'alice', amount: 10n })
    expect(ledger.audit().ok).toBe(true)
    const db = new Database(file)
    db.prepare(`UPDATE accounts SET balance = '11' WHERE id = 'alice'`).run()
    db.prepare(`UPDATE postings SET amount = '-9' WHERE account_id = '@issuance'`).run()
    db.close()
    const report = ledger.audit()
    expect(report.ok).toBe(false)
    expect(report.problems.join('\n')).toMatch(/account alice: balance 11, journal says 10/)
    expect(report.problems.join('\n')).toMatch(/entry 1 is unbalanced by 1/)
  })
})
