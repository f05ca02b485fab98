import { execFileSync, spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'

// The bin package.json declares (a launcher of the built dist/main.js) as an operator runs it:
// `stack-connector --config file`, stopped by a signal.
const root = fileURLToPath(new URL('..', import.meta.url))
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; bin: { 'stack-connector': string } }
const main = join(root, manifest.bin['stack-connector'])

beforeAll(() => {
  execFileSync(process.execPath, [join(root, '../../node_modules/typescript/bin/tsc'), '-b'], { cwd: root, timeout: 120_000 })
}, 130_000)

async function configFile(text: string, name = 'connector.yaml'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'stack-connector-cli-'))
  const path = join(dir, name)
  await writeFile(path, text)
  return path
}

function run(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [main, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const killTimer = setTimeout(() => child.kill('SIGKILL'), 20_000)
  exited.finally(() => clearTimeout(killTimer)).catch(() => undefined)
  return { child, exited, out: () => stdout, err: () => stderr }
}

describe('stack-connector (the bin)', () => {
  it('exits 2 naming the bad field of an invalid file', async () => {
    const path = await configFile('address: test.a\nasset: { code: USD, scale: 2 }\npeers: [{ id: bob, relation: friend, btp: { token: x } }]\n')
    const proc = run(['--config', path])
    expect(await proc.exited).toBe(2)
    expect(proc.err()).toContain('peers[0].relation: must be one of parent, peer, child, got string "friend"')
  })

  it('--version prints the version of package.json and exits 0', async () => {
    const proc = run(['--version'])
    expect(await proc.exited).toBe(0)
    expect({ stdout: proc.out(), stderr: proc.err() }).toEqual({ stdout: `${manifest.version}\n`, stderr: '' })
  })

  it('exits 2 with usage without --config', async () => {
    const proc = run([])
    expect(await proc.exited).toBe(2)
    expect(proc.err()).toContain('usage: stack-connector --config')
  })

  it('starts, serves the admin API, takes env overrides, and exits 0 on SIGTERM', async () => {
    const path = await configFile(JSON.stringify({
      address: 'test.cli',
      asset: { code: 'USD', scale: 2 },
      listen: { btp: { port: 0 } },
      admin: { port: 0 },
      peers: [{ id: 'bob', relation: 'child', btp: { token: 'secret' } }],
    }), 'connector.json')
    const proc = run(['--config', path], { STACK_CONNECTOR__ADDRESS: 'test.from-env', STACK_CONNECTOR__LOG__LEVEL: 'info' })
    let started: { address: string; ports: { admin: number } } | undefined
    for (let i = 0; i < 200 && started === undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25))
      const line = proc.out().split('\n').find((l) => l.includes('"connector started"'))
      if (line !== undefined) started = JSON.parse(line) as typeof started
    }
    expect(started?.address).toBe('test.from-env')
    const health = (await (await fetch(`http://127.0.0.1:${started?.ports.admin}/health`)).json()) as { status: string }
    expect(health.status).toBe('ok')
    proc.child.kill('SIGTERM')
    expect(await proc.exited).toBe(0)
    expect(proc.out()).toContain('"msg":"stopped"')
    // No balances section: SQLite, beside the configuration file.
    expect(proc.out()).toContain('"msg":"balances restored from SQLite"')
    expect(existsSync(join(dirname(path), 'balances.db'))).toBe(true)
  })
})
