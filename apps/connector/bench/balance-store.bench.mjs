// pnpm bench: the cost of one committed hold (reserve + commit, as the balance rules do per
// packet side) in the in-memory store (the baseline) and in the SQLite store with
// synchronous=NORMAL (durable across a process crash) and FULL (an fsync per commit, durable
// across power loss). The file lives in the OS temp directory: its disk decides FULL's cost.
//   BENCH_COMMITS (default 20000; FULL runs a tenth of them).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { InMemoryBalanceStore, SqliteBalanceStore } from '@stack/ilp-connector'

const commits = Number(process.env.BENCH_COMMITS ?? 20_000)

function run(name, store, n) {
  const peers = ['alice', 'bob', 'carol', 'dave']
  // Warm up (statement caches, JIT), then measure.
  for (let i = 0; i < Math.min(1_000, n); i++) store.reserve(peers[i % 4], BigInt(i + 1)).commit()
  const start = process.hrtime.bigint()
  for (let i = 0; i < n; i++) {
    const hold = store.reserve(peers[i % 4], i % 2 === 0 ? BigInt(i + 1) : -BigInt(i + 1))
    hold.commit()
  }
  const ns = Number(process.hrtime.bigint() - start)
  console.log(`${name.padEnd(24)} ${(ns / n / 1_000).toFixed(2).padStart(8)} µs/commit  ${Math.round((n * 1e9) / ns).toString().padStart(9)} commits/s  (${n})`)
}

const dir = mkdtempSync(join(tmpdir(), 'balance-store-bench-'))
try {
  run('memory (baseline)', new InMemoryBalanceStore(), commits)
  for (const [synchronous, n] of [['NORMAL', commits], ['FULL', Math.max(100, Math.floor(commits / 10))]]) {
    const store = SqliteBalanceStore.open(join(dir, `${synchronous}.db`), { synchronous })
    run(`sqlite WAL ${synchronous}`, store, n)
    store.close()
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
