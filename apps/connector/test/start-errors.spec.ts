import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildBin, killBins, startBin } from './bin.js'
import { freePort, heldPort } from './harness.js'

// Each problem an operator meets at start, as the real process reports it: one line on stderr
// naming the cause, a pino record, exit 2 for the configuration and 1 for the world outside it.

const main = new URL('../dist/main.js', import.meta.url).pathname

beforeAll(() => buildBin(), 130_000)
afterAll(() => killBins())

interface Ended {
  code: number | null
  stderr: string
  records: Record<string, unknown>[]
}

function runBin(config: Record<string, unknown>, options: { cwd?: string; dir?: string } = {}): Promise<Ended> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'stack-start-'))
  const path = join(dir, 'connector.json')
  writeFileSync(path, JSON.stringify(config))
  const child = spawn(process.execPath, [main, '--config', path], { cwd: options.cwd ?? dir, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  return new Promise((resolve) =>
    child.once('exit', (code) => resolve({ code, stderr, records: stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>) })),
  )
}

const base = (): Record<string, unknown> => ({
  address: 'test.start',
  asset: { code: 'USD', scale: 6 },
  listen: { btp: { port: 0 } },
  admin: { port: 0 },
  peers: [{ id: 'bob', relation: 'child', btp: { token: 'secret' } }],
  balances: { store: 'memory' },
})

/** The stderr lines after the file name: exactly the ones given. */
function expectLines(ended: Ended, code: number, lines: RegExp[]): void {
  const got = ended.stderr.trimEnd().split('\n')
  expect(ended.code, ended.stderr).toBe(code)
  expect(got).toHaveLength(lines.length)
  lines.forEach((line, i) => expect(got[i]).toMatch(line))
}

describe('start-up failures of the real process', () => {
  it('one port for two listeners: exit 2 before anything listens', async () => {
    const ended = await runBin({ ...base(), listen: { btp: { port: 17_811 }, http: { port: 17_811 } }, admin: { port: 17_811 } })
    expectLines(ended, 2, [
      /connector\.json: invalid configuration:$/,
      /^ {2}listen\.http\.port: 17811 is also listen\.btp\.port: each listener needs its own port$/,
      /^ {2}admin\.port: 17811 is also listen\.btp\.port: each listener needs its own port$/,
    ])
  })

  it('a peer whose asset has no rate: exit 2, naming the peer, its asset and the rate source', async () => {
    const ended = await runBin({ ...base(), peers: [{ id: 'bob', relation: 'child', asset: { code: 'EUR', scale: 2 }, btp: { token: 'x' } }], rates: { static: { USD: '1' } } })
    expectLines(ended, 2, [/invalid configuration:$/, /^ {2}peers\[0\]\.asset\.code: peer bob's asset EUR has no rate in rates\.static \(the node's asset is USD\)$/])
    expect(ended.records.find((r) => r.msg === 'start failed')).toMatchObject({ level: 60, error: 'InvalidConfigError' })
  })

  it('rates.file is the config file\'s, like balances.path, whatever the working directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stack-start-'))
    writeFileSync(join(dir, 'rates.json'), JSON.stringify({ USD: '1', EUR: '0.9' }))
    const elsewhere = join(dir, 'elsewhere')
    mkdirSync(elsewhere)
    const config = { ...base(), peers: [{ id: 'bob', relation: 'child', asset: { code: 'EUR', scale: 2 }, btp: { token: 'x' } }], rates: { file: 'rates.json' } }
    const path = join(dir, 'connector.json')
    writeFileSync(path, JSON.stringify(config))
    const bin = await startBin(path)
    bin.child.kill('SIGTERM')
    expect(await bin.exited).toBe(0)
    // The same file from another directory with a rate missing: the file it read is named.
    writeFileSync(join(dir, 'rates.json'), JSON.stringify({ USD: '1' }))
    const ended = await runBin(config, { dir, cwd: elsewhere })
    expectLines(ended, 2, [/invalid configuration:$/, new RegExp(`peers\\[0\\]\\.asset\\.code: peer bob's asset EUR has no rate in rates\\.file \\(${join(dir, 'rates.json')}\\)`)])
  })

  it('an unreadable rate source: exit 1, one line', async () => {
    const ended = await runBin({ ...base(), rates: { file: 'missing.json' } })
    expectLines(ended, 1, [/connector\.json: could not start: RateSourceError: .*missing\.json: cannot read \(ENOENT\)$/])
    expect(ended.records.find((r) => r.msg === 'start failed')).toMatchObject({ level: 60, error: 'RateSourceError' })
  })

  it('a balance store another node holds: exit 1, one line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stack-start-'))
    const config = { ...base(), balances: { store: 'sqlite', path: 'balances.db' } }
    const first = await startBin(join(dir, 'first.json'), config)
    const ended = await runBin(config, { dir })
    expectLines(ended, 1, [/could not start: BalanceStoreLockedError: .*balances\.db/])
    first.child.kill('SIGTERM')
    expect(await first.exited).toBe(0)
  })

  it('a port another process holds: exit 1, one line naming the address', async () => {
    const taken = await heldPort()
    try {
      const ended = await runBin({ ...base(), listen: { btp: { port: taken.port } } })
      expectLines(ended, 1, [new RegExp(`could not start: Error: listen EADDRINUSE: address already in use 127\\.0\\.0\\.1:${taken.port}$`)])
    } finally {
      await taken.close()
    }
  })

  it('an Ethereum JSON-RPC endpoint nobody answers: exit 1, one line (not viem\'s kilobytes)', async () => {
    const closed = await freePort()
    const ended = await runBin({
      ...base(),
      asset: { code: 'ETH', scale: 18 },
      peers: [{
        id: 'bob',
        relation: 'peer',
        btp: { token: 'x' },
        settlement: {
          kind: 'ethereum',
          rpcUrl: `http://127.0.0.1:${closed}`,
          contract: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
          privateKey: `0x${'11'.repeat(32)}`,
          peerAddress: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
          claims: 'claims.db',
        },
      }],
    })
    expectLines(ended, 1, [/could not start: \w+Error: .{10,300}$/])
  })
})
