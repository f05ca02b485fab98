import { IlpPacketType } from '@stack/ilp-core'
import { openPostgresBalanceStore, openRedisBalanceStore } from '@stack/ilp-shared-balances'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildBin } from './bin.js'
import { ADDRESS, startCluster, type ClusterUnderTest } from './cluster-bins.js'
import { expectBooks, type SeenAtKill } from './crash-books.js'
import { waitFor } from './harness.js'

// Three instances of one node behind haproxy, their balances in PostgreSQL, carry alice's
// payment stream to bob while one instance at a time, or the store, is SIGKILLed and restarted. The books —
// the store's, alice's view, bob's view — square to the unit; the store's journal sums to its
// balances; and two instances racing for the last unit of a credit limit never both get it.

const CONCURRENCY = 8
const EXPIRY_MS = 4_000

beforeAll(() => buildBin(), 130_000)

/**
 * alice's workers pay bob through the balancer, then `victim` (an instance, or the store) is SIGKILLed. `held`: at the kill
 * every worker's last packet is held by bob, so no Fulfill is in the air, and bob then rejects
 * them. `flowing`: the kill comes at a random moment.
 */
async function round(c: ClusterUnderTest, victim: string, mode: 'held' | 'flowing'): Promise<SeenAtKill> {
  const deliveredBefore = c.bob.delivered.reduce((a, b) => a + b, 0n)
  const result: SeenAtKill = { fulfilled: 0n, delivered: 0n, inFlight: 0n }
  const inFlight = new Map<number, bigint>()
  let next = 0
  let fulfilledCount = 0
  let holdNow = false
  let killed = false
  const worker = async (): Promise<void> => {
    while (!killed) {
      const id = next++
      const amount = BigInt(1 + Math.floor(Math.random() * 1_000))
      const last = holdNow
      inFlight.set(id, amount)
      try {
        const reply = await c.alice.pay(`${ADDRESS}.bob`, amount, last ? 'hold' : 'fulfill', EXPIRY_MS)
        if (reply.type === IlpPacketType.Fulfill) {
          result.fulfilled += amount
          fulfilledCount++
        }
      } catch {
        // 502 from the balancer: the instance died with the request; no Fulfill seen.
      } finally {
        inFlight.delete(id)
      }
      if (last) return
    }
  }
  const workers = Array.from({ length: CONCURRENCY }, worker)
  await waitFor(() => fulfilledCount >= 60, 30_000, 'traffic')
  if (mode === 'held') {
    holdNow = true
    await waitFor(() => c.bob.heldCount() === CONCURRENCY, 30_000, 'every worker held at bob')
  } else {
    await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 200)))
  }
  // The store: SIGKILLed and started again on its data, the instances running on.
  const kill = victim === 'store' ? c.store.kill().then(() => c.store.restart()) : c.kill(victim)
  killed = true
  result.inFlight = [...inFlight.values()].reduce((a, b) => a + b, 0n)
  await kill
  c.bob.release('reject')
  await Promise.all(workers)
  result.delivered = c.bob.delivered.reduce((a, b) => a + b, 0n) - deliveredBefore
  return result
}

/**
 * Waits for the store to have no holds left (a dead instance's expire), then the two books:
 * the same in two reads further apart than the instances refresh their view of the store.
 */
async function settledBooks(c: ClusterUnderTest): Promise<{ alice: bigint; bob: bigint }> {
  const read = async (): Promise<string> => {
    const [alice, bob] = [await c.book('alice'), await c.book('bob')]
    const pending = alice.pendingDebit !== 0n || alice.pendingCredit !== 0n || bob.pendingDebit !== 0n || bob.pendingCredit !== 0n
    return pending ? 'pending' : `${alice.balance} ${bob.balance}`
  }
  const deadline = Date.now() + 60_000
  let last = ''
  for (;;) {
    const now = await read()
    if (now !== 'pending' && now === last) {
      const [alice, bob] = now.split(' ').map(BigInt) as [bigint, bigint]
      return { alice, bob }
    }
    if (Date.now() > deadline) throw new Error(`the books did not settle: ${now}`)
    last = now
    await new Promise((resolve) => setTimeout(resolve, 1_500))
  }
}

/** The store's own balances and journal sums (not an instance's view of them). */
async function audited(c: ClusterUnderTest): Promise<Record<string, { balance: bigint; journalSum: bigint }>> {
  const options = { url: c.store.url, expireEveryMs: 0, refreshEveryMs: 0 }
  const store = c.engine === 'postgres' ? await openPostgresBalanceStore(options) : await openRedisBalanceStore(options)
  try {
    return Object.fromEntries((await store.audit()).map((a) => [a.peerId, { balance: a.balance, journalSum: a.journalSum }]))
  } finally {
    await store.close()
  }
}

describe('a cluster of three instances, instances SIGKILLed mid-stream', () => {
  let c: ClusterUnderTest
  beforeAll(async () => {
    c = await startCluster({})
  }, 120_000)
  afterAll(() => c?.stop())

  it('loses nothing and counts nothing twice; the journal sums to the balances', async () => {
    let before = await settledBooks(c)
    expect(before).toEqual({ alice: 0n, bob: 0n })
    let exact = 0
    const rounds = [['b', 'held'], ['c', 'flowing'], ['store', 'flowing'], ['b', 'flowing'], ['c', 'held']] as const
    for (const [victim, mode] of rounds) {
      const seen = await round(c, victim, mode)
      const after = await settledBooks(c)
      const charged = before.alice - after.alice
      const owed = after.bob - before.bob
      expectBooks(mode, seen, charged, owed)
      if (charged === seen.fulfilled && owed === seen.fulfilled) exact++
      if (process.env.CLUSTER_TEST_LOG !== undefined) console.log(victim, mode, JSON.stringify({ ...seen, charged, owed }, (_, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)))
      if (victim !== 'store') await c.restart(victim)
      before = after
    }
    expect(exact).toBeGreaterThanOrEqual(rounds.filter(([, mode]) => mode === 'held').length)

    // The store itself: each balance is the sum of its journal, and the instances' view of it.
    const audit = await audited(c)
    expect(audit.alice).toEqual({ balance: before.alice, journalSum: before.alice })
    expect(audit.bob).toEqual({ balance: before.bob, journalSum: before.bob })
  }, 300_000)
})

describe.each(['postgres', 'redis'] as const)('two instances on %s racing for the last units of a credit limit', (engine) => {
  let c: ClusterUnderTest
  beforeAll(async () => {
    c = await startCluster({ instances: 2, engine, alice: { minBalance: '-1000' } })
  }, 120_000)
  afterAll(() => c?.stop())

  it('never both get them', async () => {
    const [atA, atB] = [await c.aliceAt('a'), await c.aliceAt('b')]
    // Each race: both instances at once; what is left of the limit fits one packet, not two.
    for (const amount of [600n, 300n, 100n, 1n]) {
      const replies = await Promise.all([atA.pay(`${ADDRESS}.bob`, amount, 'fulfill'), atB.pay(`${ADDRESS}.bob`, amount, 'fulfill')])
      const fulfilled = replies.filter((r) => r.type === IlpPacketType.Fulfill).length
      const refused = replies.filter((r) => r.type === IlpPacketType.Reject && r.code === 'T04').length
      expect({ amount, fulfilled, refused }).toEqual({ amount, fulfilled: amount === 1n ? 0 : 1, refused: amount === 1n ? 2 : 1 })
    }
    const audit = await audited(c)
    expect(audit.alice).toEqual({ balance: -1000n, journalSum: -1000n })
    expect(audit.bob).toEqual({ balance: 1000n, journalSum: 1000n })
  }, 120_000)
})
