// pnpm bench: reserve + commit pairs (what the balance rules do per packet side; a forwarded
// packet does two) through each balance store in one run: in memory, SQLite (WAL, NORMAL), and
// the stores shared by connector instances, PostgreSQL (synchronous_commit on) and Redis
// (AOF, appendfsync always and everysec), servers started here by @stack/db-servers. Each store
// runs with `concurrency` pairs out at once (packets in flight); pairs/s over BENCH_SECONDS and
// the p50/p99 latency of one pair (reserve sent → commit answered), and for the shared stores
// the ops per batch (group commit).
//   BENCH_SECONDS (default 3), BENCH_CONCURRENCY (default "1,64,512").
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startPostgres, startRedis } from '@stack/db-servers'
import { InMemoryBalanceStore, SqliteBalanceStore } from '@stack/ilp-connector'
import { openPostgresBalanceStore, openRedisBalanceStore } from '@stack/ilp-shared-balances'

const seconds = Number(process.env.BENCH_SECONDS ?? 3)
const concurrencies = (process.env.BENCH_CONCURRENCY ?? '1,64,512').split(',').map(Number)
const peers = ['alice', 'bob', 'carol', 'dave']

async function run(name, store, concurrency, runSeconds = seconds) {
  const latencies = []
  let pairs = 0
  // A deadline, not a timer: a synchronous store never yields to the timers' phase.
  const deadline = process.hrtime.bigint() + BigInt(Math.round(runSeconds * 1e9))
  const before = store.stats === undefined ? undefined : { ...store.stats }
  const worker = async (w) => {
    for (let i = 0; process.hrtime.bigint() < deadline; i++) {
      const t = process.hrtime.bigint()
      const hold = await store.reserve(peers[(w + i) % 4], -1n, -(10n ** 30n), new Date(Date.now() + 30_000))
      await hold.commit()
      latencies.push(Number(process.hrtime.bigint() - t) / 1e6)
      pairs++
    }
  }
  const start = process.hrtime.bigint()
  const workers = Array.from({ length: concurrency }, (_, w) => worker(w))
  await Promise.all(workers)
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9
  latencies.sort((a, b) => a - b)
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(2)
  const perBatch = before === undefined ? '' : ((store.stats.ops - before.ops) / Math.max(1, store.stats.batches - before.batches)).toFixed(0)
  return { store: name, concurrency, 'pairs/s': Math.round(pairs / elapsed), 'p50 ms': at(0.5), 'p99 ms': at(0.99), 'ops/batch': perBatch }
}

const dir = mkdtempSync(join(tmpdir(), 'shared-balance-bench-'))
const servers = []
const rows = []
try {
  const pg = await startPostgres()
  servers.push(pg)
  const redisAlways = await startRedis({ appendfsync: 'always' })
  servers.push(redisAlways)
  const redisEverysec = await startRedis({ appendfsync: 'everysec' })
  servers.push(redisEverysec)
  const timers = { expireEveryMs: 0, refreshEveryMs: 0 }
  const stores = [
    ['memory', async () => new InMemoryBalanceStore()],
    ['sqlite NORMAL', async () => SqliteBalanceStore.open(join(dir, `b-${rows.length}.db`))],
    ['postgres', async () => openPostgresBalanceStore({ url: pg.url, ...timers })],
    ['redis always', async () => openRedisBalanceStore({ url: redisAlways.url, ...timers })],
    ['redis everysec', async () => openRedisBalanceStore({ url: redisEverysec.url, durability: 'crash', ...timers })],
  ]
  for (const concurrency of concurrencies) {
    for (const [name, open] of stores) {
      const store = await open()
      await run(name, store, Math.min(concurrency, 8), 0.5) // warm-up
      rows.push(await run(name, store, concurrency))
      await store.close?.()
    }
  }
  console.table(rows)
} finally {
  for (const server of servers) await server.stop()
  rmSync(dir, { recursive: true, force: true })
}
