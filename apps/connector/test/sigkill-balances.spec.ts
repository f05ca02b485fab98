import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { IlpPacketType } from '@stack/ilp-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SqliteBalanceStore } from '@stack/ilp-connector'
import { book, buildBin, killBins, startBin, type RunningBin } from './bin.js'
import { expectBooks } from './crash-books.js'
import { freePort, host, intents, token, type Host } from './harness.js'

// The bin with the SQLite balance store, in its own process, killed with SIGKILL while packets
// flow through it over BTP on loopback, restarted on the same file: its balances must be the
// packets that were fulfilled, each counted once (@stack/ilp-connector's sqlite-balance-store.ts has the rule).

const CONCURRENCY = 8
const MAX_PACKETS_PER_ROUND = 4_000

let dir: string
beforeAll(() => {
  buildBin()
  dir = mkdtempSync(join(tmpdir(), 'stack-connector-sigkill-'))
}, 130_000)
afterAll(() => {
  killBins()
  rmSync(dir, { recursive: true, force: true })
})

async function adminBalances(running: RunningBin): Promise<{ alice: bigint; bob: bigint; pending: bigint }> {
  const [alice, bob] = [await book(running, 'alice'), await book(running, 'bob')]
  const pending = -alice.pendingDebit + alice.pendingCredit - bob.pendingDebit + bob.pendingCredit
  return { alice: alice.balance, bob: bob.balance, pending }
}

/** What the end hosts saw in one round. */
interface Round {
  /** Sender: Fulfills received (sum, count). */
  fulfilled: bigint
  fulfilledCount: number
  /** Receiver: amounts it fulfilled. */
  delivered: bigint
  /** Sender: packets with no reply at the instant of the kill (sum, count). */
  inFlight: bigint
  inFlightCount: number
}

/**
 * Runs CONCURRENCY senders through the node, then SIGKILLs it. `held`: at the kill, every sender's
 * last packet is held by the receiver, so no Fulfill is anywhere between the hosts. `flowing`: the
 * kill comes at a random moment while Fulfills stream back through the node.
 */
async function round(running: RunningBin, url: (id: string, secret: string) => string, secrets: { alice: string; bob: string }, mode: 'held' | 'flowing'): Promise<Round> {
  const shared = intents()
  const receiver: Host = await host(url('bob', secrets.bob), shared)
  const sender: Host = await host(url('alice', secrets.alice), shared)
  const inFlight = new Map<number, bigint>()
  const result: Round = { fulfilled: 0n, fulfilledCount: 0, delivered: 0n, inFlight: 0n, inFlightCount: 0 }
  let next = 0
  let holdNow = false
  let killed = false
  const worker = async (): Promise<void> => {
    while (!killed && next < MAX_PACKETS_PER_ROUND) {
      const id = next++
      const amount = BigInt(1 + Math.floor(Math.random() * 1_000))
      const last = holdNow
      inFlight.set(id, amount)
      try {
        const reply = await sender.pay('test.crash.bob', amount, last ? 'hold' : 'fulfill', 5_000)
        if (reply.type === IlpPacketType.Fulfill) {
          result.fulfilled += amount
          result.fulfilledCount++
        }
      } catch {
        // The link died with the node: no reply, not fulfilled.
      } finally {
        inFlight.delete(id)
      }
      if (last) return
    }
  }
  const workers = Array.from({ length: CONCURRENCY }, worker)

  const deadline = Date.now() + 10_000
  const wait = async (until: () => boolean): Promise<void> => {
    while (!until()) {
      if (Date.now() > deadline) throw new Error(`round timed out: ${result.fulfilledCount} fulfilled, ${inFlight.size} in flight, ${receiver.seen.length} seen by the receiver`)
      await new Promise((resolve) => setTimeout(resolve, 2))
    }
  }
  // Some traffic first, then a random moment within the next ~200 ms.
  await wait(() => result.fulfilledCount >= 50)
  if (mode === 'held') {
    holdNow = true
    await wait(() => receiver.heldCount() === CONCURRENCY)
  } else {
    await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 200)))
  }
  // The kill: snapshot what had no reply yet, in the same turn.
  running.child.kill('SIGKILL')
  killed = true
  result.inFlight = [...inFlight.values()].reduce((a, b) => a + b, 0n)
  result.inFlightCount = inFlight.size
  expect(await running.exited).toBe('SIGKILL')
  await Promise.all(workers)
  // Held Prepares are never released: the node that sent them is gone.
  result.delivered = receiver.delivered.reduce((a, b) => a + b, 0n)
  await sender.close()
  await receiver.close()
  return result
}

describe('a connector killed with SIGKILL mid-traffic (SQLite balances)', () => {
  it('restarts with balances equal to the fulfilled packets, nothing counted twice', async () => {
    const [btpPort, adminPort] = [await freePort(), await freePort()]
    const secrets = { alice: token(), bob: token() }
    const configPath = join(dir, 'connector.json')
    writeFileSync(configPath, JSON.stringify({
      address: 'test.crash',
      asset: { code: 'USD', scale: 6 },
      listen: { btp: { host: '127.0.0.1', port: btpPort } },
      admin: { host: '127.0.0.1', port: adminPort },
      peers: [
        { id: 'alice', relation: 'child', btp: { token: secrets.alice } },
        { id: 'bob', relation: 'child', btp: { token: secrets.bob } },
      ],
      // Relative to the configuration file.
      balances: { store: 'sqlite', path: 'balances.db' },
      packets: { minMessageWindowMs: 200, maxHoldTimeMs: 10_000 },
      log: { level: 'info' },
      shutdownTimeoutMs: 2_000,
    }))
    const url = (id: string, secret: string): string => `btp+ws://${id}:${secret}@127.0.0.1:${btpPort}`

    let running = await startBin(configPath)
    let before = await adminBalances(running)
    expect(before).toEqual({ alice: 0n, bob: 0n, pending: 0n })
    let sent = 0n
    let fulfilledCount = 0
    let exactRounds = 0
    const modes = ['held', 'flowing', 'held', 'flowing', 'flowing', 'held'] as const
    for (const mode of modes) {
      const seen = await round(running, url, secrets, mode)
      running = await startBin(configPath)
      const after = await adminBalances(running)
      // Pending holds of the dead process are gone: none of them was fulfilled upstream.
      expect(after.pending).toBe(0n)
      const charged = before.alice - after.alice // what alice now owes us more
      const owed = after.bob - before.bob // what we now owe bob more
      expectBooks(mode, seen, charged, owed)
      if (charged === seen.fulfilled && owed === seen.fulfilled) exactRounds++
      if (process.env.SIGKILL_TEST_LOG !== undefined) console.log(mode, { ...seen, charged, owed })
      sent += seen.fulfilled
      fulfilledCount += seen.fulfilledCount
      before = after
    }
    expect(exactRounds).toBeGreaterThanOrEqual(modes.filter((m) => m === 'held').length)

    // Graceful stop of the last process; then the file itself: balances = Σ journal per peer.
    running.child.kill('SIGTERM')
    expect(await running.exited).toBe(0)
    const store = SqliteBalanceStore.open(join(dir, 'balances.db'))
    try {
      const audit = Object.fromEntries(store.audit().map((a) => [a.peerId, a]))
      expect(audit.alice?.balance).toBe(before.alice)
      expect(audit.bob?.balance).toBe(before.bob)
      expect(store.run).toBe(modes.length + 2)
      if (exactRounds === modes.length) {
        expect(-before.alice).toBe(sent)
        expect(audit.alice?.journalRows).toBe(fulfilledCount)
      }
    } finally {
      store.close()
    }
  }, 90_000)
})
