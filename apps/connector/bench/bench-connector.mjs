// The connector under test, in its own process: `ours` (this app's startNode) or `ilp`
// (ilp-connector 23.0.2 with ilp-plugin-btp listeners, its rate limiter off, backend one-to-one).
import { mkdtempSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { validateConfig } from '../dist/config.js'
import { createLogger } from '../dist/logger.js'
import { startNode } from '../dist/node.js'

const impl = process.argv[2]
// SIGINT ends the process normally, so that --cpu-prof writes its profile.
process.on('SIGINT', () => process.exit(0))
const require = createRequire(import.meta.url)

process.once('message', async ({ ports, secret }) => {
  if (impl === 'ours') {
    const config = validateConfig({
      address: 'test.bench',
      asset: { code: 'USD', scale: 9 },
      listen: { btp: { port: ports[0] } },
      peers: [
        { id: 'sender', relation: 'child', btp: { token: secret } },
        { id: 'receiver', relation: 'child', btp: { token: secret } },
      ],
      // BENCH_BALANCES=sqlite: the durable store (a fresh file in the temp directory).
      balances: process.env.BENCH_BALANCES === 'sqlite'
        ? { store: 'sqlite', path: join(mkdtempSync(join(tmpdir(), 'bench-balances-')), 'balances.db') }
        : { store: 'memory' },
    })
    await startNode(config, { logger: createLogger('silent') })
    process.send({ ready: true, destination: 'test.bench.receiver' })
    return
  }
  const { createApp } = require('ilp-connector')
  const PluginBtp = require('ilp-plugin-btp')
  const account = (port) => ({
    relation: 'child',
    assetCode: 'USD',
    assetScale: 9,
    plugin: new PluginBtp({ listener: { port, secret }, responseTimeout: 30_000 }),
  })
  const app = createApp({
    env: 'test',
    ilpAddress: 'test.ilpc',
    backend: 'one-to-one',
    store: 'memory',
    spread: 0,
    adminApi: false,
    initialConnectTimeout: 60_000,
    disableMiddleware: ['rateLimit'],
    accounts: { sender: account(ports[0]), receiver: account(ports[1]) },
  })
  // listen() resolves only once both clients are in: tell the bench where to dial right away.
  app.listen().catch((error) => {
    console.error(error)
    process.exit(1)
  })
  process.send({ ready: true, destination: 'test.ilpc.receiver' })
})
