import { connect } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { BtpClient, BtpServer } from '../src/index.js'

// A WebSocket upgrade that never finishes its headers is cut off by the server's bound, while
// a real client still logs in.
let server: BtpServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

describe('BtpServer upgrade bounds', () => {
  it('closes a half-sent upgrade request (408) and still takes a real login', async () => {
    server = new BtpServer({ accounts: { alice: 'secret' }, httpBounds: { headersTimeoutMs: 200 } })
    const port = await server.listen()
    const socket = connect(port, '127.0.0.1')
    let received = ''
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()))
    socket.on('error', () => undefined)
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
    await new Promise<void>((resolve) => socket.once('connect', resolve))
    socket.write('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n')
    const client = new BtpClient({ url: `btp+ws://alice:secret@127.0.0.1:${port}`, reconnect: false })
    await client.connect()
    expect(client.state).toBe('connected')
    await closed
    expect(received).toMatch(/^HTTP\/1\.1 408/)
    await client.close()
  })

  it('tells a plain HTTP request to upgrade (426)', async () => {
    server = new BtpServer({ accounts: {} })
    const port = await server.listen()
    const response = await fetch(`http://127.0.0.1:${port}/`)
    expect(response.status).toBe(426)
  })
})
