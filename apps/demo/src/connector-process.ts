// A `stack-connector` (apps/connector) run as a child process from a configuration file, as an
// operator runs it: the demo composes the connector app at the process level, never by import
// (nothing imports an app: tools/eslint-plugin-layering). The package is a dependency of the demo
// only so that turbo builds it first and pnpm links it; its bin is found through its package.json.
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

/** The bin of @stack/connector, as its package.json declares it. */
export function connectorBin(): string {
  const manifest = createRequire(import.meta.url).resolve('@stack/connector/package.json')
  const { bin } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin: Record<string, string> }
  const main = bin['stack-connector']
  if (main === undefined) throw new Error(`${manifest} declares no stack-connector bin`)
  return join(dirname(manifest), main)
}

/** The connector process exited, or never started: its output says why. */
export class ConnectorProcessError extends Error {
  override readonly name = 'ConnectorProcessError'
}

/** What the connector's admin API says of one peer's book (GET /balances): amounts as strings. */
export interface AdminBook {
  balance: string
  pendingDebit: string
  pendingCredit: string
}

const LOG_TAIL_LINES = 40

/**
 * One connector node in a child process: started with `--config FILE` and environment overrides
 * (`STACK_CONNECTOR__…`, for keys and seeds kept out of the file), ready once it logs
 * `connector started` (its JSON log line names the ports it listens on), stopped with SIGTERM
 * (graceful: the node settles its channels on the way out) and expected to exit 0.
 */
export class ConnectorProcess {
  readonly #child: ChildProcess
  readonly #log: string[] = []
  #stderr = ''
  #ports: { btp?: number; admin?: number } | undefined
  #exit: { code: number | null; signal: NodeJS.Signals | null } | undefined
  #stopping = false
  readonly #exited: Promise<void>
  readonly #died: Promise<never>

  private constructor(
    readonly name: string,
    configFile: string,
    env: Record<string, string>,
  ) {
    // Overrides from our own environment are left out: the node is configured by its file and `env` alone.
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('STACK_CONNECTOR__')))
    this.#child = spawn(process.execPath, [connectorBin(), '--config', configFile], { env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let partial = ''
    this.#child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n')
      partial = lines.pop() ?? ''
      for (const line of lines) this.#onLogLine(line)
    })
    this.#child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.#stderr += chunk))
    this.#exited = new Promise((resolve) => {
      this.#child.once('error', (error) => {
        this.#stderr += `${error.message}\n`
        this.#exit ??= { code: null, signal: null }
        resolve()
      })
      this.#child.once('exit', (code, signal) => {
        this.#exit = { code, signal }
        resolve()
      })
    })
    this.#died = this.#exited.then(() => {
      if (!this.#stopping) throw this.#failure('exited')
      return new Promise<never>(() => {})
    })
    this.#died.catch(() => {}) // observed by whoever races it
  }

  /** Starts the node and resolves once it listens; rejects with its output if it exits first or takes longer than `timeoutMs`. */
  static async start(options: { name: string; configFile: string; env?: Record<string, string>; timeoutMs?: number }): Promise<ConnectorProcess> {
    const node = new ConnectorProcess(options.name, options.configFile, options.env ?? {})
    try {
      await node.#until(() => node.#ports !== undefined, options.timeoutMs ?? 60_000, 'to start')
    } catch (error) {
      node.kill()
      throw error
    }
    return node
  }

  /** The ports it listens on, from its `connector started` log line. */
  get ports(): { btp: number; admin: number } {
    const { btp, admin } = this.#ports ?? {}
    if (btp === undefined || admin === undefined) throw new ConnectorProcessError(`${this.name}: listens on no BTP or admin port (${JSON.stringify(this.#ports)})`)
    return { btp, admin }
  }

  get pid(): number | undefined {
    return this.#child.pid
  }

  /** Rejects, with its output, if the process exits before it is asked to stop; never resolves. Race work against it. */
  get died(): Promise<never> {
    return this.#died
  }

  /** Throws, with its output, if the process has exited when it was not asked to. */
  checkAlive(): void {
    if (this.#exit !== undefined && !this.#stopping) throw this.#failure('exited')
  }

  /** GET `path` on its admin API, as JSON. */
  async admin<T>(path: string): Promise<T> {
    this.checkAlive()
    const response = await fetch(`http://127.0.0.1:${this.ports.admin}${path}`)
    if (!response.ok) throw new ConnectorProcessError(`${this.name}: GET ${path} answered ${response.status}: ${await response.text()}`)
    return (await response.json()) as T
  }

  /** Its settlement counts (sent, failed, received) from /metrics: the admin API has no amounts for them. */
  async settlementCounts(): Promise<Record<'sent' | 'failed' | 'received', number>> {
    this.checkAlive()
    const text = await (await fetch(`http://127.0.0.1:${this.ports.admin}/metrics`)).text()
    const count = (kind: string): number => Number(new RegExp(`^ilp_connector_settlements_total\\{result="${kind}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0)
    return { sent: count('sent'), failed: count('failed'), received: count('received') }
  }

  /** Polls `check` (every 50 ms, at most `timeoutMs`), failing at once if the process dies. */
  async waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      this.checkAlive()
      if (await check()) return
      if (Date.now() > deadline) throw this.#failure(`timed out after ${timeoutMs} ms waiting for ${what}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  /** SIGTERM, then waits for the exit (SIGKILL after `timeoutMs`); throws with its output unless it exited 0. */
  async stop(timeoutMs = 60_000): Promise<void> {
    if (this.#exit !== undefined && !this.#stopping) throw this.#failure('exited before it was stopped')
    this.#stopping = true
    if (this.#exit === undefined) this.#child.kill('SIGTERM')
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), timeoutMs)
    await this.#exited
    clearTimeout(timer)
    if (this.#exit?.code !== 0) throw this.#failure('did not stop cleanly')
  }

  /** SIGKILL now, if it still runs (every exit path of the demo ends here). */
  kill(): void {
    this.#stopping = true
    if (this.#exit === undefined && this.#child.exitCode === null) this.#child.kill('SIGKILL')
  }

  #onLogLine(line: string): void {
    if (line.trim() === '') return
    this.#log.push(line)
    if (this.#log.length > LOG_TAIL_LINES) this.#log.shift()
    try {
      const entry = JSON.parse(line) as { msg?: string; ports?: { btp?: number; admin?: number } }
      if (entry.msg === 'connector started') this.#ports = entry.ports ?? {}
    } catch {
      // not a JSON log line: kept in the tail only
    }
  }

  async #until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!check()) {
      if (this.#exit !== undefined) throw this.#failure(`exited before it was ready`)
      if (Date.now() > deadline) throw this.#failure(`took more than ${timeoutMs} ms ${what}`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }

  #failure(what: string): ConnectorProcessError {
    const exit = this.#exit === undefined ? 'still running' : `exit code ${this.#exit.code}, signal ${this.#exit.signal}`
    const stderr = this.#stderr.trim() === '' ? '(empty)' : this.#stderr.trim()
    return new ConnectorProcessError(
      `connector ${this.name} (pid ${this.#child.pid}) ${what} (${exit})\n--- its stderr ---\n${stderr}\n--- the last lines of its log ---\n${this.#log.join('\n')}`,
    )
  }
}
