import { connect, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { boundedHttpServer, type BoundedHttpServer } from '../src/index.js'

// Slowloris against a real listener: half-sent requests are cut off by the header and body
// timeouts, and sockets that never authenticate are capped. The waits are the server's own.

let bounded: BoundedHttpServer | undefined
const sockets: Socket[] = []

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy()
  const server = bounded?.server
  bounded = undefined
  if (server !== undefined) {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
})

async function listen(b: BoundedHttpServer): Promise<number> {
  bounded = b
  await new Promise<void>((resolve) => b.server.listen(0, '127.0.0.1', resolve))
  return (b.server.address() as AddressInfo).port
}

/** A raw socket that has connected; `ended` resolves with what the server wrote when it closes. */
async function open(port: number): Promise<{ socket: Socket; ended: Promise<string> }> {
  const socket = connect(port, '127.0.0.1')
  sockets.push(socket)
  let received = ''
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()))
  socket.on('error', () => undefined)
  const ended = new Promise<string>((resolve) => socket.once('close', () => resolve(received)))
  await new Promise<void>((resolve) => socket.once('connect', resolve))
  return { socket, ended }
}

describe('boundedHttpServer', () => {
  it('closes a socket whose headers never end (408), and one whose body never ends', async () => {
    const port = await listen(boundedHttpServer({ headersTimeoutMs: 200, requestTimeoutMs: 400 }, (req, res) => {
      req.resume()
      req.on('end', () => res.end('ok'))
    }))
    const headers = await open(port)
    headers.socket.write('POST /ilp HTTP/1.1\r\nHost: x\r\n') // and never the blank line
    const body = await open(port)
    body.socket.write('POST /ilp HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc') // 3 of 100 bytes
    expect(await headers.ended).toMatch(/^HTTP\/1\.1 408/)
    expect(await body.ended).toMatch(/^HTTP\/1\.1 408/)
  })

  it('caps sockets that have not authenticated; an authenticated one no longer counts', async () => {
    const port = await listen(boundedHttpServer({ maxUnauthenticated: 2 }, (req, res) => {
      if (req.headers.authorization === 'Bearer ok') bounded?.authenticated(req.socket)
      res.end('hi')
    }))
    const first = await open(port)
    await open(port)
    const third = await open(port)
    // Closed on arrival, unread: nothing written.
    expect(await third.ended).toBe('')
    expect(bounded?.unauthenticated).toBe(2)
    first.socket.write('GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ok\r\n\r\n')
    await new Promise<void>((resolve) => first.socket.once('data', () => resolve()))
    expect(bounded?.unauthenticated).toBe(1)
    const fourth = await open(port)
    fourth.socket.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    expect(await fourth.ended).toMatch(/^HTTP\/1\.1 200[\s\S]*hi$/)
  })
})
