// pnpm bench: Prepare→Fulfill round trips per second, and latency, through one node run as
// 1, 2 and 3 `stack-connector` processes behind haproxy with their balances in PostgreSQL,
// beside the single process with SQLite and with memory balances, in the same run. The
// sender speaks ILP over HTTP (to the balancer, or straight to the single process); the
// receiver is a BTP peer attached to instance a, which the other instances reach over the
// internal link. Every process is separate: sender, receiver, instances, haproxy, PostgreSQL.
//   BENCH_DURATION_MS (default 4000), BENCH_WARMUP_MS (default 1500), BENCH_IN_FLIGHT (default 16),
//   BENCH_RIGS: a comma-separated subset of memory,sqlite,cluster1,cluster2,cluster3;
//   BENCH_JSON=1 also prints the results as one JSON line.
import { fork } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startPostgres } from '@stack/db-servers'
import { freePort, startHaproxy } from '@stack/load-balancer'

const here = (file) => fileURLToPath(new URL(file, import.meta.url))
const RIGS = (process.env.BENCH_RIGS ?? 'memory,sqlite,cluster1,cluster2,cluster3').split(',')
const NAMES = { memory: '1 process, memory', sqlite: '1 process, SQLite', cluster1: '1 instance, PG, LB', cluster2: '2 instances, PG, LB', cluster3: '3 instances, PG, LB' }
const durationMs = Number(process.env.BENCH_DURATION_MS ?? 4_000)
const warmupMs = Number(process.env.BENCH_WARMUP_MS ?? 1_500)
const inFlight = Number(process.env.BENCH_IN_FLIGHT ?? 16)
const IDS = ['a', 'b', 'c']

function child(file, args = [], options = {}) {
  const proc = fork(file, args, { env: { ...process.env, DEBUG: 'none' }, stdio: ['ignore', options.pipe ? 'pipe' : 'inherit', 'inherit', 'ipc'] })
  const next = () => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${file}: no answer`)), 120_000)
    proc.once('message', (message) => {
      clearTimeout(timer)
      resolve(message)
    })
  })
  return { proc, ask: (message) => { const answer = next(); proc.send(message); return answer } }
}

/** CPU time (user + system) a process used so far, µs, from /proc (Linux; 0 elsewhere). */
function cpuMicros(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100 // clock ticks: 100 a second on Linux
  } catch {
    return 0
  }
}

/** One `stack-connector` from a config file; resolves once it logs `connector started`. */
function instance(file) {
  const { proc } = child(here('../dist/main.js'), ['--config', file], { pipe: true })
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
    procs.push(await instance(file))
  }
  const lb = kind.startsWith('cluster') ? await startHaproxy({ backends: ids.map((id) => ({ name: id, port: ports[id].http })) }) : undefined
  await lb?.whenUp()
  const receiver = child(here('./bench-peer.mjs'), ['receiver'])
  await receiver.ask({ url: `btp+ws://receiver:${secrets.receiver}@127.0.0.1:${ports.a.btp}` })
  const sender = child(here('./bench-peer.mjs'), ['sender'])
  await sender.ask({ url: lb === undefined ? `http://127.0.0.1:${ports.a.http}/ilp` : `${lb.url}/ilp`, token: secrets.senderIn, destination: 'test.bench.receiver' })
  return {
    kind,
    // CPU µs per round trip of the instances (together), the sender and the receiver: what the
    // load of the shared machine changes least, unlike the rates.
    async run() {
      await sender.ask({ inFlight, ms: warmupMs, warmup: true })
      const cpu = () => ({ instances: procs.reduce((sum, p) => sum + cpuMicros(p.pid), 0), sender: cpuMicros(sender.proc.pid), receiver: cpuMicros(receiver.proc.pid) })
      const before = cpu()
      const result = await sender.ask({ inFlight, ms: durationMs })
      const after = cpu()
      result.cpuPerPacket = Object.fromEntries(Object.keys(after).map((name) => [name, (after[name] - before[name]) / result.done]))
      return result
    },
    async stop() {
      for (const p of [sender.proc, receiver.proc, ...procs]) {
        if (p.exitCode !== null || p.signalCode !== null) continue
        const exited = new Promise((resolve) => p.once('exit', resolve))
        p.kill('SIGKILL')
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
console.log('node                  | packets/s | p50 ms | p99 ms | CPU µs/packet: instances, sender, receiver')
console.log('----------------------|-----------|--------|--------|-------------------------------------------')
for (const kind of RIGS) {
  const a = results[kind]
  const c = a.cpuPerPacket
  console.log(`${NAMES[kind].padEnd(21)} | ${fmt(a.perSecond).padStart(9)} | ${fmt(a.p50, 2).padStart(6)} | ${fmt(a.p99, 2).padStart(6)} | ${fmt(c.instances)}, ${fmt(c.sender)}, ${fmt(c.receiver)}` + (a.failed > 0 ? `  (failed: ${a.failed})` : ''))
}
if (process.env.BENCH_JSON === '1') console.log(JSON.stringify(results))
