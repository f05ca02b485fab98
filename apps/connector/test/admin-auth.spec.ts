import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { NodeEvents } from '@stack/ilp-connector'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { IncomingMessage } from 'node:http'
import fc from 'fast-check'
import { bearerCheck } from '../src/admin/auth.js'
import { serveEvents } from '../src/admin/event-stream.js'
import { InvalidConfigError, validateConfig } from '../src/config.js'
import { buildBin, killBins, startBin } from './bin.js'
import { capturingLogger, node, waitFor } from './harness.js'

const base = { address: 'test.auth', asset: { code: 'USD', scale: 2 }, peers: [], balances: { store: 'memory' }, log: { level: 'info' } }

describe('admin API authentication (the bin as a process)', () => {
  let dir: string
  beforeAll(() => {
    buildBin()
    dir = mkdtempSync(join(tmpdir(), 'connector-admin-auth-'))
  }, 130_000)
  afterAll(() => {
    killBins()
    rmSync(dir, { recursive: true, force: true })
  })

  it('refuses to listen beyond loopback without a token: a typed config error, exit 2, nothing listens', async () => {
    expect(() => validateConfig({ ...base, admin: { host: '0.0.0.0', port: 0 } })).toThrow(InvalidConfigError)
    try {
      validateConfig({ ...base, admin: { host: '0.0.0.0', port: 0, token: 'short' } })
    } catch (error) {
      expect((error as InvalidConfigError).issues).toEqual([{ path: 'admin.token', message: 'must be at least 16 characters' }])
    }
    expect(validateConfig({ ...base, admin: { host: '::1', port: 0 } }).admin).toEqual({ host: '::1', port: 0 })
    const path = join(dir, 'public.json')
    writeFileSync(path, JSON.stringify({ ...base, admin: { host: '0.0.0.0', port: 0 } }))
    const run = spawnSync(process.execPath, [fileURLToPath(new URL('../dist/main.js', import.meta.url)), '--config', path], { encoding: 'utf8', timeout: 20_000 })
    expect(run.status).toBe(2)
    expect(run.stderr).toContain('admin.token: is required to listen beyond loopback (admin.host "0.0.0.0"): set admin.token or STACK_CONNECTOR__ADMIN__TOKEN')
    expect(run.stdout).not.toContain('connector started')
  })

  it('takes the token from the environment, never logs it, and leaves /health and (publicMetrics) /metrics open', async () => {
    const secret = 'env-token-abcdefghijklmnop'
    process.env.STACK_CONNECTOR__ADMIN__TOKEN = secret
    let bin
    try {
      bin = await startBin(join(dir, 'env.json'), { ...base, admin: { host: '0.0.0.0', port: 0, publicMetrics: true } })
    } finally {
      delete process.env.STACK_CONNECTOR__ADMIN__TOKEN
    }
    const url = (path: string): string => `http://127.0.0.1:${bin.ports.admin}${path}`
    expect((await fetch(url('/health'))).status).toBe(200)
    expect((await fetch(url('/metrics'))).status).toBe(200)
    const refused = await fetch(url('/peers'))
    expect(refused.status).toBe(401)
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer/)
    expect((await fetch(url('/peers'), { headers: { authorization: `Bearer ${secret}` } })).status).toBe(200)
    expect((await fetch(url('/peers'), { headers: { authorization: `Basic ${secret}` } })).status).toBe(401)
    expect(JSON.stringify(bin.logs())).not.toContain(secret)
    bin.child.kill('SIGTERM')
    expect(await bin.exited).toBe(0)
  })
})

describe('bearerCheck', () => {
  const request = (authorization: string | undefined) => ({ headers: authorization === undefined ? {} : { authorization } }) as IncomingMessage
  it('lets through exactly the configured token as a Bearer credential', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 16, maxLength: 64 }).filter((t) => /^\S+$/.test(t)), fc.string({ maxLength: 80 }), (token, other) => {
        const check = bearerCheck(token)
        expect(check(request(`Bearer ${token}`))).toBe(true)
        expect(check(request(`bearer  ${token}`))).toBe(true) // RFC 6750: the scheme is case-insensitive
        expect(check(request(`Bearer ${other}`))).toBe(other.trim() === token)
        expect(check(request(token))).toBe(false)
        expect(check(request(undefined))).toBe(false)
      }),
    )
  })
})

describe('event stream back-pressure', () => {
  let server: Server
  const events = new NodeEvents()
  beforeAll(async () => {
    server = createServer((_req, res) => serveEvents(res, events, { maxBufferedBytes: 64 * 1024 }))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })

  it('drops a client that does not read instead of buffering for it without end', async () => {
    // A raw socket that sends the request and then never reads: its kernel buffers fill, then ours.
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1')
    socket.pause()
    let closed = false
    socket.on('close', () => (closed = true))
    socket.on('error', () => undefined)
    socket.write('GET /events HTTP/1.1\r\nHost: x\r\n\r\n')
    await waitFor(() => events.listening, 3_000, 'the client to subscribe')
    const event = { type: 'peer', action: 'added', peer: 'x'.repeat(1_000) } as const
    for (let i = 0; i < 100_000 && events.listening; i++) {
      events.emit(event)
      if (i % 100 === 0) await new Promise((resolve) => setImmediate(resolve))
    }
    expect(events.listening).toBe(false) // dropped: unsubscribed
    socket.resume()
    await waitFor(() => closed, 3_000, 'the socket to be closed')
  })
})

describe('a client that goes away mid-request', () => {
  it('is a debug line, not an error, and the node answers the next request', async () => {
    const { logger, lines } = capturingLogger('info')
    logger.level = 'debug'
    const n = await node({ address: 'test.abort', asset: { code: 'USD', scale: 2 }, peers: [], admin: { port: 0, token: 'abort-token-0123456789' } }, logger)
    try {
      const socket = connect(n.ports.admin as number, '127.0.0.1')
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()))
      socket.write('POST /peers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer abort-token-0123456789\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"id":')
      await waitFor(() => socket.bytesWritten > 0, 1_000, 'the partial request to be sent')
      socket.destroy()
      await waitFor(() => lines.some((line) => line.msg === 'admin client went away'), 3_000, 'the debug line')
      expect(lines.filter((line) => (line.level as number) >= 50)).toEqual([])
      expect((await fetch(`http://127.0.0.1:${n.ports.admin}/health`)).status).toBe(200)
    } finally {
      await n.stop()
    }
  })
})

describe('admin API listener bounds', () => {
  it('cuts off a half-sent request (408) and still answers a whole one', async () => {
    const { startAdminServer } = await import('../src/admin-server.js')
    const { logger } = capturingLogger()
    // No endpoint the requests reach reads the node.
    const admin = await startAdminServer({ host: '127.0.0.1', port: 0, token: 'a-token-of-sixteen-plus', node: {} as never, logger, httpBounds: { headersTimeoutMs: 200 } })
    try {
      const socket = connect(admin.port, '127.0.0.1')
      let received = ''
      socket.on('data', (chunk: Buffer) => (received += chunk.toString()))
      socket.on('error', () => undefined)
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
      await new Promise<void>((resolve) => socket.once('connect', resolve))
      socket.write('GET /peers HTTP/1.1\r\nHost: x\r\n')
      expect((await fetch(`http://127.0.0.1:${admin.port}/no-such-endpoint`)).status).toBe(404)
      await closed
      expect(received).toMatch(/^HTTP\/1\.1 408/)
    } finally {
      await admin.close()
    }
  })
})
