import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { rmSync } from 'node:fs'
import { createServer, type Socket } from 'node:net'
import { DbServerError } from './errors.js'

// A watchdog for one server folder: a tiny Node process that reads its stdin, a pipe from this
// process. Each line is the process group of the server's latest run. When the pipe closes —
// this process ended in any way, SIGKILL of a test worker included — it kills that group and
// removes the folder: no server and no data outlive the process that started them.
const watchdog = `
const dir = process.argv[1]
let group = 0
let buffered = ''
const end = () => {
  try { if (group > 0) process.kill(-group, 'SIGKILL') } catch {}
  setTimeout(() => { try { require('node:fs').rmSync(dir, { recursive: true, force: true }) } catch {} process.exit(0) }, 200)
}
process.stdin.on('data', (chunk) => {
  buffered += chunk
  const lines = buffered.split('\\n')
  buffered = lines.pop()
  for (const line of lines) group = Number(line)
}).on('end', end).on('error', end)
`

const live = new Set<ServerProcess>()

function killAllSync(): void {
  for (const server of live) server.killSync()
}

/** A server program run in its own process group (its children die with it), tied to a folder. */
export class ServerProcess {
  #child: ChildProcess | undefined
  readonly #dog: ChildProcess
  #removed = false

  constructor(
    /** What the errors call it: `PostgreSQL`, `Redis`. */
    readonly label: string,
    /** The folder that is removed with the server. */
    readonly dir: string
  ) {
    // In its own process group, as the server is: a kill of this process's group (a test runner
    // stopped with `kill -- -pid`) must leave the watchdog alive to kill the server.
    this.#dog = spawn(process.execPath, ['-e', watchdog, dir], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] })
    this.#dog.unref()
    ;(this.#dog.stdin as Socket | null)?.unref()
    if (live.size === 0) process.once('exit', killAllSync)
    live.add(this)
  }

  get running(): boolean {
    const child = this.#child
    return child !== undefined && child.exitCode === null && child.signalCode === null
  }

  /** Spawns `program` and resolves once its output matches `ready`. @throws DbServerError (exited, or not ready in `timeoutMs`) */
  async start(program: string, args: readonly string[], ready: RegExp, timeoutMs: number, options: Pick<SpawnOptions, 'uid' | 'gid' | 'env' | 'cwd'> = {}): Promise<void> {
    if (this.running) throw new DbServerError(`${this.label} is running already`)
    const child = spawn(program, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
    this.#child = child
    if (child.pid !== undefined) this.#dog.stdin?.write(`${child.pid}\n`)
    child.unref()
    try {
      await waitForOutput(child, ready, timeoutMs, this.label)
    } catch (error) {
      await this.kill()
      throw error
    }
    for (const stream of [child.stdout, child.stderr]) (stream as Socket | null)?.unref()
  }

  /** Sends `signal` to the server's process group and waits for the server to exit (SIGKILL after `graceMs`). */
  async signal(signal: NodeJS.Signals, graceMs = 10_000): Promise<void> {
    const child = this.#child
    if (child === undefined || !this.running || child.pid === undefined) return
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    child.ref() // unref'd at start: the process must not end before the exit is seen
    const group = child.pid
    const send = (s: NodeJS.Signals): void => {
      try {
        process.kill(-group, s)
      } catch {
        // gone already
      }
    }
    send(signal)
    const timer = signal === 'SIGKILL' ? undefined : setTimeout(() => send('SIGKILL'), graceMs)
    await exited
    clearTimeout(timer)
    // Its children (PostgreSQL's backends) may outlive the leader for a moment.
    send('SIGKILL')
  }

  kill(): Promise<void> {
    return this.signal('SIGKILL')
  }

  /** At process exit, synchronously: the group is killed and the folder removed. */
  killSync(): void {
    const pid = this.#child?.pid
    if (pid !== undefined && this.running) {
      try {
        process.kill(-pid, 'SIGKILL')
      } catch {
        // gone already
      }
    }
    this.#remove()
  }

  /** Stops the server with `signal` (its clean shutdown), removes the folder and the watchdog. */
  async dispose(signal: NodeJS.Signals): Promise<void> {
    await this.signal(signal)
    this.#remove()
  }

  #remove(): void {
    if (this.#removed) return
    this.#removed = true
    rmSync(this.dir, { recursive: true, force: true })
    this.#dog.kill('SIGKILL')
    live.delete(this)
    if (live.size === 0) process.off('exit', killAllSync)
  }
}

/** Resolves once `child`'s stdout or stderr matches `ready`; keeps draining both after (a full pipe would stall it). */
function waitForOutput(child: ChildProcess, ready: RegExp, timeoutMs: number, label: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = ''
    let done = false
    const finish = (error?: DbServerError): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      if (error === undefined) resolve()
      else reject(error)
    }
    const fail = (message: string): void => finish(new DbServerError(`${message}${output.trim() === '' ? '' : `: ${output.trim().slice(-2_000)}`}`))
    const timer = setTimeout(() => fail(`${label} was not ready within ${timeoutMs} ms`), timeoutMs)
    const read = (chunk: Buffer): void => {
      if (done) return
      output = (output + chunk.toString()).slice(-8_000)
      if (ready.test(output)) finish()
    }
    child.stdout?.on('data', read)
    child.stderr?.on('data', read)
    child.once('error', (error) => fail(`${label} could not be started (${error.message})`))
    child.once('exit', (code, signal) => fail(`${label} exited during start (${signal ?? `code ${code}`})`))
  })
}

/** A port that was free on 127.0.0.1 a moment ago (the server may still lose it to another: callers retry). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new DbServerError('no port'))))
    })
  })
}

/**
 * Runs `start` on a free port, again on another (up to 5 tries) while it fails with an error
 * whose message matches `busy`: a free port may be taken by another before the server binds it.
 */
export async function onFreePort(start: (port: number) => Promise<void>, busy: RegExp): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    try {
      await start(port)
      return port
    } catch (error) {
      if (attempt >= 5 || !(error instanceof DbServerError) || !busy.test(error.message)) throw error
    }
  }
}

/** Runs `program` to its end; its output in the error if it fails. */
export function run(program: string, args: readonly string[], options: Pick<SpawnOptions, 'uid' | 'gid' | 'env'>, label: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    const read = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-4_000)
    }
    child.stdout?.on('data', read)
    child.stderr?.on('data', read)
    child.once('error', (error) => reject(new DbServerError(`${label} could not be started (${error.message})`)))
    child.once('exit', (code, signal) => {
      if (code === 0) resolve()
      else reject(new DbServerError(`${label} failed (${signal ?? `code ${code}`}): ${output.trim()}`))
    })
  })
}
