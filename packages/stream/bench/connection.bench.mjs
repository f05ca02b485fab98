// `pnpm bench` in stream: a fixed amount split by a max packet amount of 1,000 units into
// 10,000 packets, client and server in one process over an in-memory path that answers F08
// above 1,000 — ours and ilp-protocol-stream's in the same run, alternating, median of rounds.
// Measures the built package (dist/). The reference takes an ILP plugin (bytes in, bytes
// out), so its path encodes and decodes ILP packets; ours passes Prepare objects (the
// PrepareHandler seam), which is part of what is compared.
import { randomBytes } from 'node:crypto'
import { loadavg } from 'node:os'
import { createRequire } from 'node:module'
import {
  decodePrepare,
  encodeAmountTooLargeData,
  encodeReply,
  IlpPacketType,
  ILDCP_DESTINATION,
  serveIldcp,
} from '@stack/ilp-core'
import { createConnection, createServer } from '../dist/index.js'

const require = createRequire(import.meta.url)
// ilp-protocol-stream 2.x assigns `stream.closed`, read-only on Node 18+ streams: shadow it.
const { DataAndMoneyStream } = require('ilp-protocol-stream/dist/src/stream.js')
const closedFlags = new WeakMap()
Object.defineProperty(DataAndMoneyStream.prototype, 'closed', {
  configurable: true,
  get() { return closedFlags.get(this) ?? false },
  set(value) { closedFlags.set(this, value) },
})
const reference = require('ilp-protocol-stream')

const MAX_PACKET = 1_000n
const PACKETS = 10_000
const AMOUNT = MAX_PACKET * BigInt(PACKETS)
const ROUNDS = Number(process.env.ROUNDS ?? 3)

/**
 * Wall time and CPU time of what follows, ms. The machine may be shared: CPU time (this
 * process's, all threads) is what each implementation spends, whatever else runs.
 */
function start() {
  const wall = process.hrtime.bigint()
  const cpu = process.cpuUsage()
  return () => {
    const used = process.cpuUsage(cpu)
    return { ms: Number(process.hrtime.bigint() - wall) / 1e6, cpuMs: (used.user + used.system) / 1e3 }
  }
}

function tooLarge(amount) {
  return { type: IlpPacketType.Reject, code: 'F08', triggeredBy: 'test.path', message: '', data: encodeAmountTooLargeData({ receivedAmount: amount, maximumAmount: MAX_PACKET }) }
}

async function ours() {
  const server = await createServer({ serverSecret: new Uint8Array(randomBytes(32)), serverAddress: 'test.server', idleTimeout: 0 })
  const path = async (prepare) => (prepare.amount > MAX_PACKET ? tooLarge(prepare.amount) : server.receive(prepare))
  const { destinationAccount, sharedSecret } = server.generateAddressAndSecret()
  const client = await createConnection({ destinationAccount, sharedSecret, sendPrepare: path, idleTimeout: 0, maxInFlightPackets: 20 })
  const stream = client.createStream()
  const clock = start()
  const outcome = await stream.sendTotal(AMOUNT)
  const time = clock()
  if (outcome.type !== 'sent' || client.totalDelivered !== AMOUNT) throw new Error(`ours did not deliver: ${JSON.stringify(outcome, (_, v) => (typeof v === 'bigint' ? String(v) : v))}`)
  client.destroy()
  await server.close()
  return time
}

class BytePlugin {
  constructor(address, handle) {
    this.address = address
    this.handle = handle
    this.handler = undefined
  }
  async connect() {}
  async disconnect() {}
  isConnected() { return true }
  registerDataHandler(handler) { this.handler = handler }
  deregisterDataHandler() { this.handler = undefined }
  registerMoneyHandler() {}
  deregisterMoneyHandler() {}
  async sendMoney() {}
  async sendData(bytes) {
    const prepare = decodePrepare(new Uint8Array(bytes))
    if (prepare.destination === ILDCP_DESTINATION) return Buffer.from(encodeReply(serveIldcp(prepare, { clientAddress: this.address, assetCode: 'XYZ', assetScale: 9 }, 'test.parent')))
    if (prepare.amount > MAX_PACKET) return Buffer.from(encodeReply(tooLarge(prepare.amount)))
    return this.handle(bytes)
  }
}

async function theirs() {
  let clientPlugin
  const serverPlugin = new BytePlugin('test.server', (bytes) => clientPlugin.handler(bytes))
  const server = await reference.createServer({ plugin: serverPlugin, serverSecret: randomBytes(32), idleTimeout: 0 })
  server.on('connection', (connection) => connection.on('stream', (stream) => stream.setReceiveMax(Number.MAX_SAFE_INTEGER)))
  clientPlugin = new BytePlugin('test.client', (bytes) => serverPlugin.handler(bytes))
  const { destinationAccount, sharedSecret } = server.generateAddressAndSecret()
  const client = await reference.createConnection({ plugin: clientPlugin, destinationAccount, sharedSecret })
  const stream = client.createStream()
  const clock = start()
  await stream.sendTotal(AMOUNT.toString(), { timeout: 600_000 })
  const time = clock()
  if (String(client.totalDelivered) !== AMOUNT.toString()) throw new Error('reference did not deliver')
  await client.destroy()
  await server.close().catch(() => undefined)
  return time
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1]
const list = (times, key) => times.map((time) => time[key].toFixed(0)).join(', ')
// ONLY=ours runs ours alone (to profile it: `ONLY=ours node --cpu-prof bench/connection.bench.mjs`).
const only = process.env.ONLY
const load = loadavg()[0]
const a = []
const b = []
for (let round = 0; round < ROUNDS; round++) {
  if (only !== 'theirs') a.push(await ours())
  if (only !== 'ours') b.push(await theirs())
}
const loads = `load average ${load.toFixed(1)} → ${loadavg()[0].toFixed(1)}`
if (only !== undefined) {
  const times = only === 'ours' ? a : b
  const ms = median(times.map((time) => time.ms))
  console.log(`${only}: median ${ms.toFixed(0)} ms (${list(times, 'ms')}), CPU ${median(times.map((time) => time.cpuMs)).toFixed(0)} ms (${list(times, 'cpuMs')}); ${Math.round((PACKETS * 1000) / ms)} packets/s; ${loads}`)
  process.exit(0)
}
const row = (implementation, times) => {
  const ms = median(times.map((time) => time.ms))
  const cpuMs = median(times.map((time) => time.cpuMs))
  return { implementation, packets: PACKETS, 'wall ms': ms.toFixed(0), 'packets/s': Math.round((PACKETS * 1000) / ms), 'CPU ms': cpuMs.toFixed(0), 'packets per CPU s': Math.round((PACKETS * 1000) / cpuMs), rounds: list(times, 'ms') }
}
const mine = row('ours (@stack/stream)', a)
const ref = row('ilp-protocol-stream 2.7.1', b)
console.table([mine, ref])
console.log(
  `send ${AMOUNT} in ${PACKETS} packets of ${MAX_PACKET}, median of ${ROUNDS} rounds: ours ${(mine['packets/s'] / ref['packets/s']).toFixed(1)}x the reference's packets/s (wall), ${(mine['packets per CPU s'] / ref['packets per CPU s']).toFixed(1)}x per CPU second; ${loads}`,
)
