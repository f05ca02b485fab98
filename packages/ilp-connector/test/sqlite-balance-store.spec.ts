import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import fc from 'fast-check'
import { MAX_UINT64 } from '@stack/ilp-core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { InsufficientBalanceError, type Reservation } from '@stack/ilp-core'
import {
  BalanceStoreClosedError,
  BalanceStoreCorruptError,
  BalanceStoreLockedError,
  SqliteBalanceStore,
} from '../src/balances/sqlite-balance-store.js'
import { Crash, CrashPoints } from '@stack/crash-points'

let dir: string
let seq = 0
const file = (): string => join(dir, `balances-${++seq}.db`)

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sqlite-balance-store-'))
})
afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

describe('SqliteBalanceStore', () => {
  it('restores committed balances on reopen and drops pending holds', () => {
    const path = file()
    const store = SqliteBalanceStore.open(path)
    expect(store.run).toBe(1)
    store.reserve('alice', -300n).commit()
    store.reserve('bob', 300n).commit()
    store.adjust('alice', 50n)
    store.reserve('alice', -7n) // pending at the "crash": never fulfilled upstream
    store.reserve('bob', 7n)
    const released = store.reserve('bob', 9n)
    released.release()
    expect(store.get('alice')).toEqual({ balance: -250n, pendingDebit: -7n, pendingCredit: 0n })
    store.close()

    const reopened = SqliteBalanceStore.open(path)
    expect(reopened.run).toBe(2)
    expect(Object.fromEntries(reopened.snapshot())).toEqual({
      alice: { balance: -250n, pendingDebit: 0n, pendingCredit: 0n },
      bob: { balance: 300n, pendingDebit: 0n, pendingCredit: 0n },
    })
    expect(reopened.audit()).toEqual([
      { peerId: 'alice', balance: -250n, journalSum: -250n, journalRows: 2 },
      { peerId: 'bob', balance: 300n, journalSum: 300n, journalRows: 1 },
    ])
    reopened.close()
  })

  it('keeps balances beyond the 64-bit range of SQLite integers exactly', () => {
    const path = file()
    const store = SqliteBalanceStore.open(path)
    store.reserve('bob', MAX_UINT64).commit()
    store.reserve('bob', MAX_UINT64).commit()
    store.reserve('alice', -MAX_UINT64).commit()
    store.close()
    const reopened = SqliteBalanceStore.open(path)
    expect(reopened.get('bob').balance).toBe(2n * MAX_UINT64)
    expect(reopened.get('alice').balance).toBe(-MAX_UINT64)
    reopened.close()
  })

  it('refuses a hold below the minimum and holds nothing', () => {
    const store = SqliteBalanceStore.open(file())
    store.reserve('alice', -60n, -100n)
    expect(() => store.reserve('alice', -41n, -100n)).toThrow(InsufficientBalanceError)
    expect(store.get('alice')).toEqual({ balance: 0n, pendingDebit: -60n, pendingCredit: 0n })
    store.close()
  })

  it('resolves a hold exactly once: the first of commit and release wins', () => {
    const store = SqliteBalanceStore.open(file())
    const a = store.reserve('bob', 10n)
    expect(a.commit()).toBe(true)
    expect(a.commit()).toBe(false)
    expect(a.release()).toBe(false)
    const b = store.reserve('bob', 5n)
    expect(b.release()).toBe(true)
    expect(b.commit()).toBe(false)
    expect(store.get('bob')).toEqual({ balance: 10n, pendingDebit: 0n, pendingCredit: 0n })
    expect(store.audit()).toEqual([{ peerId: 'bob', balance: 10n, journalSum: 10n, journalRows: 1 }])
    store.close()
  })

  it('fails closed: a commit that cannot be written throws, leaves the hold pending and counts nothing', () => {
    const path = file()
    const store = SqliteBalanceStore.open(path)
    store.reserve('alice', -5n).commit()
    const hold = store.reserve('alice', -20n)
    store.close()
    expect(() => hold.commit()).toThrow(BalanceStoreClosedError)
    expect(hold.state).toBe('pending')
    // What the balance rule does next: release, and the packet is rejected upstream.
    expect(hold.release()).toBe(true)
    expect(store.get('alice')).toEqual({ balance: -5n, pendingDebit: 0n, pendingCredit: 0n })
    const reopened = SqliteBalanceStore.open(path)
    expect(reopened.get('alice').balance).toBe(-5n)
    reopened.close()
  })

  it('folds each run into the balances once, however often it restarts', () => {
    const path = file()
    for (let i = 1; i <= 5; i++) {
      const store = SqliteBalanceStore.open(path)
      expect(store.run).toBe(i)
      expect(store.get('bob').balance).toBe(10n * BigInt(i - 1))
      store.reserve('bob', 10n).commit()
      store.reserve('alice', -3n) // pending: dropped
      store.close()
    }
    const last = SqliteBalanceStore.open(path)
    expect(last.audit()).toEqual([{ peerId: 'bob', balance: 50n, journalSum: 50n, journalRows: 5 }])
    last.close()
  })

  it('takes a run above every run in the journal, so no journal id is reused', () => {
    const path = file()
    const store = SqliteBalanceStore.open(path)
    store.reserve('bob', 10n).commit()
    store.close()
    // An old `meta` restored by hand: the next run must still not reuse run 1's ids.
    const db = new Database(path)
    db.prepare(`UPDATE meta SET value = '0' WHERE key IN ('run', 'folded')`).run()
    db.prepare(`DELETE FROM peer_balance`).run()
    db.close()
    const reopened = SqliteBalanceStore.open(path)
    expect(reopened.run).toBe(2)
    expect(reopened.reserve('bob', 10n).commit()).toBe(true)
    expect(reopened.audit()).toEqual([{ peerId: 'bob', balance: 20n, journalSum: 20n, journalRows: 2 }])
    reopened.close()
  })

  it('lets one process at a time have the file', () => {
    const path = file()
    const store = SqliteBalanceStore.open(path)
    expect(() => SqliteBalanceStore.open(path)).toThrow(BalanceStoreLockedError)
    store.close()
    SqliteBalanceStore.open(path).close()
  })

  it('audit finds a balance that disagrees with its journal', () => {
    const path = file()
    const store = SqliteBalanceStore.open(path)
    store.reserve('bob', 10n).commit()
    store.close()
    SqliteBalanceStore.open(path).close() // folds run 1 into peer_balance
    const db = new Database(path)
    db.prepare(`UPDATE peer_balance SET balance = '11' WHERE peer = 'bob'`).run()
    db.close()
    const tampered = SqliteBalanceStore.open(path)
    expect(() => tampered.audit()).toThrow(BalanceStoreCorruptError)
    expect(() => tampered.audit()).toThrow(/peer bob: balance 11 but its journal through run 2 sums to 10/)
    tampered.close()
  })

  it('keeps the settled totals across a reopen, written with their journal row or not at all', () => {
    // Killed after each write of applySettled: the journal row, the totals, the commit.
    for (const after of [1, 2, 3]) {
      const path = file()
      const points = new CrashPoints([path])
      const store = SqliteBalanceStore.open(path)
      store.adoptSettled('bob', { sent: 0n, received: 0n }) // the first start with the channel
      store.reserve('bob', 500n).commit()
      points.arm(after)
      expect(() => store.applySettled('bob', { sent: 300n, received: 20n })).toThrow(Crash)
      store.close()
      points.dispose()
      const reopened = SqliteBalanceStore.open(path)
      const durable = after === 3
      expect(reopened.settled('bob')).toEqual(durable ? { sent: 300n, received: 20n } : { sent: 0n, received: 0n })
      expect(reopened.get('bob').balance).toBe(durable ? 220n : 500n)
      // What the next start does: apply the channel's totals; once, whatever the kill left.
      reopened.applySettled('bob', { sent: 300n, received: 20n })
      expect(reopened.get('bob').balance).toBe(220n)
      expect(reopened.audit()).toEqual([{ peerId: 'bob', balance: 220n, journalSum: 220n, journalRows: 2 }])
      reopened.close()
    }
  })

  it('takes up a file of schema version 1 (no settled totals yet) and refuses a later version', () => {
    const path = file()
    const store = SqliteBalanceStore.open(path)
    store.reserve('bob', 10n).commit()
    store.close()
    const db = new Database(path)
    db.exec(`DROP TABLE peer_settled; UPDATE meta SET value = '1' WHERE key = 'schema'`)
    db.close()
    const upgraded = SqliteBalanceStore.open(path)
    expect(upgraded.get('bob').balance).toBe(10n)
    expect(upgraded.settled('bob')).toBeUndefined()
    upgraded.applySettled('bob', { sent: 4n, received: 0n })
    upgraded.close()
    const later = new Database(path)
    expect(later.prepare(`SELECT value FROM meta WHERE key = 'schema'`).get()).toEqual({ value: '2' })
    later.exec(`UPDATE meta SET value = '3' WHERE key = 'schema'`)
    later.close()
    expect(() => SqliteBalanceStore.open(path)).toThrow(/schema version 3, expected 2/)
  })
})

// Random interleavings of holds, commits, releases, value and restarts against a model that
// counts each hold once: committed balances, pending sums and the journal agree after every step.
type Command =
  | { kind: 'reserve'; peer: number; delta: bigint }
  | { kind: 'commit' | 'release'; hold: number }
  | { kind: 'adjust'; peer: number; delta: bigint }
  | { kind: 'reopen' }

const PEERS = ['alice', 'bob', 'carol']
const amount = fc.bigInt({ min: -1_000n, max: 1_000n })
const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('reserve' as const), peer: fc.nat(2), delta: amount }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constantFrom('commit' as const, 'release' as const), hold: fc.nat(40) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('adjust' as const), peer: fc.nat(2), delta: amount }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reopen' as const }) },
)

describe('SqliteBalanceStore under random interleavings', () => {
  it('counts every hold at most once, across restarts', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 60 }), (commands) => {
        const path = file()
        let store = SqliteBalanceStore.open(path)
        const holds: { hold: Reservation; run: number; resolved: boolean }[] = []
        const balance = new Map<string, bigint>()
        const rows = new Map<string, number>()
        const count = (peer: string, delta: bigint): void => {
          balance.set(peer, (balance.get(peer) ?? 0n) + delta)
          if (delta !== 0n) rows.set(peer, (rows.get(peer) ?? 0) + 1)
        }
        try {
          for (const c of commands) {
            if (c.kind === 'reserve') {
              holds.push({ hold: store.reserve(PEERS[c.peer] ?? 'alice', c.delta), run: store.run, resolved: false })
            } else if (c.kind === 'adjust') {
              store.adjust(PEERS[c.peer] ?? 'alice', c.delta)
              count(PEERS[c.peer] ?? 'alice', c.delta)
            } else if (c.kind === 'reopen') {
              store.close()
              store = SqliteBalanceStore.open(path)
            } else {
              const entry = holds[c.hold % Math.max(1, holds.length)]
              if (entry === undefined) continue
              const live = entry.run === store.run
              const zero = entry.hold.delta === 0n
              if (c.kind === 'commit' && !live && !entry.resolved && !zero) {
                // A hold of a previous run: its store is closed, nothing may be counted.
                expect(() => entry.hold.commit()).toThrow(BalanceStoreClosedError)
                continue
              }
              const first = c.kind === 'commit' ? entry.hold.commit() : entry.hold.release()
              expect(first).toBe(!entry.resolved)
              if (first && c.kind === 'commit' && live) count(entry.hold.peerId, entry.hold.delta)
              entry.resolved = true
            }
            for (const peer of PEERS) {
              const pending = holds.filter((h) => h.run === store.run && !h.resolved && h.hold.peerId === peer)
              expect(store.get(peer)).toEqual({
                balance: balance.get(peer) ?? 0n,
                pendingDebit: pending.reduce((sum, h) => (h.hold.delta < 0n ? sum + h.hold.delta : sum), 0n),
                pendingCredit: pending.reduce((sum, h) => (h.hold.delta >= 0n ? sum + h.hold.delta : sum), 0n),
              })
            }
          }
          store.close()
          store = SqliteBalanceStore.open(path)
          for (const entry of store.audit()) {
            expect(entry.balance).toBe(balance.get(entry.peerId) ?? 0n)
            expect(entry.journalRows).toBe(rows.get(entry.peerId) ?? 0)
          }
        } finally {
          store.close()
        }
      }),
      { numRuns: 150 },
    )
  })
})
