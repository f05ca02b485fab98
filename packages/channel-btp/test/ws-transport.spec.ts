import { afterEach, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { wsTransport } from '../src/ws-transport.js'

// The transport frames messages itself (ws-transport.ts): a plain `ws` peer must read every
// length form (7-bit, 16-bit, 64-bit), masked from a client and unmasked from a server, in order.

const LENGTHS = [0, 1, 3, 125, 126, 127, 1000, 65_535, 65_536, 200_001]
const payload = (length: number, seed: number): Uint8Array => Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff)

let server: WebSocketServer | undefined
afterEach(async () => {
  for (const client of server?.clients ?? []) client.terminate()
  await new Promise((resolve) => (server === undefined ? resolve(undefined) : server.close(resolve)))
  server = undefined
})

/** A connected pair: `ours` is the side under test (client or server end), `peer` plain ws. */
async function pair(side: 'client' | 'server'): Promise<{ ours: WebSocket; peer: WebSocket }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false })
  server = wss
  await new Promise((resolve) => wss.once('listening', resolve))
  const accepted = new Promise<WebSocket>((resolve) => wss.once('connection', resolve))
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as { port: number }).port}`, { perMessageDeflate: false })
  await new Promise((resolve) => client.once('open', resolve))
  const serverEnd = await accepted
  return side === 'client' ? { ours: client, peer: serverEnd } : { ours: serverEnd, peer: client }
}

function received(ws: WebSocket, count: number): Promise<Uint8Array[]> {
  const messages: Uint8Array[] = []
  return new Promise((resolve) => {
    ws.on('message', (data: Buffer) => {
      messages.push(Uint8Array.from(data))
      if (messages.length === count) resolve(messages)
    })
  })
}

describe('wsTransport', () => {
  for (const side of ['client', 'server'] as const) {
    it(`sends every length as one binary message, in order, from the ${side} end`, async () => {
      const { ours, peer } = await pair(side)
      const transport = wsTransport(ours, { mask: side === 'client' })
      const sent = LENGTHS.map((length, i) => payload(length, i))
      const got = received(peer, sent.length)
      // Half in one burst (one write), half one per tick.
      for (const data of sent.slice(0, 5)) transport.send(data)
      for (const data of sent.slice(5)) {
        await new Promise((resolve) => setImmediate(resolve))
        transport.send(data)
      }
      expect(await got).toEqual(sent)
    })
  }

  it('counts what it holds in bufferedAmount until the write', async () => {
    const { ours } = await pair('server')
    const transport = wsTransport(ours, { mask: false })
    transport.send(payload(100, 1))
    expect(transport.bufferedAmount).toBeGreaterThanOrEqual(102)
  })

  it('lets what was sent leave before the close frame when flushed first', async () => {
    const { ours, peer } = await pair('client')
    const transport = wsTransport(ours, { mask: true })
    const got = received(peer, 1)
    const closed = new Promise<number>((resolve) => peer.once('close', resolve))
    transport.send(payload(10, 9))
    transport.flush()
    ours.close(1000, 'done')
    expect(await got).toEqual([payload(10, 9)])
    expect(await closed).toBe(1000)
  })
})
