import { request } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { LinkBusyError, LinkRemoteError } from '@stack/channel-core'
import { HttpLink, IlpHttpServer } from '../src/index.js'

const utf8 = (text: string) => new TextEncoder().encode(text)

interface Answer {
  status: number
  body: string
}

/** One raw POST (or other method), for the requests a well-behaved link never sends. */
function send(url: string, options: { method?: string; headers?: Record<string, string>; body?: Uint8Array }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'POST', headers: options.headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }))
    })
    req.on('error', reject)
    req.end(options.body)
  })
}

async function until(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

const good = { 'Content-Type': 'application/octet-stream', Authorization: 'Bearer alice-token' }

let server: IlpHttpServer | undefined
let link: HttpLink | undefined
const warnings: unknown[] = []

afterEach(async () => {
  await link?.close()
  await server?.close()
  server = undefined
  link = undefined
  warnings.length = 0
})

async function start(options: Partial<ConstructorParameters<typeof IlpHttpServer>[0]> = {}): Promise<string> {
  server = new IlpHttpServer({
    accounts: { alice: 'alice-token' },
    maxBodyBytes: 1024,
    // What the ILP layer above would plug in: only Prepares (type 12) are packets here.
    acceptBody: (body) => (body[0] === 12 ? undefined : 'not an ILP Prepare'),
    logger: { warn: (message, context) => warnings.push({ message, ...context }) },
    ...options
  })
  await server.listen()
  // Its outgoing side is unused; it is up once something answers at its URL (this server).
  link = new HttpLink({ url: server.url, token: 'x' })
  link.setRequestHandler((data) => data.slice(1))
  server.attach('alice', link)
  await link.connect()
  return server.url
}

describe('ILP over HTTP server answers bad input with its status', () => {
  it('answers 200 with the handler reply', async () => {
    const url = await start()
    expect(await send(url, { headers: good, body: Uint8Array.from([12, 0x41]) })).toEqual({ status: 200, body: 'A' })
  })

  it('answers 401 to a missing or wrong bearer token, and logs it', async () => {
    const url = await start()
    expect((await send(url, { headers: { 'Content-Type': 'application/octet-stream' }, body: utf8('x') })).status).toBe(401)
    expect((await send(url, { headers: { ...good, Authorization: 'Bearer wrong' }, body: utf8('x') })).status).toBe(401)
    expect(warnings).toContainEqual(expect.objectContaining({ status: 401 }))
  })

  it('answers 400 to a body that is not a packet', async () => {
    const url = await start()
    expect(await send(url, { headers: good, body: utf8('hello') })).toEqual({ status: 400, body: 'not an ILP Prepare' })
  })

  it('answers 413 to a body above the limit', async () => {
    const url = await start()
    const body = new Uint8Array(2000)
    body[0] = 12
    expect((await send(url, { headers: good, body })).status).toBe(413)
  })

  it('answers 415 to another media type, 405 to another method, 404 to another path', async () => {
    const url = await start()
    expect((await send(url, { headers: { ...good, 'Content-Type': 'application/json' }, body: utf8('{}') })).status).toBe(415)
    expect((await send(url, { method: 'GET', headers: good })).status).toBe(405)
    expect((await send(url.replace('/ilp', '/other'), { headers: good, body: utf8('x') })).status).toBe(404)
  })

  it('answers 500 when the handler fails and 503 when there is none; the server goes on', async () => {
    const url = await start()
    link?.setRequestHandler(() => {
      throw new Error('handler broke')
    })
    expect(await send(url, { headers: good, body: Uint8Array.from([12]) })).toEqual({ status: 500, body: 'handler broke' })
    link?.setRequestHandler(undefined)
    expect((await send(url, { headers: good, body: Uint8Array.from([12]) })).status).toBe(503)
    link?.setRequestHandler((data) => data)
    expect((await send(url, { headers: good, body: Uint8Array.from([12]) })).status).toBe(200)
  })

  it('answers 503 with Retry-After past maxIncoming', async () => {
    const url = await start({ maxIncoming: 1 })
    let release = (): void => undefined
    link?.setRequestHandler((data) => new Promise<Uint8Array>((resolve) => (release = () => resolve(data))))
    const first = send(url, { headers: good, body: Uint8Array.from([12]) })
    // The second arrives while the first is held: refused at once.
    let second: Answer | undefined
    for (let i = 0; i < 100 && second?.status !== 503; i++) second = await send(url, { headers: good, body: Uint8Array.from([12]) })
    expect(second?.status).toBe(503)
    release()
    expect((await first).status).toBe(200)
  })
})

describe('the signal handlers see', () => {
  it('takes a listener from each of many requests in flight without a warning, and fires for all on close', async () => {
    const emitted: Error[] = []
    const onWarning = (warning: Error): void => void emitted.push(warning)
    process.on('warning', onWarning)
    try {
      const url = await start()
      let aborted = 0
      let listening = 0
      // What a relay does: each request forwarded with the signal, which it listens on.
      link?.setRequestHandler((_data, { signal }) => new Promise<Uint8Array>(() => {
        signal?.addEventListener('abort', () => aborted++, { once: true })
        listening++
      }))
      const requests = Array.from({ length: 32 }, () => send(url, { headers: good, body: Uint8Array.from([12]) }).catch(() => undefined))
      await until(() => listening === 32)
      await link?.close()
      expect(aborted).toBe(32)
      await server?.close()
      await Promise.all(requests)
      await new Promise((resolve) => setImmediate(resolve))
      expect(emitted.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([])
    } finally {
      process.off('warning', onWarning)
    }
  })
})

describe('HttpLink client side', () => {
  it('turns a refusal into LinkRemoteError carrying the status', async () => {
    const url = await start()
    const client = new HttpLink({ url, token: 'wrong' })
    await client.connect()
    const error = await client.request(Uint8Array.from([12])).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(LinkRemoteError)
    expect((error as LinkRemoteError).code).toBe('HTTP 401')
    await client.close()
  })

  it('rejects past maxInFlight with LinkBusyError, without sending', async () => {
    const url = await start()
    let seen = 0
    link?.setRequestHandler(() => {
      seen++
      return new Promise<Uint8Array>(() => undefined)
    })
    const client = new HttpLink({ url, token: 'alice-token', maxInFlight: 2, timeoutMs: 100 })
    await client.connect()
    const held = [client.request(Uint8Array.from([12])), client.request(Uint8Array.from([12]))]
    await expect(client.request(Uint8Array.from([12]))).rejects.toBeInstanceOf(LinkBusyError)
    await Promise.allSettled(held)
    expect(seen).toBeLessThanOrEqual(2)
    await client.close()
  })

  it('sends the headers RFC 0035 asks for', async () => {
    let seen: Record<string, string | string[] | undefined> = {}
    server = new IlpHttpServer({ accounts: () => 'alice' })
    await server.listen()
    const http = await import('node:http')
    const probe = http.createServer((req, res) => {
      seen = req.headers
      req.resume()
      req.on('end', () => res.end())
    })
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const port = (probe.address() as { port: number }).port
    const client = new HttpLink({ url: `http://127.0.0.1:${port}/ilp`, token: 'tok' })
    await client.connect()
    await client.request(utf8('x'))
    expect(seen['content-type']).toBe('application/octet-stream')
    expect(seen.accept).toBe('application/octet-stream')
    expect(seen.authorization).toBe('Bearer tok')
    expect(seen['request-id']).toMatch(/^[0-9a-f-]{36}$/)
    await client.close()
    await new Promise<void>((resolve) => probe.close(() => resolve()))
  })
})
