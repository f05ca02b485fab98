import { describe, expect, it } from 'vitest'
import { engines, freshPeer, serverAndClient } from './servers.js'

const MAX_UINT64 = 0xffff_ffff_ffff_ffffn
const inAMinute = (): Date => new Date(Date.now() + 60_000)

describe.each(engines)('SharedBalanceStore on $name', (engine) => {
  const { server, store } = serverAndClient(engine)

  it('holds, checks the minimum, commits and releases once each, and journals the commits', async () => {
    const peer = freshPeer()
    const a = await store().reserve(peer, -60n, -100n, inAMinute())
    const b = await store().reserve(peer, 25n, undefined, inAMinute())
    expect(store().get(peer)).toEqual({ balance: 0n, pendingDebit: -60n, pendingCredit: 25n })
    await expect(store().reserve(peer, -41n, -100n, inAMinute())).rejects.toMatchObject({ name: 'InsufficientBalanceError', peerId: peer, available: -60n, delta: -41n, minBalance: -100n })
    const c = await store().reserve(peer, -40n, -100n, inAMinute()) // exactly to the minimum
    expect(await a.commit()).toBe(true)
    expect(await a.commit()).toBe(false)
    expect(await a.release()).toBe(false)
    expect(a.state).toBe('committed')
    expect(await b.release()).toBe(true)
    expect(b.state).toBe('released')
    expect(await c.release()).toBe(true)
    expect(store().get(peer)).toEqual({ balance: -60n, pendingDebit: 0n, pendingCredit: 0n })
    const journal = (await store().journal()).filter((entry) => entry.peerId === peer)
    expect(journal).toMatchObject([{ delta: -60n, kind: 'packet', hold: a.id }])
    expect((await store().holds()).has(a.id)).toBe(false)
  })

  it('answers a commit and a release raced on one hold: one wins', async () => {
    const peer = freshPeer()
    const hold = await store().reserve(peer, -5n, undefined, inAMinute())
    const [committed, released] = await Promise.all([hold.commit(), hold.release()])
    expect([committed, released]).toEqual([true, false])
    expect(store().get(peer).balance).toBe(-5n)
  })

  it('adjusts with and without a reason, journaled so', async () => {
    const peer = freshPeer()
    expect(await store().adjust(peer, 300n)).toBe(300n)
    expect(await store().adjust(peer, -50n, 'refund #7')).toBe(250n)
    expect(await store().adjust(peer, 0n)).toBe(250n)
    const journal = (await store().journal()).filter((entry) => entry.peerId === peer)
    expect(journal).toMatchObject([
      { delta: 300n, kind: 'value' },
      { delta: -50n, kind: 'adjustment', reason: 'refund #7' },
    ])
  })

  it('follows channel totals once: adopt, apply what they add, refuse totals behind', async () => {
    const peer = freshPeer()
    expect(store().settled(peer)).toBeUndefined()
    expect(await store().adoptSettled(peer, { sent: 10n, received: 4n })).toBe(true)
    expect(await store().adoptSettled(peer, { sent: 99n, received: 99n })).toBe(false)
    expect(store().settled(peer)).toEqual({ sent: 10n, received: 4n })
    expect(store().get(peer).balance).toBe(0n)
    expect(await store().applySettled(peer, { sent: 15n, received: 7n })).toEqual({ sent: 5n, received: 3n })
    expect(store().get(peer).balance).toBe(-2n)
    expect(await store().applySettled(peer, { sent: 15n, received: 7n })).toEqual({ sent: 0n, received: 0n })
    await expect(store().applySettled(peer, { sent: 14n, received: 9n })).rejects.toMatchObject({ name: 'SettledTotalsBehindError', settled: { sent: 15n, received: 7n } })
    expect(store().get(peer).balance).toBe(-2n)
    // From zeros when nothing was adopted.
    const other = freshPeer()
    expect(await store().applySettled(other, { sent: 0n, received: 8n })).toEqual({ sent: 0n, received: 8n })
    expect(store().get(other).balance).toBe(8n)
  })

  it('counts exactly beyond 2⁵³ and 2⁶⁴ (UInt64 amounts and their sums)', async () => {
    const peer = freshPeer()
    await store().adjust(peer, MAX_UINT64)
    await store().adjust(peer, MAX_UINT64)
    expect(store().get(peer).balance).toBe(2n * MAX_UINT64)
    const min = 2n * MAX_UINT64 - 2n ** 60n - 1n
    await expect(store().reserve(peer, -(2n ** 60n) - 2n, min)).rejects.toMatchObject({ name: 'InsufficientBalanceError' })
    const hold = await store().reserve(peer, -(2n ** 60n) - 1n, min)
    await hold.commit()
    expect(store().get(peer).balance).toBe(min)
    await store().refresh()
    expect(store().get(peer)).toEqual({ balance: min, pendingDebit: 0n, pendingCredit: 0n })
  })

  it('releases a hold at its expiry (past the grace), not one without an expiry, and a late commit then answers false', async () => {
    const peer = freshPeer()
    const expired = await store().reserve(peer, -7n, -10n, new Date(Date.now() - 60_000))
    const kept = await store().reserve(peer, -1n, -10n)
    expect(await store().expire()).toBeGreaterThanOrEqual(1)
    await store().refresh()
    expect(store().get(peer)).toEqual({ balance: 0n, pendingDebit: -1n, pendingCredit: 0n })
    expect(await expired.commit()).toBe(false)
    expect(expired.state).toBe('released')
    expect(await kept.commit()).toBe(true)
    await store().audit()
  })

  it('group-commits: many concurrent ops go in far fewer batches, and the books square', async () => {
    const peer = freshPeer()
    const before = { ...store().stats }
    const holds = await Promise.all(Array.from({ length: 1_000 }, () => store().reserve(peer, -1n, -1_000n, inAMinute())))
    await Promise.all(holds.map((hold, i) => (i % 2 === 0 ? hold.commit() : hold.release())))
    const batches = store().stats.batches - before.batches
    expect(store().stats.ops - before.ops).toBe(2_000)
    expect(batches).toBeLessThan(200)
    expect(store().get(peer)).toEqual({ balance: -500n, pendingDebit: 0n, pendingCredit: 0n })
    const audit = await store().audit()
    expect(audit.find((row) => row.peerId === peer)).toMatchObject({ balance: -500n, journalSum: -500n, journalRows: 500 })
  })

  it('refuses changes after close, typed', async () => {
    const other = await engine.open(server())
    await other.close()
    await expect(other.adjust(freshPeer(), 1n)).rejects.toMatchObject({ name: 'BalanceStoreClosedError' })
  })
})
