import { execFile, execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { IlpPacketType } from '@stack/ilp-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildBin, killBins, startBin, type RunningBin } from './bin.js'
import { freePort, host, intents, stopAll, token, type Host } from './harness.js'

// `stack admin` (apps/cli, built) against stack-connector (built), each in its own process.
const cliRoot = fileURLToPath(new URL('../../cli/', import.meta.url))
const ADMIN_TOKEN = 'cli-admin-token-0123456789'

function stack(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(cliRoot, 'bin/stack.js'), 'admin', ...args], { timeout: 30_000, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr })
    })
  })
}

describe('stack admin against a running connector', () => {
  let dir: string
  let bin: RunningBin
  let sender: Host
  let env: Record<string, string>

  beforeAll(async () => {
    buildBin()
    execFileSync(process.execPath, [join(cliRoot, '../../node_modules/typescript/bin/tsc'), '-b'], { cwd: cliRoot, timeout: 120_000 })
    dir = mkdtempSync(join(tmpdir(), 'connector-admin-cli-'))
    const tokens = { sender: token(), receiver: token() }
    bin = await startBin(join(dir, 'connector.json'), {
      address: 'test.cli',
      asset: { code: 'USD', scale: 2 },
      listen: { btp: { port: 0 } },
      admin: { port: 0, token: ADMIN_TOKEN },
      balances: { store: 'memory' },
      log: { level: 'info' },
      peers: [
        { id: 'sender', relation: 'child', btp: { token: tokens.sender }, minBalance: '-100' },
        { id: 'receiver', relation: 'child', btp: { token: tokens.receiver } },
      ],
    })
    env = { STACK_ADMIN_URL: `http://127.0.0.1:${bin.ports.admin}`, STACK_ADMIN_TOKEN: ADMIN_TOKEN }
    const shared = intents()
    sender = await host(`btp+ws://sender:${tokens.sender}@127.0.0.1:${bin.ports.btp}`, shared)
    await host(`btp+ws://receiver:${tokens.receiver}@127.0.0.1:${bin.ports.btp}`, shared)
    expect((await sender.pay('test.cli.receiver', 100n, 'fulfill')).type).toBe(IlpPacketType.Fulfill)
  }, 260_000)

  afterAll(async () => {
    await stopAll(sender)
    killBins()
    rmSync(dir, { recursive: true, force: true })
  })

  it('status, peers, routes, balances and rates, as text and as --json', async () => {
    expect(await stack(['status'], env)).toMatchObject({ code: 0, stdout: expect.stringMatching(/^test\.cli: up \d+ s, 2 of 2 peers connected\n$/) })
    const peers = await stack(['peers'], env)
    expect(peers.stdout.split('\n')[1]).toMatch(/^sender\s+child\s+USD\/2\s+btp-server\s+connected$/)
    expect((await stack(['routes'], env)).stdout).toContain('test.cli.sender')
    expect((await stack(['balances', '--json'], env)).stdout).toBe('{"sender":{"balance":"-100","pendingDebit":"0","pendingCredit":"0"},"receiver":{"balance":"100","pendingDebit":"0","pendingCredit":"0"}}\n')
    expect(JSON.parse((await stack(['rates', '--json'], env)).stdout)).toEqual({ kind: 'static', table: {} })
  })

  it('adjust lets the next payment through; settle without a channel is refused (exit 1)', async () => {
    expect(await sender.pay('test.cli.receiver', 50n, 'fulfill')).toMatchObject({ type: IlpPacketType.Reject, code: 'T04' })
    const adjusted = await stack(['adjust', 'sender', '50', '--reason', 'paid in cash', '--url', env.STACK_ADMIN_URL as string, '--token', ADMIN_TOKEN])
    expect(adjusted).toEqual({ code: 0, stdout: 'sender: balance now -50\n', stderr: '' })
    expect((await sender.pay('test.cli.receiver', 50n, 'fulfill')).type).toBe(IlpPacketType.Fulfill)
    expect(await stack(['adjust', 'sender', '-10', '--reason', 'fee'], env)).toMatchObject({ code: 0, stdout: 'sender: balance now -110\n' })
    expect(await stack(['adjust', 'sender', '10'], env)).toMatchObject({ code: 2, stderr: expect.stringContaining('adjust needs --reason') })
    expect(await stack(['settle', 'sender'], env)).toMatchObject({ code: 1, stderr: 'stack admin: cannot settle with peer sender: it has no settlement channel\n' })
    expect(await stack(['settle', 'nobody'], env)).toMatchObject({ code: 1, stderr: 'stack admin: no peer nobody\n' })
  })

  it('says the token was refused (exit 5) and names the URL it cannot reach (exit 3)', async () => {
    expect(await stack(['status'], { ...env, STACK_ADMIN_TOKEN: 'wrong-token-0123456789' })).toMatchObject({ code: 5, stderr: 'stack admin: the admin API refused the token (wrong token)\n' })
    expect(await stack(['peers'], { STACK_ADMIN_URL: env.STACK_ADMIN_URL as string })).toMatchObject({ code: 5, stderr: expect.stringContaining('none given: --token or STACK_ADMIN_TOKEN') })
    const closed = `http://127.0.0.1:${await freePort()}`
    const unreachable = await stack(['status', '--url', closed], { STACK_ADMIN_TOKEN: ADMIN_TOKEN })
    expect(unreachable).toMatchObject({ code: 3, stderr: `stack admin: cannot reach the admin API at ${closed} (ECONNREFUSED)\n` })
    expect(await stack(['frobnicate'], env)).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown admin command "frobnicate"') })
  })
})
