import type { DbServer } from '@stack/db-servers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SharedBalanceStore } from '../src/index.js'
import { engines, freshPeer } from './servers.js'

describe.each(engines)('two clients of one $name store', (engine) => {
  let server: DbServer
  let left: SharedBalanceStore
  let right: SharedBalanceStore
  beforeAll(async () => {
    server = await engine.start()
    ;[left, right] = await Promise.all([engine.open(server, { instance: 'left' }), engine.open(server, { instance: 'right' })])
  })
  afterAll(async () => {
    await Promise.all([left?.close(), right?.close()])
    await server?.stop()
  })

  it('racing for the last unit of a credit limit, never both get it', async () => {
    for (let round = 0; round < 20; round++) {
      const peer = freshPeer()
      // One unit left under the limit: each client asks for it, at once.
      await left.adjust(peer, -99n)
      const asks = [left, right].map((store) => store.reserve(peer, -1n, -100n, new Date(Date.now() + 60_000)))
      const outcomes = await Promise.allSettled(asks)
      const granted = outcomes.filter((o) => o.status === 'fulfilled')
      expect(granted).toHaveLength(1)
      expect(outcomes.find((o) => o.status === 'rejected')).toMatchObject({ reason: { name: 'InsufficientBalanceError' } })
      await right.refresh()
      expect(right.get(peer)).toEqual({ balance: -99n, pendingDebit: -1n, pendingCredit: 0n })
    }
  })

  it('many units, many asks from both: exactly the limit is held, and committed', async () => {
    const peer = freshPeer()
    const asks = Array.from({ length: 300 }, (_, i) => (i % 2 === 0 ? left : right).reserve(peer, -1n, -200n, new Date(Date.now() + 60_000)))
    const outcomes = await Promise.allSettled(asks)
    const holds = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []))
    expect(holds).toHaveLength(200)
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toMatchObject({ name: 'InsufficientBalanceError' })
    expect((await Promise.all(holds.map((hold) => hold.commit()))).every(Boolean)).toBe(true)
    await left.refresh()
    expect(left.get(peer)).toEqual({ balance: -200n, pendingDebit: 0n, pendingCredit: 0n })
    expect((await left.audit()).find((row) => row.peerId === peer)).toMatchObject({ journalSum: -200n, journalRows: 200 })
  })

  it("releases the holds of a client that died, at their expiry, from the other's sweep", async () => {
    const peer = freshPeer()
    const dying = await engine.open(server, { instance: 'dying' })
    const soon = new Date(Date.now() + 300)
    await dying.reserve(peer, -100n, -100n, soon)
    await dying.close() // gone without resolving its hold
    await expect(right.reserve(peer, -1n, -100n)).rejects.toMatchObject({ name: 'InsufficientBalanceError' })
    // Before the expiry (and its grace) nothing is released; after it, the other client's sweep does.
    const sweeper = await engine.open(server, { instance: 'sweeper', expireGraceMs: 0 })
    try {
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, soon.getTime() - Date.now() + 50)))
      expect(await sweeper.expire()).toBeGreaterThanOrEqual(1)
      const hold = await right.reserve(peer, -100n, -100n)
      expect(await hold.commit()).toBe(true)
      await sweeper.audit()
    } finally {
      await sweeper.close()
    }
  })
})

describe.each(engines)('a client of $name restarted under the same instance name', (engine) => {
  it('never reuses the id of a hold it left pending', async () => {
    const server = await engine.start()
    try {
      const peer = freshPeer()
      const before = await engine.open(server, { instance: 'same' })
      const left = await before.reserve(peer, -5n) // no expiry: it stays
      await before.close()
      const after = await engine.open(server, { instance: 'same' })
      try {
        const hold = await after.reserve(peer, -7n)
        expect(hold.id).not.toBe(left.id)
        expect(hold.id.startsWith('same:')).toBe(true)
        await after.refresh()
        expect(after.get(peer).pendingDebit).toBe(-12n)
        expect(await hold.commit()).toBe(true)
        expect([...(await after.holds()).keys()]).toEqual([left.id])
        await after.audit()
      } finally {
        await after.close()
      }
    } finally {
      await server.stop()
    }
  })
})
