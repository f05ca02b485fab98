// A BTP end host for the bench, in its own process: `receiver` fulfills every Prepare with a
// fixed fulfillment; `sender` keeps N Prepares in flight through the connector and reports
// round trips per second and latency percentiles. Same code against both connectors.
import { createHash } from 'node:crypto'
import { BtpClient } from '@stack/channel-btp'
import { HttpLink } from '@stack/channel-http'
import { decodeReject, encodeFulfill, encodePrepare } from '@stack/ilp-core'

const role = process.argv[2]
// SIGINT ends the process normally, so that --cpu-prof writes its profile.
process.on('SIGINT', () => process.exit(0))
const FULFILLMENT = new Uint8Array(32).fill(7)
const CONDITION = new Uint8Array(createHash('sha256').update(FULFILLMENT).digest())

// A sender may speak ILP over HTTP instead (cluster.bench.mjs: `url` http://…, with `token`).
async function connect(url, token) {
  const link = url.startsWith('http') ? new HttpLink({ url, token, maxInFlight: 10_000, maxSockets: 256 }) : new BtpClient({ url, reconnect: false, limits: { timeoutMs: 30_000 } })
  for (let attempt = 0; ; attempt++) {
    try {
      await link.connect()
      return link
    } catch (error) {
      if (attempt >= 100) throw error
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

process.once('message', async ({ url, token, destination }) => {
  if (role === 'receiver') {
    const reply = encodeFulfill({ fulfillment: FULFILLMENT, data: new Uint8Array(0) })
    const link = await connect(url)
    link.setRequestHandler(() => reply)
    process.on('message', (message) => message.cpu && process.send(process.cpuUsage()))
    process.send({ ready: true })
    return
  }
  const link = await connect(url, token)
  // Every Prepare is distinct (a counter in its data): no connector may answer from a cache.
  const template = () => encodePrepare({
    amount: 100n,
    destination,
    executionCondition: CONDITION,
    expiresAt: new Date(Date.now() + 60_000),
    data: new Uint8Array(8),
  })
  let base = template()
  let counter = 0n
  const next = () => {
    const bytes = Uint8Array.from(base)
    new DataView(bytes.buffer).setBigUint64(bytes.length - 8, counter++)
    return bytes
  }
  // Until `ms` have passed and, if `packets`, that many round trips are done (at most `maxMs`).
  const loop = async (inFlight, ms, latencies, packets = 0, maxMs = ms) => {
    const start = performance.now()
    const deadline = start + ms
    const cap = start + Math.max(ms, maxMs)
    let done = 0
    let failed = 0
    let firstReject
    const more = () => {
      const now = performance.now()
      return now < deadline || (done < packets && now < cap)
    }
    const worker = async () => {
      while (more()) {
        const start = performance.now()
        const reply = await link.request(next())
        if (reply[0] !== 13 && failed++ === 0) firstReject = decodeReject(reply)
        latencies?.push(performance.now() - start)
        done++
      }
    }
    await Promise.all(Array.from({ length: inFlight }, worker))
    if (firstReject !== undefined) console.error(`sender: first reject ${firstReject.code} from ${firstReject.triggeredBy}: ${firstReject.message}`)
    return { done, failed }
  }
  process.send({ ready: true })
  process.on('message', async (message) => {
    if (message.cpu) return process.send(process.cpuUsage())
    const { inFlight, ms, warmup, packets, maxMs } = message
    if (warmup) {
      base = template()
      await loop(inFlight, ms, undefined, packets, maxMs)
      return process.send({ warm: true })
    }
    const latencies = []
    const start = performance.now()
    const { done, failed } = await loop(inFlight, ms, latencies)
    const seconds = (performance.now() - start) / 1000
    latencies.sort((a, b) => a - b)
    // sent: every Prepare so far, warm-ups included (what a profile of the connector saw).
    process.send({ inFlight, done, perSecond: done / seconds, failed, p50: percentile(latencies, 50), p99: percentile(latencies, 99), sent: Number(counter) })
  })
})
