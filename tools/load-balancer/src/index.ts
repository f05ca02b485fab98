import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { findProgram, guard, guardFolder, stopProcess } from '@stack/process-guard'
import { haproxyConfig, integer, type Backend, type BalanceMode } from './config.js'
import { LoadBalancerError } from './errors.js'

/**
 * @stack/load-balancer — Debian's haproxy in front of connector instances, for tests, demos and
 * benches: one frontend on a free loopback port, the instances as backends, health-checked.
 */
export { haproxyConfig, type Backend, type BalanceMode, type HaproxyConfigInput } from './config.js'
export { LoadBalancerError, LoadBalancerOptionError } from './errors.js'
export { ToolUnavailableError } from '@stack/process-guard'

export interface HaproxyOptions {
  readonly backends: readonly Backend[]
  /** Default `http`. */
  readonly mode?: BalanceMode
  /** The frontend's port; default a free one. */
  readonly port?: number
  /** Between health checks of a backend (down after two failures). Default 200 ms. */
  readonly checkIntervalMs?: number
  /** haproxy threads; default 1 (its default is one per core, which the instances need). */
  readonly threads?: number
  /** How long haproxy may take to answer its runtime API. Default 20 s. */
  readonly startTimeoutMs?: number
}

/** What the health checks say of a backend: `UP`, `DOWN`, `MAINT`, `DRAIN`, or a transition (`UP 1/2`). */
export type BackendStatus = string

export interface LoadBalancer {
  readonly mode: BalanceMode
  readonly port: number
  /** `http://127.0.0.1:<port>` (an ILP-over-HTTP peer adds the path, `/ilp`). */
  readonly url: string
  /** Each backend's status, by name, from haproxy's runtime API (`show stat`). */
  backends(): Promise<Record<string, BackendStatus>>
  /** Resolves once every backend named (default: all) is UP; rejects after `timeoutMs`. */
  whenUp(names?: readonly string[], timeoutMs?: number): Promise<void>
  /** `ready`: takes new requests; `drain`: finishes its sessions, takes none; `maint`: cut off. */
  setBackendState(name: string, state: 'ready' | 'drain' | 'maint'): Promise<void>
  /** Kills haproxy (SIGKILL: it keeps nothing) and removes its folder. */
  stop(): Promise<void>
}

/**
 * The haproxy executable: on `path`, or in the sbin folders Debian installs it to (not on a user's PATH).
 * @throws ToolUnavailableError naming the Debian package haproxy
 */
export function haproxyPath(path: string = process.env.PATH ?? '', sbin: readonly string[] = ['/usr/sbin', '/usr/local/sbin']): string {
  return findProgram('haproxy', { debianPackage: 'haproxy', dirs: sbin, path })
}

/**
 * Starts haproxy in the foreground (`-db`) from a config in a temporary folder, listening on
 * 127.0.0.1 only. Resolves once its runtime API answers. It dies with this process (process-guard).
 * @throws ToolUnavailableError (no haproxy), LoadBalancerOptionError, LoadBalancerError (did not start)
 */
export async function startHaproxy(options: HaproxyOptions): Promise<LoadBalancer> {
  const binary = haproxyPath()
  const mode = options.mode ?? 'http'
  const timeoutMs = integer('startTimeoutMs', options.startTimeoutMs ?? 20_000, 1)
  const dir = await mkdtemp(join(tmpdir(), 'haproxy-'))
  const removeDir = guardFolder(dir)
  const adminSocket = join(dir, 'admin.sock')
  // A free port may be taken between our probe and haproxy's bind: then another one.
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await freePort())
    const config = haproxyConfig({
      mode,
      port,
      backends: options.backends,
      adminSocket,
      checkIntervalMs: options.checkIntervalMs ?? 200,
      threads: options.threads ?? 1,
    })
    const configPath = join(dir, 'haproxy.cfg')
    await writeFile(configPath, config)
    const child = spawn(binary, ['-db', '-f', configPath], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })
    guard(child)
    const stderr = tail(child)
    try {
      await ready(child, adminSocket, timeoutMs, stderr)
    } catch (error) {
      await stopProcess(child)
      if (options.port === undefined && attempt < 5 && /cannot bind|Address already in use/i.test(stderr())) continue
      removeDir()
      throw error
    }
    return balancer(child, { mode, port, removeDir, adminSocket, names: options.backends.map((b) => b.name) })
  }
}

function balancer(child: ChildProcess, s: { mode: BalanceMode; port: number; removeDir: () => void; adminSocket: string; names: string[] }): LoadBalancer {
  const backends = async (): Promise<Record<string, BackendStatus>> => {
    // `show stat` is CSV: "# pxname,svname,…,status,…"; one row per server.
    const [header = '', ...rows] = (await command(s.adminSocket, 'show stat')).split('\n')
    const columns = header.replace(/^# /, '').split(',')
    const proxy = columns.indexOf('pxname')
    const server = columns.indexOf('svname')
    const status = columns.indexOf('status')
    const states: Record<string, BackendStatus> = {}
    for (const row of rows) {
      const cells = row.split(',')
      if (cells[proxy] === 'instances' && s.names.includes(cells[server] ?? '')) states[cells[server] as string] = cells[status] ?? ''
    }
    return states
  }
  return {
    mode: s.mode,
    port: s.port,
    url: `http://127.0.0.1:${s.port}`,
    backends,
    async whenUp(names = s.names, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs
      let last: Record<string, BackendStatus> = {}
      while (Date.now() <= deadline) {
        last = await backends()
        if (names.every((name) => last[name] === 'UP')) return
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      throw new LoadBalancerError(`backends not UP within ${timeoutMs} ms: ${JSON.stringify(last)}`)
    },
    async setBackendState(name, state) {
      if (!s.names.includes(name)) throw new LoadBalancerError(`no backend ${name} (there are: ${s.names.join(', ')})`)
      const answer = (await command(s.adminSocket, `set server instances/${name} state ${state}`)).trim()
      if (answer !== '') throw new LoadBalancerError(`haproxy refused state ${state} for ${name}: ${answer}`)
    },
    async stop() {
      await stopProcess(child)
      s.removeDir()
    },
  }
}

/** One runtime-API command over the admin socket; its whole answer. */
function command(socket: string, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const connection = createConnection(socket)
    let answer = ''
    connection.setEncoding('utf8')
    connection.on('connect', () => connection.end(`${line}\n`))
    connection.on('data', (chunk: string) => (answer += chunk))
    connection.on('end', () => resolve(answer))
    connection.on('error', (error) => reject(new LoadBalancerError(`haproxy's runtime API (${socket}): ${error.message}`)))
  })
}

// Waits until the runtime API answers; fails if haproxy exits first (its stderr says why).
async function ready(child: ChildProcess, socket: string, timeoutMs: number, stderr: () => string): Promise<void> {
  let exited = false
  child.once('exit', () => (exited = true))
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (exited) throw new LoadBalancerError(`haproxy exited at start: ${stderr().trim()}`)
    try {
      if ((await command(socket, 'show info')).includes('Name: HAProxy')) return
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new LoadBalancerError(`haproxy did not answer within ${timeoutMs} ms: ${stderr().trim()}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

// The last 4 KB of stderr, drained for good (a full pipe would stall haproxy).
function tail(child: ChildProcess): () => string {
  let text = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    text = (text + chunk.toString()).slice(-4_000)
  })
  return () => text
}

/**
 * A port free now on 127.0.0.1, for a server that must be told its port before it starts (an
 * instance behind the balancer). Another process may take it meanwhile.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0))
    })
  })
}
