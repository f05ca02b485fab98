// pnpm bench: Prepare→Fulfill round trips per second through one connector between two BTP
// peers on loopback, the sender, the connector and the receiver each in its own process, at
// 1, 64 and 256 Prepares in flight: ours against ilp-connector 23.0.2 in the same run.
//   BENCH_DURATION_MS (default 4000) and BENCH_WARMUP_MS (default 1500) per level;
//   BENCH_BALANCES=sqlite runs ours with the durable balance store (default memory).
import { fork } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

const here = (file) => fileURLToPath(new URL(file, import.meta.url))
const LEVELS = [1, 64, 256]
const durationMs = Number(process.env.BENCH_DURATION_MS ?? 4_000)
const warmupMs = Number(process.env.BENCH_WARMUP_MS ?? 1_500)

async function freePort() {
  const server = createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

function child(file, args, execArgv = []) {
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

async function measure(impl) {
  const secret = randomBytes(16).toString('hex')
  const ports = [await freePort(), await freePort()]
  // BENCH_CPU_PROF=dir: a V8 CPU profile of the connector process, for `node --cpu-prof`'s viewers.
  const prof = process.env.BENCH_CPU_PROF
  const connector = child('./bench-connector.mjs', [impl], prof === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${prof}`])
  const { destination } = await connector.ask({ ports, secret })
  const url = (name, i) => `btp+ws://${name}:${secret}@127.0.0.1:${impl === 'ours' ? ports[0] : ports[i]}`
  const receiver = child('./bench-peer.mjs', ['receiver'])
  const sender = child('./bench-peer.mjs', ['sender'])
  try {
    await Promise.all([receiver.ask({ url: url('receiver', 1) }), sender.ask({ url: url('sender', 0), destination })])
    const results = []
    for (const inFlight of LEVELS) results.push(await sender.ask({ inFlight, warmupMs, durationMs }))
    return results
  } finally {
    for (const c of [sender, receiver]) c.proc.kill('SIGKILL')
    connector.proc.kill(process.env.BENCH_CPU_PROF === undefined ? 'SIGKILL' : 'SIGINT')
  }
}

const fmt = (n, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

const ours = await measure('ours')
if (process.env.BENCH_ONLY === 'ours') {
  console.log(ours)
  process.exit(0)
}
const theirs = await measure('ilp')
console.log(`\nPrepare→Fulfill through one connector, BTP on loopback, sender/connector/receiver in 3 processes (${durationMs} ms per level)\n`)
console.log('in flight | ours /s  | p50 ms | p99 ms | ilp-connector /s | p50 ms | p99 ms | ratio')
console.log('----------|----------|--------|--------|------------------|--------|--------|------')
for (let i = 0; i < LEVELS.length; i++) {
  const a = ours[i]
  const b = theirs[i]
  console.log(
    `${String(a.inFlight).padStart(9)} | ${fmt(a.perSecond).padStart(8)} | ${fmt(a.p50, 3).padStart(6)} | ${fmt(a.p99, 3).padStart(6)} | ` +
      `${fmt(b.perSecond).padStart(16)} | ${fmt(b.p50, 3).padStart(6)} | ${fmt(b.p99, 3).padStart(6)} | ${fmt(a.perSecond / b.perSecond, 2)}×` +
      (a.failed + b.failed > 0 ? `  (rejected: ours ${a.failed}, ilp-connector ${b.failed})` : ''),
  )
}
