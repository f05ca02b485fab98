// pnpm bench: Prepare→Fulfill round trips per second through one connector between two BTP
// peers on loopback, the sender, the connector and the receiver each in its own process, at
// 1, 64 and 256 Prepares in flight: ours with in-memory balances, with SQLite balances, with a
// shared store (PostgreSQL, Redis: started by the connector's process) and ilp-connector
// 23.0.2, in the same run, taking turns at each level.
//   BENCH_DURATION_MS (default 4000) and BENCH_WARMUP_MS (default 1500) per level and rig;
//   BENCH_RIGS: a comma-separated subset of memory,sqlite,postgres,redis,ilp; BENCH_LEVELS likewise of 1,64,256;
//   BENCH_JSON=1 also prints the results as one JSON line;
//   BENCH_CPU_PROF=dir: V8 CPU profiles of every process (sender, connector, receiver), for
//   profile-summary.mjs (its --packets: the Prepares each rig sent, printed at the end).
import { fork } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'

const here = (file) => fileURLToPath(new URL(file, import.meta.url))
const LEVELS = (process.env.BENCH_LEVELS ?? '1,64,256').split(',').map(Number)
const RIGS = (process.env.BENCH_RIGS ?? 'memory,sqlite,postgres,redis,ilp').split(',')
const NAMES = { memory: 'ours, memory', sqlite: 'ours, SQLite', postgres: 'ours, PostgreSQL', redis: 'ours, Redis', ilp: 'ilp-connector' }
const durationMs = Number(process.env.BENCH_DURATION_MS ?? 4_000)
const warmupMs = Number(process.env.BENCH_WARMUP_MS ?? 1_500)
const prof = process.env.BENCH_CPU_PROF

function child(file, args) {
  const execArgv = prof === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${prof}`, `--cpu-prof-name=${args.join('-')}-${Date.now()}.cpuprofile`]
  const proc = fork(here(file), args, { env: { ...process.env, DEBUG: 'none' }, execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const next = () => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${file} ${args.join(' ')}: no answer`)), 120_000)
    proc.once('message', (message) => {
      clearTimeout(timer)
      resolve(message)
    })
  })
  return { proc, ask: (message) => { const answer = next(); proc.send(message); return answer } }
}

/** One connector (memory, sqlite, postgres, redis or ilp) with its sender and receiver, connected. */
async function rig(kind) {
  const secret = randomBytes(16).toString('hex')
  const connector = child('./bench-connector.mjs', [kind])
  const { ports, destination } = await connector.ask({ secret })
  const url = (name) => `btp+ws://${name}:${secret}@127.0.0.1:${ports[name]}`
  const receiver = child('./bench-peer.mjs', ['receiver', kind])
  const sender = child('./bench-peer.mjs', ['sender', kind])
  await Promise.all([receiver.ask({ url: url('receiver') }), sender.ask({ url: url('sender'), destination })])
  const processes = { sender, connector, receiver }
  const cpu = async () => {
    const usage = {}
    for (const [name, c] of Object.entries(processes)) {
      const { user, system } = await c.ask({ cpu: true })
      usage[name] = user + system
    }
    return usage
  }
  return {
    kind,
    // CPU time of each process per measured round trip (µs): what the load of the machine
    // changes least, unlike the rates.
    async run(inFlight) {
      await sender.ask({ inFlight, ms: warmupMs, warmup: true })
      const before = await cpu()
      const result = await sender.ask({ inFlight, ms: durationMs })
      const after = await cpu()
      result.cpuPerPacket = Object.fromEntries(Object.keys(after).map((name) => [name, (after[name] - before[name]) / result.done]))
      return result
    },
    // SIGINT ends a process normally, so that --cpu-prof writes its profile.
    stop: () => Promise.all([sender, receiver, connector].map((c) => new Promise((resolve) => {
      c.proc.once('exit', resolve)
      c.proc.kill(prof === undefined ? 'SIGKILL' : 'SIGINT')
    }))),
  }
}

const fmt = (n, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

const rigs = []
const results = {}
try {
  for (const kind of RIGS) rigs.push(await rig(kind))
  for (const inFlight of LEVELS) {
    for (const r of rigs) (results[r.kind] ??= []).push(await r.run(inFlight))
  }
} finally {
  await Promise.all(rigs.map((r) => r.stop()))
}

console.log(`\nPrepare→Fulfill through one connector, BTP on loopback, sender/connector/receiver in 3 processes (${durationMs} ms per level)\n`)
console.log('in flight | connector        | packets/s | p50 ms | p99 ms | × ilp-connector | p99 vs ilp | CPU µs/packet: connector, sender, receiver')
console.log('----------|------------------|-----------|--------|--------|-----------------|------------|-------------------------------------------')
for (let i = 0; i < LEVELS.length; i++) {
  const ref = results.ilp?.[i]
  for (const kind of RIGS) {
    const a = results[kind][i]
    const ratio = ref === undefined || kind === 'ilp' ? '' : `${fmt(a.perSecond / ref.perSecond, 2)}×`
    const p99 = ref === undefined || kind === 'ilp' ? '' : a.p99 < ref.p99 ? 'lower' : 'HIGHER'
    console.log(
      `${String(LEVELS[i]).padStart(9)} | ${NAMES[kind].padEnd(16)} | ${fmt(a.perSecond).padStart(9)} | ${fmt(a.p50, 3).padStart(6)} | ` +
        `${fmt(a.p99, 3).padStart(6)} | ${ratio.padStart(15)} | ${p99.padEnd(10)} | ` +
        `${fmt(a.cpuPerPacket.connector, 1)}, ${fmt(a.cpuPerPacket.sender, 1)}, ${fmt(a.cpuPerPacket.receiver, 1)}` + (a.failed > 0 ? `  (rejected: ${a.failed})` : ''),
    )
  }
}
if (prof !== undefined) for (const kind of RIGS) console.log(`${kind}: ${results[kind].at(-1).sent} Prepares sent, warm-ups included`)
if (process.env.BENCH_JSON === '1') console.log(JSON.stringify(results))
