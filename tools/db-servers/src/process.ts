import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { createServer } from 'node:net'
import { guard, guardFolder, stopProcess } from '@stack/process-guard'
import { DbServerError } from './errors.js'

/**
 * A server program run in its own process group (its children die with it), tied to a folder:
 * neither the server nor its data outlive the process that started them, however it ends
 * (process-guard's watchdog).
 */
export class ServerProcess {
  #child: ChildProcess | undefined
  readonly #removeDir: () => void

  constructor(
    /** What the errors call it: `PostgreSQL`, `Redis`. */
    readonly label: string,
    /** The folder that is removed with the server. */
    readonly dir: string
  ) {
    this.#removeDir = guardFolder(dir)
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
    guard(child, { group: true })
    try {
      await waitForOutput(child, ready, timeoutMs, this.label)
    } catch (error) {
      await this.kill()
      throw error
    }
  }

  /** Sends `signal` to the server's process group and waits for the server to exit (SIGKILL after `graceMs`); the rest of the group is killed then. */
  async signal(signal: NodeJS.Signals, graceMs = 10_000): Promise<void> {
    if (this.#child !== undefined) await stopProcess(this.#child, signal, graceMs)
  }

  kill(): Promise<void> {
    return this.signal('SIGKILL')
  }

  /** Stops the server with `signal` (its clean shutdown) and removes the folder. */
  async dispose(signal: NodeJS.Signals): Promise<void> {
    await this.signal(signal)
    this.#removeDir()
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
