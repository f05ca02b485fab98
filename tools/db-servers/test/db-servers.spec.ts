import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { connect } from 'node:net'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { descendants, stillRunning } from '@stack/process-guard'
import { DbServerOptionError, startPostgres, startRedis, ToolUnavailableError } from '../src/index.js'

/** One Redis command over a raw socket (RESP inline form): its first reply line. */
function redis(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`${command}\r\n`))
    let reply = ''
    socket.on('data', (chunk) => {
      reply += chunk.toString()
      if (reply.includes('\r\n')) {
        socket.destroy()
        resolve(reply)
      }
    })
    socket.on('error', reject)
  })
}

async function query(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query(sql)).rows as Record<string, unknown>[]
  } finally {
    await client.end()
  }
}

const refused = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(false)
    })
    socket.once('error', () => resolve(true))
  })

async function until(condition: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe('startPostgres', () => {
  it('serves SQL on loopback with durable settings; a kill and restart keep committed data; stop removes it', async () => {
    const server = await startPostgres()
    try {
      expect(server.url).toBe(`postgres://postgres@127.0.0.1:${server.port}/postgres`)
      const [settings] = await query(server.url, "SELECT current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS sc, current_setting('listen_addresses') AS listen")
      expect(settings).toEqual({ fsync: 'on', sc: 'on', listen: '127.0.0.1' })
      await query(server.url, 'CREATE TABLE t (v int); INSERT INTO t VALUES (7)')
      await server.kill()
      expect(await refused(server.port)).toBe(true)
      await server.restart()
      expect(await query(server.url, 'SELECT v FROM t')).toEqual([{ v: 7 }])
      await server.restart() // from running: a clean stop first
      expect(await query(server.url, 'SELECT count(*)::int AS n FROM t')).toEqual([{ n: 1 }])
    } finally {
      await server.stop()
    }
    expect(existsSync(server.dataDir)).toBe(false)
    expect(await refused(server.port)).toBe(true)
    await server.stop()
  })

  it('takes other settings', async () => {
    const server = await startPostgres({ settings: { synchronous_commit: 'off', max_connections: '20' } })
    try {
      expect(await query(server.url, "SELECT current_setting('synchronous_commit') AS sc, current_setting('max_connections') AS mc")).toEqual([{ sc: 'off', mc: '20' }])
    } finally {
      await server.stop()
    }
  })

  it('refuses a bad option typed, before starting anything', async () => {
    await expect(startPostgres({ settings: { 'fsync=off -c x': 'on' } })).rejects.toBeInstanceOf(DbServerOptionError)
    await expect(startPostgres({ startTimeoutMs: 0 })).rejects.toMatchObject({ name: 'DbServerOptionError', option: 'startTimeoutMs' })
  })
})

describe('startRedis', () => {
  it('serves on loopback with the AOF fsynced always; a kill and restart keep the data; stop removes it', async () => {
    const server = await startRedis()
    try {
      expect(server.url).toBe(`redis://127.0.0.1:${server.port}`)
      expect(await redis(server.port, 'PING')).toBe('+PONG\r\n')
      expect(await redis(server.port, 'CONFIG GET appendfsync')).toContain('always')
      expect(await redis(server.port, 'SET k 42')).toBe('+OK\r\n')
      await server.kill()
      expect(await refused(server.port)).toBe(true)
      await server.restart()
      expect(await redis(server.port, 'GET k')).toBe('$2\r\n42\r\n')
    } finally {
      await server.stop()
    }
    expect(existsSync(server.dataDir)).toBe(false)
    expect(await refused(server.port)).toBe(true)
  })

  it('takes appendfsync everysec, and refuses an unknown policy typed', async () => {
    const server = await startRedis({ appendfsync: 'everysec' })
    try {
      expect(await redis(server.port, 'CONFIG GET appendfsync')).toContain('everysec')
    } finally {
      await server.stop()
    }
    await expect(startRedis({ appendfsync: 'sometimes' as 'always' })).rejects.toMatchObject({ name: 'DbServerOptionError', option: 'appendfsync' })
  })
})

describe('a missing program', () => {
  it('is ToolUnavailableError naming the Debian package, before anything starts', async () => {
    const path = process.env.PATH
    process.env.PATH = '/nowhere'
    try {
      const failed = startRedis()
      await expect(failed).rejects.toBeInstanceOf(ToolUnavailableError)
      await expect(failed).rejects.toMatchObject({ program: 'redis-server', debianPackage: 'redis-server', message: /install the Debian package redis-server/ })
    } finally {
      process.env.PATH = path
    }
  })
})

describe('a parent that dies', () => {
  it('takes its servers, their processes, their folders and the watchdog with it, even by SIGKILL', async () => {
    const script = `
      import { startPostgres, startRedis } from ${JSON.stringify(fileURLToPath(new URL('../dist/index.js', import.meta.url)))}
      const [p, r] = await Promise.all([startPostgres(), startRedis()])
      process.stdout.write(JSON.stringify([p.port, p.dataDir, r.port, r.dataDir]) + '\\n')
      setInterval(() => {}, 1000)
    `
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
    const line = await new Promise<string>((resolve) => {
      let out = ''
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        if (out.includes('\n')) resolve(out)
      })
    })
    const [pgPort, pgDir, redisPort, redisDir] = JSON.parse(line) as [number, string, number, string]
    expect(await refused(pgPort)).toBe(false)
    // PostgreSQL (its postmaster and backends), Redis, and the watchdog.
    const started = descendants(child.pid as number)
    expect(started.length).toBeGreaterThan(3)
    child.kill('SIGKILL')
    const left = (): number => stillRunning(started).length
    await until(async () => left() === 0 && (await refused(pgPort)) && (await refused(redisPort)) && !existsSync(pgDir) && !existsSync(redisDir))
  })
})
