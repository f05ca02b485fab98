// The connector under test, in its own process: `memory`, `sqlite`, `postgres` or `redis` (this app's startNode with
// that balance store) or `ilp` (ilp-connector 23.0.2 with ilp-plugin-btp listeners, its rate
// limiter off, backend one-to-one).
import { mkdtempSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { validateConfig } from '../dist/config.js'
import { createLogger } from '../dist/logger.js'
import { startNode } from '../dist/node.js'
import { startPostgres, startRedis } from '@stack/db-servers'

const impl = process.argv[2]
// SIGINT ends the process normally, so that --cpu-prof writes its profile.
process.on('SIGINT', () => process.exit(0))
const require = createRequire(import.meta.url)

// The first message sets up; then { cpu: true } asks for the CPU time used so far.
process.on('message', (message) => (message.cpu ? process.send(process.cpuUsage()) : setup(message)))

// sqlite: the durable store (a fresh file in the temp directory, synchronous=NORMAL); postgres,
// redis: a shared store (@stack/ilp-shared-balances) on a server of its own, started here
// (@stack/db-servers: synchronous_commit on; appendfsync always), which dies with this process.
async function balances() {
  if (impl === 'sqlite') return { store: 'sqlite', path: join(mkdtempSync(join(tmpdir(), 'bench-balances-')), 'balances.db') }
  if (impl === 'postgres') return { store: 'postgres', url: (await startPostgres()).url }
  if (impl === 'redis') return { store: 'redis', url: (await startRedis()).url }
  return { store: 'memory' }
}

async function setup({ secret }) {
  if (impl !== 'ilp') {
    const config = validateConfig({
      address: 'test.bench',
      asset: { code: 'USD', scale: 9 },
      listen: { btp: { port: 0 } },
      peers: [
        { id: 'sender', relation: 'child', btp: { token: secret } },
        { id: 'receiver', relation: 'child', btp: { token: secret } },
      ],
      balances: await balances(),
    })
    const node = await startNode(config, { logger: createLogger('silent') })
    process.send({ ports: { sender: node.ports.btp, receiver: node.ports.btp }, destination: 'test.bench.receiver' })
    return
  }
  const { createApp } = require('ilp-connector')
  const PluginBtp = require('ilp-plugin-btp')
  const account = () => ({
    relation: 'child',
    assetCode: 'USD',
    assetScale: 9,
    plugin: new PluginBtp({ listener: { port: 0, secret, wsOpts: { host: '127.0.0.1', port: 0 } }, responseTimeout: 30_000 }),
  })
  const accounts = { sender: account(), receiver: account() }
  const app = createApp({
    env: 'test',
    ilpAddress: 'test.ilpc',
    backend: 'one-to-one',
    store: 'memory',
    spread: 0,
    adminApi: false,
    initialConnectTimeout: 60_000,
    disableMiddleware: ['rateLimit'],
    accounts,
  })
  // listen() resolves only once both clients are in: tell the bench where to dial right away.
  app.listen().catch((error) => {
    console.error(error)
    process.exit(1)
  })
  // Each listener is up once connect() has run its first synchronous part.
  await new Promise((resolve) => setImmediate(resolve))
  const port = (id) => accounts[id].plugin._wss.address().port
  process.send({ ports: { sender: port('sender'), receiver: port('receiver') }, destination: 'test.ilpc.receiver' })
}
