import { describe, expect, it } from 'vitest'
import { BalanceStoreUnavailableError } from '../src/index.js'
import { engines, freshPeer, serverAndClient, until } from './servers.js'

describe.each(engines)('the $name server killed and restarted under load', (engine) => {
  const { server, store } = serverAndClient(engine, { timeoutMs: 3_000, expireGraceMs: 0 })

  it('fails ops typed while it is down, loses no commit it answered, counts none twice', async () => {
    const peer = freshPeer()
    const committed = new Set<string>()
    const failures: unknown[] = []
    let stop = false
    let succeeded = 0
    const worker = async (): Promise<void> => {
      while (!stop) {
        try {
          const hold = await store().reserve(peer, -1n, -1_000_000n, new Date(Date.now() + 500))
          if (await hold.commit()) committed.add(hold.id)
          succeeded++
        } catch (error) {
          failures.push(error)
          await new Promise((resolve) => setTimeout(resolve, 20))
        }
      }
    }
    const workers = Array.from({ length: 16 }, () => worker())
    await until(() => succeeded >= 200)
    await server().kill() // a crash: SIGKILL, mid-batch
    await until(() => failures.length > 0)
    await server().restart()
    const before = succeeded
    await until(() => succeeded >= before + 200)
    stop = true
    await Promise.all(workers)

    expect(failures.length).toBeGreaterThan(0)
    for (const error of failures) expect(error).toBeInstanceOf(BalanceStoreUnavailableError)
    // Holds whose answer was lost expire (grace 0 here); then nothing is pending.
    await new Promise((resolve) => setTimeout(resolve, 600))
    await store().expire()
    const journal = (await store().journal()).filter((entry) => entry.peerId === peer)
    const ids = journal.map((entry) => entry.hold)
    expect(new Set(ids).size).toBe(ids.length) // no hold counted twice
    for (const id of committed) expect(ids).toContain(id) // no answered commit lost
    await store().refresh()
    expect(store().get(peer)).toEqual({ balance: -BigInt(journal.length), pendingDebit: 0n, pendingCredit: 0n })
    await store().audit()
  })
})
