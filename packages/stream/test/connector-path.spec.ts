// One path through a real Connector from ilp-core with memory links from channel-core:
// its switch, rates, F08 limit and expiry handling between our client and server.
import { randomBytes } from 'node:crypto'
import { createMemoryLinkPair, type Link } from '@stack/channel-core'
import { Connector, StaticRateBackend } from '@stack/ilp-connector'
import { decodePrepare, decodeReply, encodePrepare, encodeReply, isAddressPrefix, type PrepareHandler } from '@stack/ilp-core'
import { describe, expect, it } from 'vitest'
import { createConnection, createServer, type Connection, type Stream } from '../src/index.js'

const routes = (table: Record<string, string>) => ({
  nextHop(destination: string) {
    return Object.entries(table).find(([prefix]) => isAddressPrefix(prefix, destination))?.[1]
  },
})

async function connected(): Promise<[Link, Link]> {
  const [a, b] = createMemoryLinkPair()
  await Promise.all([a.connect(), b.connect()])
  return [a, b]
}

const sender = (link: Link): PrepareHandler => async (prepare) => decodeReply(await link.request(encodePrepare(prepare)))
const serve = (link: Link, handler: () => PrepareHandler) => link.setRequestHandler(async (bytes) => encodeReply(await handler()(decodePrepare(bytes))))

describe('through an ilp-core Connector', () => {
  it('sends money both ways across a rate and a max packet amount; totals agree', async () => {
    const connector = new Connector({
      address: 'test.conn',
      routes: routes({ 'test.conn.server': 'server', 'test.conn.client': 'client' }),
      rates: new StaticRateBackend({ USD: '1', EUR: '0.9' }),
      logger: { warn: () => undefined },
    })
    const [clientLink, connectorToClient] = await connected()
    const [serverLink, connectorToServer] = await connected()
    connector.addPeer({ id: 'client', relation: 'child', asset: { code: 'USD', scale: 2 }, link: connectorToClient, maxPacketAmount: 1_000n })
    connector.addPeer({ id: 'server', relation: 'child', asset: { code: 'EUR', scale: 2 }, link: connectorToServer })

    const server = await createServer({ serverSecret: new Uint8Array(randomBytes(32)), serverAddress: 'test.conn.server', sendPrepare: sender(serverLink) })
    serve(serverLink, () => server.handlePrepare)
    const accepted = new Promise<Connection>((resolve) => server.once('connection', resolve))
    const { destinationAccount, sharedSecret } = server.generateAddressAndSecret()
    const peer: { client?: Connection } = {}
    serve(clientLink, () => peer.client!.handlePrepare)
    const client = (peer.client = await createConnection({ destinationAccount, sharedSecret, sendPrepare: sender(clientLink), sourceAccount: 'test.conn.client' }))
    expect(client.maxPacketAmount).toBe(1_000n)
    expect(client.exchangeRate).toBeDefined()

    const stream = client.createStream()
    const outcome = await stream.sendTotal(25_000n)
    expect(outcome.type).toBe('sent')
    const serverConnection = await accepted
    const remote = serverConnection.streams[0] as Stream
    expect(remote.totalReceived).toBe(stream.totalDelivered)
    expect(serverConnection.totalReceived).toBe(client.totalDelivered)
    expect(client.totalDelivered).toBeLessThanOrEqual((25_000n * 9n) / 10n)
    expect(client.totalDelivered).toBeGreaterThan(0n)

    // And back, EUR → USD.
    const back = await remote.sendTotal(900n)
    expect(back.type).toBe('sent')
    expect(stream.totalReceived).toBe(remote.totalDelivered)
    await client.end()
  }, 20_000)
})
