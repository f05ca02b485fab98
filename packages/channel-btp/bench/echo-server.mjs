// A BTP echo server in its own process, for the round-trip bench: `ours` (this package, built
// into dist/) or `reference` (ilp-plugin-btp). Reports its port to the parent over IPC.
import { createRequire } from 'node:module'

const kind = process.argv[2]
const reply = new Uint8Array(48).fill(7) // about the size of an ILP Fulfill

if (kind === 'ours') {
  const { BtpServer } = await import('../dist/index.js')
  const server = new BtpServer({ accounts: { bench: 'secret' }, limits: { maxIncoming: 100_000 } })
  const port = await server.listen()
  server.link('bench').setRequestHandler(() => reply)
  process.send?.({ port })
} else {
  const require = createRequire(import.meta.url)
  const Plugin = require('ilp-plugin-btp').default
  const plugin = new Plugin({ listener: { port: 0, secret: 'secret', wsOpts: { host: '127.0.0.1', port: 0 } } })
  const replyBuffer = Buffer.from(reply)
  plugin.registerDataHandler(async () => replyBuffer)
  plugin.connect().catch(() => undefined)
  await new Promise((resolve) => setImmediate(resolve))
  process.send?.({ port: plugin._wss.address().port })
}
process.on('message', (message) => message.cpu && process.send?.(process.cpuUsage()))
process.on('disconnect', () => process.exit(0))
