// pnpm bench: Prepare→Fulfill round trips per second, and latency, through one node run as
// 1, 2 and 3 `stack-connector` processes behind haproxy with their balances in PostgreSQL,
// beside the single process with SQLite and with memory balances, in the same run. The
// sender speaks ILP over HTTP (to the balancer, or straight to the single process); the
// receiver is a BTP peer attached to instance a, which the other instances reach over the
// internal link. Every process is separate: sender, receiver, instances, haproxy, PostgreSQL.
//   BENCH_DURATION_MS (default 4000), BENCH_WARMUP_MS (default 1500), BENCH_IN_FLIGHT (default 16),
//   BENCH_WARMUP_PACKETS (default 10000: the warm-up also lasts until that many round trips,
//   at most 30 s — a rig at 1 k packets/s is otherwise measured while V8 still compiles its code),
//   BENCH_RIGS: a comma-separated subset of memory,sqlite,cluster1,cluster2,cluster3;
//   BENCH_JSON=1 also prints the results as one JSON line;
//   BENCH_CPU_PROF=dir: V8 CPU profiles of the instances, sender and receiver, for
//   profile-summary.mjs (its --packets: the Prepares each rig sent, printed at the end).
import { fork } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startPostgres } from '@stack/db-servers'
import pg from 'pg'
import { freePort, startHaproxy } from '@stack/load-balancer'

const here = (file) => fileURLToPath(new URL(file, import.meta.url))
const RIGS = (process.env.BENCH_RIGS ?? 'memory,sqlite,cluster1,cluster2,cluster3').split(',')
const NAMES = { memory: '1 process, memory', sqlite: '1 process, SQLite', cluster1: '1 instance, PG, LB', cluster2: '2 instances, PG, LB', cluster3: '3 instances, PG, LB' }
const durationMs = Number(process.env.BENCH_DURATION_MS ?? 4_000)
const warmupMs = Number(process.env.BENCH_WARMUP_MS ?? 1_500)
const inFlight = Number(process.env.BENCH_IN_FLIGHT ?? 16)
const warmupPackets = Number(process.env.BENCH_WARMUP_PACKETS ?? 10_000)
const IDS = ['a', 'b', 'c']
const prof = process.env.BENCH_CPU_PROF

function child(file, args = [], options = {}) {
  const name = options.name ?? args.join('-')
  const execArgv = prof === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${prof}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`]
  const proc = fork(file, args, { env: { ...process.env, DEBUG: 'none' }, execArgv, stdio: ['ignore', options.pipe ? 'pipe' : 'inherit', 'inherit', 'ipc'] })
  const next = () => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${file}: no answer`)), 120_000)
    proc.once('message', (message) => {
      clearTimeout(timer)
      resolve(message)
    })
  })
  return { proc, ask: (message) => { const answer = next(); proc.send(message); return answer } }
}

/** CPU time (user + system) a process used so far, µs, from /proc (Linux; NaN elsewhere or once it exited). */
function cpuMicros(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100 // clock ticks: 100 a second on Linux
  } catch {
    return Number.NaN
  }
}

/** CPU µs the processes used between two cpuMicros readings of each; one gone meanwhile counts 0. */
function used(before, after) {
  return after.reduce((sum, value, i) => sum + (Number.isNaN(value) || Number.isNaN(before[i]) ? 0 : value - before[i]), 0)
}

/** Processes whose parent is `pid`, and theirs (PostgreSQL's backends and workers under its postmaster). */
function descendants(pid) {
  const parents = new Map()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      parents.set(Number(entry), Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ')[1]))
    } catch {
      // gone meanwhile
    }
  }
  const out = [pid]
  for (let i = 0; i < out.length; i++) for (const [child, parent] of parents) if (parent === out[i]) out.push(child)
  return out
}

/** A process's command name; '' once it exited. */
function named(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim()
  } catch {
    return ''
  }
}

/** PostgreSQL's postmaster: the first line of postmaster.pid in its data directory (db-servers: `data` in its folder). */
const postmaster = (store) => Number(readFileSync(join(store.dataDir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0])

/** PostgreSQL's committed transactions so far (its statistics lag by up to a second, alike at both ends of a run). */
async function transactions(store) {
  const client = new pg.Client({ connectionString: store.url })
  await client.connect()
  try {
    const { rows } = await client.query('SELECT xact_commit::text AS n FROM pg_stat_database WHERE datname = current_database()')
    return Number(rows[0].n) - 1 // less this query's own
  } finally {
    await client.end()
  }
}

/** One `stack-connector` from a config file; resolves once it logs `connector started`. */
function instance(file, name) {
  const { proc } = child(here('../dist/main.js'), ['--config', file], { pipe: true, name })
  return new Promise((resolve, reject) => {
    let out = ''
    proc.stdout.on('data', (chunk) => {
      out += chunk
      if (out.includes('"connector started"')) resolve(proc)
      if (out.length > 100_000) out = out.slice(-10_000)
    })
    proc.once('exit', (code) => reject(new Error(`instance ${file} exited ${code}:\n${out.slice(-2_000)}`)))
  })
}

/** A rig: the node as `kind`, its sender and receiver, connected. */
async function rig(kind, dir, store) {
  const secrets = { receiver: randomBytes(16).toString('hex'), senderIn: randomBytes(16).toString('hex'), cluster: randomBytes(16).toString('hex') }
  const n = kind.startsWith('cluster') ? Number(kind.slice(7)) : 1
  const ids = IDS.slice(0, n)
  const ports = {}
  for (const id of ids) ports[id] = { btp: await freePort(), http: await freePort(), internal: await freePort() }
  const balances = kind === 'memory' ? { store: 'memory' } : kind === 'sqlite' ? { store: 'sqlite', path: join(dir, `${kind}.db`) } : { store: 'postgres', url: store.url }
  const procs = []
  for (const id of ids) {
    const file = join(dir, `${kind}-${id}.json`)
    writeFileSync(file, JSON.stringify({
      address: 'test.bench',
      asset: { code: 'USD', scale: 9 },
      listen: { btp: { port: ports[id].btp }, http: { port: ports[id].http } },
      peers: [
        { id: 'receiver', relation: 'child', btp: { token: secrets.receiver } },
        // The sender only sends: its URL answers nothing.
        { id: 'sender', relation: 'child', http: { url: 'http://127.0.0.1:9/ilp', token: 'unused', incomingToken: secrets.senderIn } },
      ],
      balances,
      ...(kind.startsWith('cluster') ? { cluster: { instance: id, token: secrets.cluster, instances: Object.fromEntries(ids.map((i) => [i, `http://127.0.0.1:${ports[i].internal}`])), attach: { receiver: 'a' } } } : {}),
      log: { level: 'info' },
    }))
    procs.push(await instance(file, `${kind}-${id}`))
  }
  const lb = kind.startsWith('cluster') ? await startHaproxy({ backends: ids.map((id) => ({ name: id, port: ports[id].http })) }) : undefined
  await lb?.whenUp()
  const receiver = child(here('./bench-peer.mjs'), ['receiver'], { name: `${kind}-receiver` })
  await receiver.ask({ url: `btp+ws://receiver:${secrets.receiver}@127.0.0.1:${ports.a.btp}` })
  const sender = child(here('./bench-peer.mjs'), ['sender'], { name: `${kind}-sender` })
  await sender.ask({ url: lb === undefined ? `http://127.0.0.1:${ports.a.http}/ilp` : `${lb.url}/ilp`, token: secrets.senderIn, destination: 'test.bench.receiver' })
  return {
    kind,
    // CPU µs per round trip of the instances (together), the sender, the receiver, PostgreSQL
    // (all its processes) and haproxy: what the load of the shared machine changes least, unlike
    // the rates.
    async run() {
      await sender.ask({ inFlight, ms: warmupMs, warmup: true, packets: warmupPackets, maxMs: 30_000 })
      // The store's processes (backends come and go; the pool keeps its connections) and haproxy.
      const balancerPids = lb === undefined ? [] : descendants(process.pid).filter((pid) => named(pid) === 'haproxy')
      const storePids = store === undefined || !kind.startsWith('cluster') ? [] : descendants(postmaster(store))
      const pids = { instances: procs.map((p) => p.pid), sender: [sender.proc.pid], receiver: [receiver.proc.pid], store: storePids, balancer: balancerPids }
      const cpu = () => Object.fromEntries(Object.entries(pids).map(([name, list]) => [name, list.map(cpuMicros)]))
      const commits = kind.startsWith('cluster') ? await transactions(store) : 0
      const before = cpu()
      const result = await sender.ask({ inFlight, ms: durationMs })
      const after = cpu()
      // Transactions per packet: the batches (group commits) and the timers' few reads and sweeps.
      if (kind.startsWith('cluster')) result.storeTransactions = ((await transactions(store)) - commits) / result.done
      result.cpuPerPacket = Object.fromEntries(Object.keys(pids).map((name) => [name, used(before[name], after[name]) / result.done]))
      // The machine's 1-minute load average as the rig ends: what the others running took of the cores.
      result.load = loadavg()[0]
      return result
    },
    async stop() {
      for (const p of [sender.proc, receiver.proc, ...procs]) {
        if (p.exitCode !== null || p.signalCode !== null) continue
        const exited = new Promise((resolve) => p.once('exit', resolve))
        // SIGINT ends a process normally, so that --cpu-prof writes its profile.
        p.kill(prof === undefined ? 'SIGKILL' : 'SIGINT')
        await exited
      }
      await lb?.stop()
    },
  }
}

const fmt = (n, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
const dir = mkdtempSync(join(tmpdir(), 'cluster-bench-'))
const store = RIGS.some((kind) => kind.startsWith('cluster')) ? await startPostgres() : undefined
const results = {}
try {
  // One rig at a time: the machine's cores are what the instances share.
  for (const kind of RIGS) {
    const r = await rig(kind, dir, store)
    try {
      results[kind] = await r.run()
    } finally {
      await r.stop()
    }
  }
} finally {
  await store?.stop()
  rmSync(dir, { recursive: true, force: true })
}

console.log(`\nPrepare→Fulfill through one node, ILP over HTTP in, BTP out, ${inFlight} in flight, ${durationMs} ms per rig\n`)
console.log('node                  | packets/s | p50 ms | p99 ms | load | CPU µs/packet: instances, sender, receiver, store, haproxy | store transactions/packet')
console.log('----------------------|-----------|--------|--------|------|----------------------------------------------------------|--------------------------')
for (const kind of RIGS) {
  const a = results[kind]
  const c = a.cpuPerPacket
  console.log(`${NAMES[kind].padEnd(21)} | ${fmt(a.perSecond).padStart(9)} | ${fmt(a.p50, 2).padStart(6)} | ${fmt(a.p99, 2).padStart(6)} | ${fmt(a.load, 1).padStart(4)} | ${fmt(c.instances)}, ${fmt(c.sender)}, ${fmt(c.receiver)}, ${fmt(c.store)}, ${fmt(c.balancer)}` + (a.storeTransactions === undefined ? '' : ` | ${fmt(a.storeTransactions, 2)}`) + (a.failed > 0 ? `  (failed: ${a.failed})` : ''))
}
if (prof !== undefined) console.log(`\nprofiles in ${prof}; Prepares sent per rig (--packets): ${RIGS.map((kind) => `${kind} ${results[kind].sent}`).join(', ')}`)
if (process.env.BENCH_JSON === '1') console.log(JSON.stringify(results))
