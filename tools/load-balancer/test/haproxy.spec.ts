import { createServer as createHttpServer, type Server } from 'node:http'
import { createServer as createTcpServer, connect, type Server as TcpServer, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { haproxyConfig, haproxyPath, LoadBalancerOptionError, ToolUnavailableError, startHaproxy, type LoadBalancer } from '../src/index.js'

const cleanups: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** An HTTP server that answers every request with its name. */
async function httpBackend(name: string, port = 0): Promise<{ port: number; close: () => Promise<void> }> {
  const server: Server = createHttpServer((req, res) => {
    req.resume()
    req.on('end', () => res.end(name))
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  cleanups.push(close)
  return { port: (server.address() as { port: number }).port, close }
}

async function ask(lb: LoadBalancer): Promise<{ status: number; body: string }> {
  const response = await fetch(`${lb.url}/ilp`, { method: 'POST', body: 'x' })
  return { status: response.status, body: await response.text() }
}

async function started(options: Parameters<typeof startHaproxy>[0]): Promise<LoadBalancer> {
  const lb = await startHaproxy(options)
  cleanups.push(() => lb.stop())
  return lb
}

describe('startHaproxy, http', () => {
  it('spreads requests over the backends, and over the others while one is down', async () => {
    const a = await httpBackend('a')
    const b = await httpBackend('b')
    const lb = await started({ backends: [{ name: 'a', port: a.port }, { name: 'b', port: b.port }] })
    await lb.whenUp()
    const bodies = new Set<string>()
    for (let i = 0; i < 6; i++) bodies.add((await ask(lb)).body)
    expect([...bodies].sort()).toEqual(['a', 'b'])

    // b dies: a connection to it fails, so the request goes to a (redispatch), and the checks mark b down.
    await b.close()
    for (let i = 0; i < 6; i++) expect(await ask(lb)).toEqual({ status: 200, body: 'a' })
    await waitUntil(async () => (await lb.backends()).b?.startsWith('DOWN') === true)

    // b is back on its port: up again, and it gets requests.
    await httpBackend('b', b.port)
    await lb.whenUp(['b'])
    const after = new Set<string>()
    for (let i = 0; i < 6; i++) after.add((await ask(lb)).body)
    expect(after.has('b')).toBe(true)
  })

  it('drain takes a backend out of the rotation, ready puts it back', async () => {
    const a = await httpBackend('a')
    const b = await httpBackend('b')
    const lb = await started({ backends: [{ name: 'a', port: a.port }, { name: 'b', port: b.port }] })
    await lb.whenUp()
    await lb.setBackendState('b', 'drain')
    for (let i = 0; i < 4; i++) expect((await ask(lb)).body).toBe('a')
    await lb.setBackendState('b', 'ready')
    await lb.whenUp()
    await expect(lb.setBackendState('c', 'ready')).rejects.toThrow(/no backend c/)
  })
})

describe('startHaproxy, tcp', () => {
  it('keeps a connection on the backend it reached', async () => {
    const servers: TcpServer[] = []
    const backend = async (name: string): Promise<number> => {
      const server = createTcpServer((socket) => socket.on('data', () => socket.write(name)))
      servers.push(server)
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      cleanups.push(() => new Promise((resolve) => server.close(resolve)))
      return (server.address() as { port: number }).port
    }
    const lb = await started({ mode: 'tcp', backends: [{ name: 'a', port: await backend('a') }, { name: 'b', port: await backend('b') }] })
    await lb.whenUp()
    const sockets: Socket[] = []
    const names: string[] = []
    for (let i = 0; i < 2; i++) {
      const socket = connect(lb.port, '127.0.0.1')
      sockets.push(socket)
      cleanups.push(async () => socket.destroy())
      const first = await echo(socket)
      for (let j = 0; j < 3; j++) expect(await echo(socket)).toBe(first)
      names.push(first)
    }
    // leastconn: the second connection goes to the backend without one.
    expect(names.sort()).toEqual(['a', 'b'])
  })
})

describe('errors', () => {
  it('names the Debian package when haproxy is missing', () => {
    const error = (() => {
      try {
        haproxyPath('/nowhere', [])
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(ToolUnavailableError)
    expect((error as ToolUnavailableError).debianPackage).toBe('haproxy')
    expect((error as ToolUnavailableError).program).toBe('haproxy')
    expect((error as Error).message).toContain('apt-get install -y haproxy')
  })

  it('refuses bad backends before starting anything', async () => {
    const base = { mode: 'http' as const, port: 8000, adminSocket: '/tmp/x', checkIntervalMs: 100, threads: 1 }
    expect(() => haproxyConfig({ ...base, backends: [] })).toThrow(LoadBalancerOptionError)
    expect(() => haproxyConfig({ ...base, backends: [{ name: 'a b', port: 1 }] })).toThrow(/letters, digits/)
    expect(() => haproxyConfig({ ...base, backends: [{ name: 'a', port: 1 }, { name: 'a', port: 2 }] })).toThrow(/used twice/)
    expect(() => haproxyConfig({ ...base, backends: [{ name: 'a', port: 70_000 }] })).toThrow(/must be a port/)
    expect(() => haproxyConfig({ ...base, backends: [{ name: 'a', host: 'x\nserver evil', port: 1 }] })).toThrow(/host name/)
    await expect(startHaproxy({ backends: [] })).rejects.toThrow(LoadBalancerOptionError)
  })

  it('writes one frontend on loopback and a checked server per backend', () => {
    const text = haproxyConfig({ mode: 'tcp', port: 8000, adminSocket: '/tmp/admin.sock', checkIntervalMs: 100, threads: 1, backends: [{ name: 'a', port: 7001 }] })
    expect(text).toContain('bind 127.0.0.1:8000')
    expect(text).toContain('server a 127.0.0.1:7001')
    expect(text).toContain('balance leastconn')
    expect(text).not.toContain('retry-on')
    expect(text).toContain('on-marked-down shutdown-sessions')
  })
})

function echo(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    socket.once('data', (chunk: Buffer) => resolve(chunk.toString()))
    socket.write('?')
  })
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
