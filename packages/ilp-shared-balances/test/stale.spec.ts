import type { DbServer } from '@stack/db-servers'
import pg from 'pg'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SharedBalanceStore, SharedReservation } from '../src/index.js'
import { engines, freshPeer } from './servers.js'

// A settlement's hold has no expiry (no sweep may release it: the payment may be out). When its
// process dies, the next holder of the peer's settlement lease releases it (releaseStale): here
// `crashed` is that process's store, left open (a SIGKILL closes nothing), `next` the next one's.

const inAMinute = (): Date => new Date(Date.now() + 60_000)

describe.each(engines)('stale settlement holds on $name', (engine) => {
  let server: DbServer
  let crashed: SharedBalanceStore
  let next: SharedBalanceStore
  beforeAll(async () => {
    server = await engine.start()
    ;[crashed, next] = await Promise.all([engine.open(server, { instance: 'a' }), engine.open(server, { instance: 'a' })])
  })
  afterAll(async () => {
    await Promise.all([crashed?.close(), next?.close()])
    await server?.stop()
  })

  it("releases exactly the peer's expiry-less holds of other runs, journaled, once", async () => {
    const [peer, other] = [freshPeer(), freshPeer()]
    await next.adjust(peer, 1_000n)
    const settlement = await crashed.reserve(peer, -500n)
    const secondSettlement = await crashed.reserve(peer, -200n, 0n)
    const packet = await crashed.reserve(peer, -7n, undefined, inAMinute())
    const credit = await crashed.reserve(peer, 9n, undefined, inAMinute())
    const othersSettlement = await crashed.reserve(other, -300n)
    const own = await next.reserve(peer, -40n)

    expect((await next.audit()).find((row) => row.peerId === peer)).toMatchObject({ settlementHolds: -740n })
    expect((await next.holds()).get(packet.id)?.[2]).toBeGreaterThan(Date.now())
    const stale = [
      { id: settlement.id, peerId: peer, delta: -500n },
      { id: secondSettlement.id, peerId: peer, delta: -200n },
    ].sort((x, y) => (x.id < y.id ? -1 : 1))
    expect(await next.staleHolds(peer)).toEqual(stale)
    expect(await crashed.staleHolds(peer)).toEqual([{ id: own.id, peerId: peer, delta: -40n }])
    expect(await next.releaseStale(peer)).toEqual(stale)
    expect(await next.releaseStale(peer)).toEqual([])
    expect(await next.staleHolds(peer)).toEqual([])

    expect(next.get(peer)).toEqual({ balance: 1_000n, pendingDebit: -47n, pendingCredit: 0n })
    expect([...(await next.holds()).keys()].sort()).toEqual(expect.arrayContaining([packet.id, othersSettlement.id, own.id]))
    expect((await next.holds()).has(settlement.id)).toBe(false)
    expect((await next.audit()).find((row) => row.peerId === peer)).toMatchObject({ settlementHolds: -40n })
    // The crashed run's handles find them resolved; the others are untouched.
    expect(await settlement.commit()).toBe(false)
    expect(await packet.commit()).toBe(true)
    expect(await credit.commit()).toBe(true)
    expect(await own.release()).toBe(true)
    expect(await othersSettlement.release()).toBe(true)

    const journal = (await next.journal()).filter((entry) => entry.peerId === peer)
    expect(journal.filter((entry) => entry.kind === 'recovery')).toEqual(stale.map((h) => expect.objectContaining({ kind: 'recovery', delta: 0n, hold: h.id, released: h.delta })))
    const audit = (await next.audit()).find((row) => row.peerId === peer)
    expect(audit).toMatchObject({ balance: 1_002n, journalSum: 1_002n, recoveries: 2, recovered: -700n })
  })

  it('is atomic against the other clients: packets flowing on the peer meanwhile square to the unit', async () => {
    const peer = freshPeer()
    const settlements = await Promise.all(Array.from({ length: 20 }, () => crashed.reserve(peer, -10n)))
    let committed = 0n
    const packets = async (): Promise<void> => {
      for (let i = 0; i < 50; i++) {
        const hold = await next.reserve(peer, -1n, -1_000n, inAMinute())
        if (i % 3 === 0) await hold.release()
        else if (await hold.commit()) committed -= 1n
      }
    }
    const [released] = await Promise.all([next.releaseStale(peer), packets(), packets()])
    expect(released.map((h) => h.id).sort()).toEqual(settlements.map((h) => h.id).sort())
    await next.refresh()
    expect(next.get(peer)).toEqual({ balance: committed, pendingDebit: 0n, pendingCredit: 0n })
    expect((await next.audit()).find((row) => row.peerId === peer)).toMatchObject({ balance: committed, recoveries: 20, recovered: -200n })
  })

  // A small model of holds across two runs: reserves (with an expiry or without), resolutions,
  // and either run asking for the peer's stale holds, or releasing them.
  type Command =
    | { readonly c: 'reserve'; readonly run: number; readonly peer: number; readonly delta: bigint; readonly expiring: boolean }
    | { readonly c: 'commit' | 'release'; readonly hold: number }
    | { readonly c: 'stale'; readonly run: number; readonly peer: number; readonly release: boolean }
  const command: fc.Arbitrary<Command> = fc.oneof(
    { weight: 4, arbitrary: fc.record({ c: fc.constant('reserve' as const), run: fc.nat(1), peer: fc.nat(1), delta: fc.bigInt({ min: -50n, max: -1n }), expiring: fc.boolean() }) },
    { weight: 2, arbitrary: fc.record({ c: fc.constantFrom('commit' as const, 'release' as const), hold: fc.nat(20) }) },
    { weight: 2, arbitrary: fc.record({ c: fc.constant('stale' as const), run: fc.nat(1), peer: fc.nat(1), release: fc.boolean() }) },
  )

  it('answers as the model does: stale is pending, expiry-less, of the peer and of the other run (property)', async () => {
    const runs = [crashed, next]
    await fc.assert(
      fc.asyncProperty(fc.array(command, { maxLength: 30 }), async (commands) => {
        const peers = [freshPeer('x'), freshPeer('y')]
        const holds: { hold: SharedReservation; run: number; expiring: boolean; state: 'pending' | 'committed' | 'released' }[] = []
        const balance = new Map(peers.map((p) => [p, 0n]))
        for (const cmd of commands) {
          if (cmd.c === 'reserve') {
            const hold = await (runs[cmd.run] as SharedBalanceStore).reserve(peers[cmd.peer] as string, cmd.delta, undefined, cmd.expiring ? inAMinute() : undefined)
            holds.push({ hold, run: cmd.run, expiring: cmd.expiring, state: 'pending' })
          } else if (cmd.c === 'commit' || cmd.c === 'release') {
            const entry = holds[cmd.hold]
            if (entry === undefined) continue
            const first = entry.state === 'pending'
            expect(await (cmd.c === 'commit' ? entry.hold.commit() : entry.hold.release())).toBe(first)
            if (first) entry.state = cmd.c === 'commit' ? 'committed' : 'released'
            if (first && cmd.c === 'commit') balance.set(entry.hold.peerId, (balance.get(entry.hold.peerId) as bigint) + entry.hold.delta)
          } else if (cmd.c === 'stale') {
            const peer = peers[cmd.peer] as string
            const stale = holds.filter((h) => h.state === 'pending' && !h.expiring && h.run !== cmd.run && h.hold.peerId === peer)
            const store = runs[cmd.run] as SharedBalanceStore
            const answer = await (cmd.release ? store.releaseStale(peer) : store.staleHolds(peer))
            expect(answer.map((h) => h.id).sort()).toEqual(stale.map((h) => h.hold.id).sort())
            if (cmd.release) for (const h of stale) h.state = 'released'
          }
        }
        await next.refresh()
        for (const peer of peers) {
          const pending = holds.filter((h) => h.state === 'pending' && h.hold.peerId === peer).reduce((sum, h) => sum + h.hold.delta, 0n)
          if (next.snapshot().has(peer)) expect(next.get(peer)).toEqual({ balance: balance.get(peer), pendingDebit: pending, pendingCredit: 0n })
        }
        await next.audit()
      }),
      { numRuns: 25 },
    )
  })
})

describe('a PostgreSQL journal of an earlier version (no recovery rows)', () => {
  it('takes the recovery kind and column when the store opens, keeping its rows', async () => {
    const postgres = engines.find((e) => e.name === 'postgres') as (typeof engines)[number]
    const server = await postgres.start()
    const client = new pg.Client({ connectionString: server.url })
    try {
      await client.connect()
      await client.query(`CREATE TABLE stack_balance_journal (seq bigserial PRIMARY KEY, peer text NOT NULL, delta numeric(40,0) NOT NULL,
        kind text NOT NULL CHECK (kind IN ('packet', 'value', 'adjustment')), hold text, reason text, at timestamptz NOT NULL DEFAULT clock_timestamp())`)
      await client.query(`INSERT INTO stack_balance_journal (peer, delta, kind) VALUES ('old', 5, 'value')`)
      const [before, after] = [await postgres.open(server), await postgres.open(server)]
      await before.reserve('old', -3n)
      expect(await after.releaseStale('old')).toMatchObject([{ delta: -3n }])
      expect((await after.journal()).map((e) => e.kind)).toEqual(['value', 'recovery'])
      await Promise.all([before.close(), after.close()])
    } finally {
      await client.end()
      await server.stop()
    }
  })
})
