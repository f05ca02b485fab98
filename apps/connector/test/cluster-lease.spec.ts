import { spawn } from 'node:child_process'
import { startPostgres, startRedis, type DbServer } from '@stack/db-servers'
import type { Channel } from '@stack/channel-core'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isLeased, leasedChannel, postgresLease, redisLease, SettlementLeaseHeldError, type SettlementLease } from '../src/cluster-lease.js'
import { buildBin } from './bin.js'

// Two processes as one instance (a restart overlapping the old process): one settles a peer,
// the other waits for its lock, which a crash of the holder frees.

const servers: Record<'postgres' | 'redis', DbServer | undefined> = { postgres: undefined, redis: undefined }
const leases: SettlementLease[] = []

beforeAll(async () => {
  buildBin() // the crashing holder runs dist/cluster-lease.js
  servers.postgres = await startPostgres()
  servers.redis = await startRedis()
}, 120_000)
afterAll(async () => {
  for (const lease of leases) await lease.close()
  await servers.postgres?.stop()
  await servers.redis?.stop()
})

const TTL_MS = 1_000
const make = {
  postgres: (): SettlementLease => postgresLease((servers.postgres as DbServer).url, 'test.node'),
  redis: (): SettlementLease => redisLease((servers.redis as DbServer).url, 'test.node', TTL_MS),
}

/** A process that takes the peer's lock, says so, and waits to be killed. */
async function holderProcess(kind: 'postgres' | 'redis', peer: string): Promise<() => void> {
  const url = (servers[kind] as DbServer).url
  const lease = kind === 'postgres' ? `postgresLease(${JSON.stringify(url)}, 'test.node')` : `redisLease(${JSON.stringify(url)}, 'test.node', ${TTL_MS})`
  const script = `
    import { postgresLease, redisLease } from ${JSON.stringify(new URL('../dist/cluster-lease.js', import.meta.url).pathname)}
    if (await ${lease}.hold(${JSON.stringify(peer)})) console.log('held')
    setInterval(() => {}, 1000)
  `
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve())
    child.once('exit', (code) => reject(new Error(`holder exited ${code}`)))
  })
  return () => child.kill('SIGKILL')
}

describe.each(['postgres', 'redis'] as const)('settlement lease on %s', (kind) => {
  it('is one process\'s at a time, and the next one\'s once it lets go', async () => {
    const first = make[kind]()
    const second = make[kind]()
    leases.push(first, second)
    expect(await first.hold('bob')).toBe(true)
    expect(await first.hold('bob')).toBe(true) // kept
    expect(await second.hold('bob')).toBe(false)
    expect(await second.hold('carol')).toBe(true) // another peer's lock
    await first.close()
    // Postgres frees it with the session; Redis when the key lapses.
    await until(() => second.hold('bob'))
  })

  it('counts a new tenure each time the lock is taken anew, not when it is kept', async () => {
    const first = make[kind]()
    const second = make[kind]()
    leases.push(first, second)
    expect(first.tenure('erin')).toBe(0)
    expect(await first.hold('erin')).toBe(true)
    const tenure = first.tenure('erin')
    expect(tenure).toBeGreaterThan(0)
    expect(await first.hold('erin')).toBe(true)
    expect(first.tenure('erin')).toBe(tenure)
    // Lost: the session ends (Postgres), the key lapses and another takes it (Redis); taken again, a new tenure.
    if (kind === 'postgres') {
      const admin = new pg.Client({ connectionString: (servers.postgres as DbServer).url })
      await admin.connect()
      await admin.query("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND pid <> pg_backend_pid()")
      await admin.end()
    } else {
      await until(() => second.hold('erin'))
      await second.close()
    }
    await until(() => first.hold('erin'))
    expect(first.tenure('erin')).toBeGreaterThan(tenure)
  })

  it('is freed by a crash of its holder', async () => {
    const kill = await holderProcess(kind, 'dave')
    const waiting = make[kind]()
    leases.push(waiting)
    expect(await waiting.hold('dave')).toBe(false)
    kill()
    await until(() => waiting.hold('dave'))
  })
})

describe('leasedChannel', () => {
  it('pays only while the lock is held, and passes the rest through', async () => {
    const sent: bigint[] = []
    const channel: Channel = { sendValue: async (amount) => void sent.push(amount), setValueHandler: () => undefined, totals: () => ({ sent: 7n, received: 3n }) }
    let mine = false
    const leased = leasedChannel(channel, 'bob', { hold: async () => mine })
    await expect(leased.sendValue(5n)).rejects.toThrow(SettlementLeaseHeldError)
    expect(sent).toEqual([])
    mine = true
    await leased.sendValue(5n)
    expect(sent).toEqual([5n])
    expect(leased.totals?.()).toEqual({ sent: 7n, received: 3n })
    expect(leased.start).toBeUndefined()
    expect([isLeased(leased), isLeased(channel)]).toEqual([true, false])
  })
})

async function until(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
