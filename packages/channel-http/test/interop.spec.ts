import { createHash, randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { HttpLink, IlpHttpServer } from '../src/index.js'
import { ilpPacket, IlpPluginHttp } from './fixtures/reference-plugin.js'

// Interop with ilp-plugin-http 1.6.1 in both directions, with real ILP packets (ilp-packet).
// Note: ilp-plugin-http listens on all interfaces (it takes no host); we only reach it on 127.0.0.1.

const fulfillment = randomBytes(32)
const condition = createHash('sha256').update(fulfillment).digest()
const prepare = (amount: string) =>
  ilpPacket.serializeIlpPrepare({ amount, executionCondition: condition, expiresAt: new Date(Date.now() + 30_000), destination: 'test.peer', data: Buffer.from('hi') })
const fulfill = (bytes: Uint8Array) =>
  ilpPacket.serializeIlpFulfill({ fulfillment, data: Buffer.from(`paid ${ilpPacket.deserializeIlpPrepare(Buffer.from(bytes)).amount}`) })

const cleanup: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

describe('HttpLink and IlpHttpServer with ilp-plugin-http', () => {
  it('exchanges Prepare and Fulfill both ways', async () => {
    const server = new IlpHttpServer({ accounts: { plugin: 'plugin-to-us' } })
    await server.listen()
    cleanup.push(() => server.close())

    const plugin = new IlpPluginHttp({
      incoming: { port: 0, staticToken: 'us-to-plugin' },
      outgoing: { url: server.url, staticToken: 'plugin-to-us' }
    })
    plugin.registerDataHandler(async (data) => fulfill(data))
    await plugin.connect()
    cleanup.push(() => plugin.disconnect())
    const pluginPort = plugin._httpServer.address().port

    const link = new HttpLink({ url: `http://127.0.0.1:${pluginPort}/`, token: 'us-to-plugin' })
    server.attach('plugin', link)
    link.setRequestHandler(fulfill)
    await link.connect()
    cleanup.push(() => link.close())

    // Ours → theirs.
    const reply = ilpPacket.deserializeIlpFulfill(Buffer.from(await link.request(prepare('100'))))
    expect(reply.fulfillment).toEqual(fulfillment)
    expect(reply.data.toString()).toBe('paid 100')
    // Theirs → ours.
    const back = ilpPacket.deserializeIlpFulfill(await plugin.sendData(prepare('200')))
    expect(back.data.toString()).toBe('paid 200')
  })

  it('is refused by ilp-plugin-http with a wrong token, as LinkRemoteError HTTP 401', async () => {
    const plugin = new IlpPluginHttp({ incoming: { port: 0, staticToken: 'right' }, outgoing: { url: 'http://127.0.0.1:1/', staticToken: 'x' } })
    await plugin.connect()
    cleanup.push(() => plugin.disconnect())
    const link = new HttpLink({ url: `http://127.0.0.1:${plugin._httpServer.address().port}/`, token: 'wrong' })
    await link.connect()
    cleanup.push(() => link.close())
    await expect(link.request(prepare('1'))).rejects.toMatchObject({ name: 'LinkRemoteError', code: 'HTTP 401' })
  })
})
