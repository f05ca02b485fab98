import { describe, expect, it } from 'vitest'
import { LinkClosedError, LinkNotConnectedError } from '@stack/channel-core'
import type { LinkState } from '@stack/channel-core'
import { BtpClient, BtpServer } from '../src/index.js'

const utf8 = (text: string) => new TextEncoder().encode(text)
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

function stateReached(client: BtpClient, wanted: LinkState): Promise<void> {
  if (client.state === wanted) return Promise.resolve()
  return new Promise((resolve) => {
    const off = client.onStateChange((state) => {
      if (state === wanted) {
        off()
        resolve()
      }
    })
  })
}

async function serve(port: number, reply: string): Promise<BtpServer> {
  const server = new BtpServer({ port, accounts: { alice: 'secret' } })
  await server.listen()
  server.link('alice').setRequestHandler(() => utf8(reply))
  return server
}

describe('BTP client reconnect', () => {
  it('reconnects and re-authenticates after the server restarts on the same port', async () => {
    const first = await serve(0, 'first server')
    const port = first.port
    const client = new BtpClient({ url: `btp+ws://alice:secret@127.0.0.1:${port}`, reconnect: { initialDelayMs: 10, maxDelayMs: 50 } })
    await client.connect()
    expect(text(await client.request(utf8('?')))).toBe('first server')
    const states: LinkState[] = []
    client.onStateChange((state) => states.push(state))

    // A request in flight when the connection drops fails at once, typed.
    first.link('alice').setRequestHandler(() => new Promise<Uint8Array>(() => undefined))
    const lost = client.request(utf8('lost'))
    const lostRejected = expect(lost).rejects.toBeInstanceOf(LinkClosedError)
    await first.close()
    await lostRejected
    await stateReached(client, 'reconnecting')
    await expect(client.request(utf8('?'))).rejects.toBeInstanceOf(LinkNotConnectedError)

    const second = await serve(port, 'second server')
    await stateReached(client, 'connected')
    expect(text(await client.request(utf8('?')))).toBe('second server')
    expect(states).toEqual(['reconnecting', 'connected'])
    await client.close()
    await second.close()
  })

  it('stops trying once closed while reconnecting', async () => {
    const server = await serve(0, 'x')
    const client = new BtpClient({ url: `btp+ws://alice:secret@127.0.0.1:${server.port}`, reconnect: { initialDelayMs: 10, maxDelayMs: 20 } })
    await client.connect()
    await server.close()
    await stateReached(client, 'reconnecting')
    await client.close()
    expect(client.state).toBe('closed')
  })

  it('stays down after a lost connection when reconnect is off', async () => {
    const server = await serve(0, 'x')
    const client = new BtpClient({ url: `btp+ws://alice:secret@127.0.0.1:${server.port}`, reconnect: false })
    await client.connect()
    await server.close()
    await stateReached(client, 'idle')
    await client.close()
  })
})
