import { createHash, randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { linkFromPlugin, LinkRemoteError } from '@stack/channel-core'
import { linkTests } from '@stack/channel-core/compliance'
import { BtpClient, BtpServer } from '../src/index.js'
import { ilpPacket, IlpPluginBtp } from './fixtures/reference-plugin.js'
import type { ReferencePlugin } from './fixtures/reference-plugin.js'

// Interop with ilp-plugin-btp 1.5.0 (the interledgerjs reference), real ILP packets from
// ilp-packet 3.1.3, in both directions.

const fulfillment = randomBytes(32)
const condition = createHash('sha256').update(fulfillment).digest()

function prepare(amount: string, note: string): Buffer {
  return ilpPacket.serializeIlpPrepare({
    amount,
    executionCondition: condition,
    expiresAt: new Date(Date.now() + 30_000),
    destination: 'test.bob.carol',
    data: Buffer.from(note)
  })
}

/** The receiving end: fulfills a Prepare whose data says `pay`, rejects otherwise. */
function answer(bytes: Uint8Array): Buffer {
  const p = ilpPacket.deserializeIlpPrepare(Buffer.from(bytes))
  if (p.data.toString() === 'pay') return ilpPacket.serializeIlpFulfill({ fulfillment, data: Buffer.from(`got ${p.amount}`) })
  return ilpPacket.serializeIlpReject({ code: 'F99', triggeredBy: 'test.bob', message: 'no', data: Buffer.alloc(0) })
}

const cleanup: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

async function referenceServer(): Promise<{ plugin: ReferencePlugin; port: number }> {
  const plugin = new IlpPluginBtp({ listener: { port: 0, secret: 'secret', wsOpts: { host: '127.0.0.1', port: 0 } }, responseTimeout: 5000 })
  // The listener resolves connect() only once a client authenticated: do not await it here.
  const connected = plugin.connect()
  connected.catch(() => undefined) // rejects with "connection aborted" if no client ever authenticates
  cleanup.push(() => plugin.disconnect())
  await new Promise<void>((resolve) => setImmediate(resolve))
  const port = plugin._wss?.address().port ?? 0
  return { plugin, port }
}

describe('our BtpClient against ilp-plugin-btp as server', () => {
  it('authenticates, sends a Prepare and gets the Fulfill; gets a Reject likewise', async () => {
    const { plugin, port } = await referenceServer()
    plugin.registerDataHandler(async (data) => answer(data))
    const client = new BtpClient({ url: `btp+ws://alice:secret@127.0.0.1:${port}`, reconnect: false })
    cleanup.push(() => client.close())
    await client.connect()
    const fulfill = ilpPacket.deserializeIlpFulfill(Buffer.from(await client.request(prepare('1000', 'pay'))))
    expect(fulfill.fulfillment).toEqual(fulfillment)
    expect(fulfill.data.toString()).toBe('got 1000')
    const reject = ilpPacket.deserializeIlpReject(Buffer.from(await client.request(prepare('5', 'nope'))))
    expect(reject.code).toBe('F99')
  })

  it('answers the reference server’s requests with our handler', async () => {
    const { plugin, port } = await referenceServer()
    const client = new BtpClient({ url: `btp+ws://alice:secret@127.0.0.1:${port}`, reconnect: false })
    cleanup.push(() => client.close())
    client.setRequestHandler(answer)
    await client.connect()
    const fulfill = ilpPacket.deserializeIlpFulfill(await plugin.sendData(prepare('77', 'pay')))
    expect(fulfill.data.toString()).toBe('got 77')
  })

  it('is refused by the reference server with a wrong token', async () => {
    const { port } = await referenceServer()
    const client = new BtpClient({ url: `btp+ws://alice:wrong@127.0.0.1:${port}`, reconnect: false, authTimeoutMs: 2000 })
    cleanup.push(() => client.close())
    await expect(client.connect()).rejects.toBeInstanceOf(Error)
  })
})

describe('ilp-plugin-btp as client against our BtpServer', () => {
  async function connectedPlugin(): Promise<{ server: BtpServer; plugin: ReferencePlugin }> {
    const server = new BtpServer({ accounts: { alice: 'secret' } })
    const port = await server.listen()
    cleanup.push(() => server.close())
    const plugin = new IlpPluginBtp({ server: `btp+ws://alice:secret@127.0.0.1:${port}`, responseTimeout: 5000 })
    cleanup.push(() => plugin.disconnect())
    await plugin.connect()
    return { server, plugin }
  }

  it('authenticates and exchanges Prepare/Fulfill both ways', async () => {
    const { server, plugin } = await connectedPlugin()
    const account = server.link('alice')
    await account.connect()
    account.setRequestHandler(answer)
    const fulfill = ilpPacket.deserializeIlpFulfill(await plugin.sendData(prepare('42', 'pay')))
    expect(fulfill.data.toString()).toBe('got 42')

    plugin.registerDataHandler(async (data) => answer(data))
    const back = ilpPacket.deserializeIlpFulfill(Buffer.from(await account.request(prepare('43', 'pay'))))
    expect(back.data.toString()).toBe('got 43')
  })

  it('turns a failing reference handler into LinkRemoteError', async () => {
    const { server, plugin } = await connectedPlugin()
    const account = server.link('alice')
    await account.connect()
    plugin.registerDataHandler(async () => {
      throw new Error('boom')
    })
    await expect(account.request(prepare('1', 'pay'))).rejects.toBeInstanceOf(LinkRemoteError)
  })

  it('refuses the reference client with a wrong token', async () => {
    const server = new BtpServer({ accounts: { alice: 'secret' } })
    const port = await server.listen()
    cleanup.push(() => server.close())
    const plugin = new IlpPluginBtp({ server: `btp+ws://alice:wrong@127.0.0.1:${port}`, reconnectInterval: 60_000 })
    let disconnected = false
    plugin.on('disconnect', () => {
      disconnected = true
    })
    cleanup.push(() => plugin.disconnect())
    // The reference client never resolves connect() when refused; it hears the close.
    void plugin.connect().catch(() => undefined)
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (disconnected) resolve()
        else setTimeout(check, 5)
      }
      check()
    })
    expect(server.link('alice').state).toBe('idle')
  })
})

describe('ilp-plugin-btp through linkFromPlugin passes the Link suite against our server', () => {
  const servers = new WeakMap<object, BtpServer>()
  linkTests({
    concurrency: 500,
    async setup() {
      const server = new BtpServer({ accounts: { alice: 'secret' } })
      const port = await server.listen()
      const plugin = new IlpPluginBtp({ server: `btp+ws://alice:secret@127.0.0.1:${port}`, responseTimeout: 5000 })
      const a = linkFromPlugin(plugin)
      await a.connect()
      const b = server.link('alice')
      await b.connect()
      const pair = { a, b }
      servers.set(pair, server)
      return pair
    },
    async teardown(pair) {
      await pair.a.close()
      await servers.get(pair)?.close()
    }
  })
})
