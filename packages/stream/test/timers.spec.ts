// The shell's timers: a Prepare unanswered by its expiry, and a process that has nothing but
// a connection's promise to wait for. The last two run a script in a child process against
// the built package (dist/), as a user's would.
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { IlpPacketType, type IlpReply, type PrepareHandler } from '@stack/ilp-core'
import { describe, expect, it } from 'vitest'
import { createConnection, createServer } from '../src/index.js'

const run = promisify(execFile)
const dist = new URL('../dist/index.js', import.meta.url).href

async function script(body: string): Promise<{ stdout: string; code: number }> {
  const source = `import * as stream from ${JSON.stringify(dist)}\nconst secret = () => crypto.getRandomValues(new Uint8Array(32))\n${body}`
  try {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', source], { cwd: fileURLToPath(new URL('..', import.meta.url)) })
    return { stdout, code: 0 }
  } catch (error) {
    const failed = error as { stdout: string; code: number }
    return { stdout: failed.stdout, code: failed.code }
  }
}

describe('timers of a connection', () => {
  it('takes a Prepare unanswered by its expiry as rejected, its money not delivered', async () => {
    const server = await createServer({ serverSecret: new Uint8Array(randomBytes(32)), serverAddress: 'test.server' })
    let received = 0n
    server.on('connection', (connection) => connection.on('stream', (stream) => stream.on('money', (amount) => (received += amount))))
    const { destinationAccount, sharedSecret } = server.generateAddressAndSecret()
    let paying = false
    let held = 0
    const fulfilled: bigint[] = []
    const sendPrepare: PrepareHandler = async (prepare) => {
      // A connector that swallows the first Prepare of the payment: no reply, ever.
      if (paying && held++ === 0) return new Promise<IlpReply>(() => undefined)
      const reply = await server.handlePrepare(prepare)
      if (reply.type === IlpPacketType.Fulfill) fulfilled.push(prepare.amount)
      return reply
    }
    const client = await createConnection({ destinationAccount, sharedSecret, sendPrepare, packetLifetime: 50, retry: { initialDelay: 1, maxDelay: 5 } })
    paying = true
    const stream = client.createStream()
    expect(await stream.sendTotal(3_000n)).toEqual({ type: 'sent', totalSent: 3_000n, totalDelivered: 3_000n })
    expect(held).toBeGreaterThan(1)
    expect(fulfilled.reduce((a, b) => a + b, 0n)).toBe(3_000n)
    expect(received).toBe(3_000n)
    expect(client.inFlight).toBe(0n)
    client.destroy()
  }, 10_000)

  it('does not let a process exit while createConnection waits on a path that never answers', async () => {
    const { stdout, code } = await script(`
      const sendPrepare = () => new Promise(() => undefined)
      const failure = await stream.createConnection({ destinationAccount: 'test.nobody', sharedSecret: secret(), sendPrepare, packetLifetime: 20, retry: { initialDelay: 1, maxDelay: 5 } }).catch((error) => error)
      console.log(failure.name, failure.reason)
    `)
    expect({ stdout: stdout.trim(), code }).toEqual({ stdout: 'RateProbeError unreachable', code: 0 })
  }, 20_000)

  it('does not let a process exit while a write waits for a window the receiver never opens', async () => {
    const { stdout, code } = await script(`
      // Nobody reads on the server: its stream window stays at 65 534 bytes.
      const server = await stream.createServer({ serverSecret: secret(), serverAddress: 'test.server' })
      const { destinationAccount, sharedSecret } = server.generateAddressAndSecret()
      const client = await stream.createConnection({ destinationAccount, sharedSecret, sendPrepare: server.handlePrepare, idleTimeout: 100 })
      const outcome = await client.createStream().write(new Uint8Array(100_000)).then(() => 'acknowledged', (error) => error.name)
      console.log(outcome, client.closed)
    `)
    expect({ stdout: stdout.trim(), code }).toEqual({ stdout: 'ConnectionError true', code: 0 })
  }, 20_000)
})
