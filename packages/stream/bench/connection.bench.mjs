// `pnpm bench` in stream: a fixed amount split by a max packet amount of 1,000 units into
// 10,000 packets, client and server in one process over an in-memory path that answers F08
// above 1,000 — ours and ilp-protocol-stream's in the same run, alternating, median of rounds.
// Measures the built package (dist/). The reference takes an ILP plugin (bytes in, bytes
// out), so its path encodes and decodes ILP packets; ours passes Prepare objects (the
// PrepareHandler seam), which is part of what is compared.
import { randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import {
  decodePrepare,
  encodeAmountTooLargeData,
  encodeReject,
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

function tooLarge(amount) {
  return { type: IlpPacketType.Reject, code: 'F08', triggeredBy: 'test.path', message: '', data: encodeAmountTooLargeData({ receivedAmount: amount, maximumAmount: MAX_PACKET }) }
}

async function ours() {
  const server = await createServer({ serverSecret: new Uint8Array(randomBytes(32)), serverAddress: 'test.server', idleTimeout: 0 })
  const path = async (prepare) => (prepare.amount > MAX_PACKET ? tooLarge(prepare.amount) : server.receive(prepare))
  const { destinationAccount, sharedSecret } = server.generateAddressAndSecret()
  const client = await createConnection({ destinationAccount, sharedSecret, sendPrepare: path, idleTimeout: 0, maxInFlightPackets: 20 })
  const stream = client.createStream()
  const start = process.hrtime.bigint()
  const outcome = await stream.sendTotal(AMOUNT)
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  if (outcome.type !== 'sent' || client.totalDelivered !== AMOUNT) throw new Error(`ours did not deliver: ${JSON.stringify(outcome, (_, v) => (typeof v === 'bigint' ? String(v) : v))}`)
  client.destroy()
  await server.close()
  return ms
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
    if (prepare.destination === ILDCP_DESTINATION) return Buffer.from(serveIldcp(new Uint8Array(bytes), { clientAddress: this.address, assetCode: 'XYZ', assetScale: 9 }, 'test.parent'))
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
  const start = process.hrtime.bigint()
  await stream.sendTotal(AMOUNT.toString(), { timeout: 600_000 })
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  if (String(client.totalDelivered) !== AMOUNT.toString()) throw new Error('reference did not deliver')
  await client.destroy()
  await server.close().catch(() => undefined)
  void encodeReject
  return ms
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1]
// ONLY=ours runs ours alone (to profile it: `ONLY=ours node --cpu-prof bench/connection.bench.mjs`).
const only = process.env.ONLY
const a = []
const b = []
for (let round = 0; round < ROUNDS; round++) {
  if (only !== 'theirs') a.push(await ours())
  if (only !== 'ours') b.push(await theirs())
}
if (only !== undefined) {
  const times = only === 'ours' ? a : b
  console.log(`${only}: median ${median(times).toFixed(0)} ms of ${times.map((ms) => ms.toFixed(0)).join(', ')}; ${Math.round((PACKETS * 1000) / median(times))} packets/s`)
  process.exit(0)
}
console.log(`rounds, ours: ${a.map((ms) => ms.toFixed(0)).join(", ")}; reference: ${b.map((ms) => ms.toFixed(0)).join(", ")}`)
const mine = median(a)
const ref = median(b)
console.table([
  { implementation: 'ours (@stack/stream)', packets: PACKETS, 'ms': mine.toFixed(0), 'packets/s': Math.round((PACKETS * 1000) / mine) },
  { implementation: 'ilp-protocol-stream 2.7.1', packets: PACKETS, 'ms': ref.toFixed(0), 'packets/s': Math.round((PACKETS * 1000) / ref) },
])
console.log(`send ${AMOUNT} in ${PACKETS} packets of ${MAX_PACKET}: ours ${(ref / mine).toFixed(1)}x the reference's packets/s`)
