import { execFileSync, fork, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

// `stack-connector` as an operator runs it: the built bin (dist/main.js) in its own process.

const root = fileURLToPath(new URL('..', import.meta.url))
const main = join(root, 'dist', 'main.js')

/** Builds dist/ (tsc -b, incremental): the tests run the bin as built from this source. */
export function buildBin(): void {
  execFileSync(process.execPath, [join(root, '../../node_modules/typescript/bin/tsc'), '-b'], { cwd: root, timeout: 120_000 })
}

export interface RunningBin {
  readonly child: ChildProcess
  readonly exited: Promise<NodeJS.Signals | number | null>
  readonly ports: { btp?: number; admin: number }
  /** Its JSON log lines so far, parsed. */
  logs(): Record<string, unknown>[]
  /** GET `path` on its admin API, as JSON. */
  admin<T>(path: string): Promise<T>
  /** GET /metrics: the Prometheus text. */
  metrics(): Promise<string>
}

const started = new Set<ChildProcess>()

/** SIGKILLs every bin a test started and left running (afterAll: a failed test leaves none behind). */
export function killBins(): void {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  started.clear()
}

/**
 * Writes `config` as JSON to `path`, starts the bin on it, resolves once it logs `connector started`.
 * `node`: Node options (a test hook's `--import`) and environment of the process.
 */
export async function startBin(path: string, config?: Record<string, unknown>, node: { execArgv?: string[]; env?: Record<string, string> } = {}): Promise<RunningBin> {
  if (config !== undefined) writeFileSync(path, JSON.stringify(config))
  const child = fork(main, ['--config', path], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], ...(node.execArgv === undefined ? {} : { execArgv: node.execArgv }), env: { ...process.env, ...node.env } })
  started.add(child)
  let out = ''
  let err = ''
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()))
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)))
  const logs = (): Record<string, unknown>[] => out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>)
  // Up to 60 s: a loaded machine (CI, several suites at once) can take tens of seconds to start one.
  for (let i = 0; i < 2_400; i++) {
    const started = logs().find((l) => l.msg === 'connector started')
    if (started !== undefined) {
      const ports = started.ports as RunningBin['ports']
      const get = (p: string): Promise<Response> => fetch(`http://127.0.0.1:${ports.admin}${p}`)
      return {
        child,
        exited,
        ports,
        logs,
        admin: async <T>(p: string) => (await (await get(p)).json()) as T,
        metrics: async () => (await get('/metrics')).text(),
      }
    }
    if (child.exitCode !== null) break
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  child.kill('SIGKILL')
  throw new Error(`connector did not start:\n${out}\n${err}`)
}

/** One sample of a Prometheus text exposition, 0 when absent: `metric(text, 'x_total', { peer: 'a' })`. */
export function metric(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (match?.[1] !== name) continue
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]))
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3])
  }
  return 0
}

/** What the admin API says of one peer's book (GET /balances), as bigints. */
export async function book(bin: RunningBin, peer: string): Promise<{ balance: bigint; pendingDebit: bigint; pendingCredit: bigint }> {
  const body = await bin.admin<Record<string, { balance: string; pendingDebit: string; pendingCredit: string } | undefined>>('/balances')
  const b = body[peer]
  return { balance: BigInt(b?.balance ?? 0), pendingDebit: BigInt(b?.pendingDebit ?? 0), pendingCredit: BigInt(b?.pendingCredit ?? 0) }
}
