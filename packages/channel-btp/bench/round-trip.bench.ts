import { fork } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { createRequire } from 'node:module'
import { afterAll, beforeAll, bench, describe } from 'vitest'
import { BtpClient } from '../src/index.js'

// Round trips over loopback, client here and server in a child process, ours against
// ilp-plugin-btp at 1, 16 and 256 requests in flight. vitest's own table times a batch of each;
// the table printed at the end gives round trips/s, p50/p99 per request, and the ratios.

const require = createRequire(import.meta.url)
const IlpPluginBtp = (require('ilp-plugin-btp') as { default: new (o: object) => ReferenceClient }).default

interface ReferenceClient {
  connect(): Promise<void>
  disconnect(): Promise<void>
  sendData(data: Buffer): Promise<Buffer>
}

type Send = (data: Uint8Array) => Promise<Uint8Array>
const LEVELS = [1, 16, 256] as const
const PER_BATCH = 4096 // requests per measured batch, whatever the level
const request = new Uint8Array(160).fill(12) // about the size of an ILP Prepare

interface Stats {
  latencies: number[]
  requests: number
  ns: bigint
  /** The fastest batch: on a machine shared with other work, the least disturbed figure. */
  bestNs: bigint
  /** CPU time (user + system, µs) of the client (this process) and of the server. */
  clientCpu: number
  serverCpu: number
}
const results = new Map<string, Stats>()
const children: ChildProcess[] = []
const servers = new Map<string, ChildProcess>()

function startServer(kind: 'ours' | 'reference'): Promise<number> {
  const child = fork(new URL('./echo-server.mjs', import.meta.url), [kind], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  children.push(child)
  servers.set(kind, child)
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve((message as { port: number }).port))
    child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)))
  })
}

/** CPU time (µs) the server process has used so far. */
function serverCpu(kind: 'ours' | 'reference'): Promise<number> {
  const child = servers.get(kind) as ChildProcess
  return new Promise((resolve) => {
    child.once('message', (usage) => resolve((usage as NodeJS.CpuUsage).user + (usage as NodeJS.CpuUsage).system))
    child.send({ cpu: true })
  })
}

const cpuNow = (): number => {
  const usage = process.cpuUsage()
  return usage.user + usage.system
}

/** Keeps `level` requests in flight until PER_BATCH are done; records each one's latency. */
async function batch(name: string, send: Send, level: number, server: 'ours' | 'reference'): Promise<void> {
  const stats = results.get(name) ?? { latencies: [], requests: 0, ns: 0n, bestNs: 1n << 62n, clientCpu: 0, serverCpu: 0 }
  results.set(name, stats)
  let remaining = PER_BATCH
  const serverBefore = await serverCpu(server)
  const clientBefore = cpuNow()
  const started = process.hrtime.bigint()
  const worker = async (): Promise<void> => {
    while (remaining > 0) {
      remaining--
      const t0 = process.hrtime.bigint()
      await send(request)
      stats.latencies.push(Number(process.hrtime.bigint() - t0) / 1e6)
    }
  }
  await Promise.all(Array.from({ length: level }, worker))
  const took = process.hrtime.bigint() - started
  stats.clientCpu += cpuNow() - clientBefore
  stats.serverCpu += (await serverCpu(server)) - serverBefore
  stats.ns += took
  if (took < stats.bestNs) stats.bestNs = took
  stats.requests += PER_BATCH
}

let ours: BtpClient
let reference: ReferenceClient

beforeAll(async () => {
  const [oursPort, referencePort] = await Promise.all([startServer('ours'), startServer('reference')])
  ours = new BtpClient({ url: `btp+ws://bench:secret@127.0.0.1:${oursPort}`, reconnect: false })
  await ours.connect()
  reference = new IlpPluginBtp({ server: `btp+ws://bench:secret@127.0.0.1:${referencePort}` })
  await reference.connect()
  // Our own warm-up (JIT, socket buffers), so the measured batches are all steady state.
  for (const level of LEVELS) {
    await batch('warm-up', (data) => ours.request(data), level, 'ours')
    await batch('warm-up', (data) => reference.sendData(Buffer.from(data)), level, 'reference')
  }
  results.clear()
})

afterAll(async () => {
  await ours.close()
  await reference.disconnect()
  for (const child of children) child.kill()
  const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN
  const rows = LEVELS.map((level) => {
    const row = (impl: string) => {
      const stats = results.get(`${impl} ${level}`)
      if (stats === undefined || stats.requests === 0) return undefined
      const sorted = stats.latencies.slice().sort((a, b) => a - b)
      return {
        rps: stats.requests / (Number(stats.ns) / 1e9),
        best: PER_BATCH / (Number(stats.bestNs) / 1e9),
        p50: quantile(sorted, 0.5),
        p99: quantile(sorted, 0.99),
        cpu: `${(stats.clientCpu / stats.requests).toFixed(1)} + ${(stats.serverCpu / stats.requests).toFixed(1)}`
      }
    }
    return { level, ours: row('ours'), reference: row('ilp-plugin-btp') }
  })
  const lines = ['', 'BTP round trips over loopback (client here, server in a child process)', '']
  lines.push('in flight | ours rt/s | ref rt/s | ratio | best batch ours | best batch ref | ratio | ours p50 ms | ref p50 ms | ours p99 ms | ref p99 ms | CPU µs/rt client + server: ours | ref')
  for (const { level, ours: o, reference: r } of rows) {
    if (o === undefined || r === undefined) continue
    lines.push(
      [level, o.rps.toFixed(0), r.rps.toFixed(0), `${(o.rps / r.rps).toFixed(2)}x`, o.best.toFixed(0), r.best.toFixed(0), `${(o.best / r.best).toFixed(2)}x`, o.p50.toFixed(3), r.p50.toFixed(3), o.p99.toFixed(3), r.p99.toFixed(3), o.cpu, r.cpu].join(' | ')
    )
  }
  console.log(lines.join('\n'))
})

// One bench per level, each iteration a batch of ours then one of ilp-plugin-btp: the two take
// turns every few hundred milliseconds, so a machine busy with other work slows both alike.
for (const level of LEVELS) {
  describe(`${level} in flight, ${PER_BATCH} round trips per batch`, () => {
    bench(`ours and ilp-plugin-btp ${level}`, async () => {
      await batch(`ours ${level}`, (data) => ours.request(data), level, 'ours')
      await batch(`ilp-plugin-btp ${level}`, (data) => reference.sendData(Buffer.from(data)), level, 'reference')
    }, { time: 3000, warmupTime: 0, warmupIterations: 0 })
  })
}
