import { linkTests } from '@stack/channel-core/compliance'
import { createServer } from 'node:http'
import { describe, expect, it } from 'vitest'
import { HttpLink, HttpPeerUnreachableError, IlpHttpServer } from '../src/index.js'
import type { HttpPair } from './fixtures/http-pair.js'
import { httpPair } from './fixtures/http-pair.js'

const pairs = new WeakMap<object, HttpPair>()

describe('ILP over HTTP link pair', () => {
  linkTests({
    concurrency: 2000,
    async setup() {
      const pair = await httpPair({ maxInFlight: 5000 })
      const links = { a: pair.a, b: pair.b }
      pairs.set(links, pair)
      return links
    },
    async teardown(links) {
      await pairs.get(links)?.close()
    }
  })
})

describe('HttpLink state: connected only once the peer answers', () => {
  it('refuses to connect while nothing listens, connects once a server listens, and goes down and back up with it', async () => {
    const free = createServer()
    await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve))
    const port = (free.address() as { port: number }).port
    await new Promise<void>((resolve) => free.close(() => resolve()))

    const link = new HttpLink({ url: `http://127.0.0.1:${port}/ilp`, token: 't' })
    const states: string[] = []
    link.onStateChange((state) => states.push(state))
    await expect(link.connect()).rejects.toBeInstanceOf(HttpPeerUnreachableError)
    expect(link.state).toBe('idle')

    const peer = createServer((req, res) => {
      req.resume()
      req.on('end', () => res.writeHead(req.method === 'POST' ? 200 : 405).end(req.method === 'POST' ? 'ok' : ''))
    })
    await new Promise<void>((resolve) => peer.listen(port, '127.0.0.1', resolve))
    await link.connect()
    expect(link.state).toBe('connected')
    expect(new TextDecoder().decode(await link.request(new Uint8Array([1])))).toBe('ok')

    // The peer goes away: the next request's refused socket takes the link down, a probe brings it back.
    await new Promise<void>((resolve) => {
      peer.close(() => resolve())
      peer.closeAllConnections()
    })
    await expect(link.request(new Uint8Array([1]))).rejects.toMatchObject({ code: expect.stringMatching(/^(ECONNREFUSED|ECONNRESET)$/) as unknown })
    expect(link.state).toBe('reconnecting')
    const back = new Promise<void>((resolve) => link.onStateChange((state) => state === 'connected' && resolve()))
    await new Promise<void>((resolve) => peer.listen(port, '127.0.0.1', resolve))
    await back
    expect(states).toEqual(['connecting', 'idle', 'connecting', 'connected', 'reconnecting', 'connected'])
    await link.close()
    await new Promise<void>((resolve) => {
      peer.close(() => resolve())
      peer.closeAllConnections()
    })
  })

  it('takes the packets of a peer whose own URL does not answer yet: its request shows it is there', async () => {
    const free = createServer()
    await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve))
    const port = (free.address() as { port: number }).port
    await new Promise<void>((resolve) => free.close(() => resolve()))

    const server = new IlpHttpServer({ accounts: (token) => (token === 'in' ? 'alice' : undefined) })
    const serverPort = await server.listen()
    const link = new HttpLink({ url: `http://127.0.0.1:${port}/ilp`, token: 'out' })
    server.attach('alice', link)
    await expect(link.connect()).rejects.toBeInstanceOf(HttpPeerUnreachableError)
    expect(link.state).toBe('idle')
    // Without a handler the node has not taken the peer on: still refused.
    const post = (): Promise<Response> => fetch(`http://127.0.0.1:${serverPort}/ilp`, { method: 'POST', headers: { authorization: 'Bearer in', 'content-type': 'application/octet-stream' }, body: new Uint8Array([1]) })
    expect((await post()).status).toBe(503)
    expect(link.state).toBe('idle')
    link.setRequestHandler(async (data) => new Uint8Array([data[0]! + 1]))
    const answered = await post()
    expect(answered.status).toBe(200)
    expect([...new Uint8Array(await answered.arrayBuffer())]).toEqual([2])
    expect(link.state).toBe('connected')
    await link.close()
    await server.close()
  })
})
