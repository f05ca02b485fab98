/* eslint-disable @typescript-eslint/no-explicit-any -- the CLI's parsed JSON output, checked field by field by the assertions */
// The root README's recipe ("Paying with the stack CLI") as an operator runs it: erin's embedded
// ledger made with the ledger-sqlite bin, the built stack-connector on connector.example.yaml
// (ports 0, files in a temporary directory), `stack receive` as bob, `stack pay --ledger` as
// erin, far past erin's 10 USD credit limit because she settles over the ledger channel as her
// packets are fulfilled. Then the same without a ledger: a local-mode name pays on credit and is
// told exactly which limit stopped it. Books checked on the ledger, in the connector (admin API)
// and at the receiver, to the unit.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { SqliteLedger } from '@stack/ledger-sqlite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { bin: { stack: string } }
const stackBin = fileURLToPath(new URL(`../${manifest.bin.stack}`, import.meta.url))
const require = createRequire(import.meta.url)
const connectorDir = dirname(require.resolve('@stack/connector/package.json'))
const connectorBin = join(connectorDir, 'dist', 'main.js')
const operatorTools = dirname(require.resolve('@stack/operator-tools/package.json'))
const ledgerBin = join(operatorTools, (JSON.parse(readFileSync(join(operatorTools, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin['ledger-sqlite'] as string)

interface Run {
  code: number
  stdout: string
  stderr: string
}

function run(bin: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { timeout: 90_000, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr })
    })
  })
}

const stack = (args: string[], env: Record<string, string> = {}): Promise<Run> => run(stackBin, args, env)

async function ledgerTool(...args: string[]): Promise<void> {
  const done = await run(ledgerBin, args)
  expect(done.code, done.stderr).toBe(0)
}

/** JSON lines of a child's stdout, as they come. */
function jsonLines(child: ChildProcess): { lines: Record<string, any>[]; next: (predicate: (line: Record<string, any>) => boolean) => Promise<Record<string, any>> } {
  const lines: Record<string, any>[] = []
  const waiters: { predicate: (line: Record<string, any>) => boolean; resolve: (line: Record<string, any>) => void }[] = []
  let buffered = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString()
    const parts = buffered.split('\n')
    buffered = parts.pop() ?? ''
    for (const part of parts) {
      if (!part.startsWith('{')) continue
      const line = JSON.parse(part) as Record<string, any>
      lines.push(line)
      for (const waiter of waiters.splice(0)) {
        if (waiter.predicate(line)) waiter.resolve(line)
        else waiters.push(waiter)
      }
    }
  })
  const next = (predicate: (line: Record<string, any>) => boolean): Promise<Record<string, any>> =>
    new Promise((resolve) => {
      const found = lines.find(predicate)
      if (found !== undefined) resolve(found)
      else waiters.push({ predicate, resolve })
    })
  return { lines, next }
}

let connector: ChildProcess
let receiver: ChildProcess
let admin: string
let btp: number
let ledgerFile: string
let receiverLines: ReturnType<typeof jsonLines>

const stop = async (child: ChildProcess | undefined): Promise<void> => {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
  child.kill('SIGTERM')
  await new Promise((resolve) => child.once('exit', resolve))
}

const adminJson = async (path: string): Promise<any> => (await fetch(`${admin}${path}`)).json()

/** The ledger as it is now: balances by account, and its channels. */
async function ledgerBooks(): Promise<{
  balances: Record<string, bigint>
  channels: { sender: string; receiver: string; deposit: bigint; claimed: bigint; status: string }[]
  audit: { ok: boolean; minted: bigint; held: bigint; locked: bigint }
}> {
  const ledger = SqliteLedger.open(ledgerFile)
  try {
    const balances = Object.fromEntries((await ledger.listAccounts()).map((account) => [account.id, account.balance]))
    const channels = (await ledger.listChannels()).map(({ sender, receiver: to, deposit, claimed, status }) => ({ sender, receiver: to, deposit, claimed, status }))
    const { ok, minted, held, locked } = ledger.audit()
    return { balances, channels, audit: { ok, minted, held, locked } }
  } finally {
    ledger.close()
  }
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stack-recipe-'))
  copyFileSync(join(connectorDir, 'connector.example.yaml'), join(dir, 'connector.yaml'))
  // Once: the embedded USD ledger erin settles on, with 100 USD for her (the README's commands).
  ledgerFile = join(dir, 'usd.ledger')
  await ledgerTool('init', ledgerFile, '--asset', 'USD', '--scale', '6')
  await ledgerTool('add-account', ledgerFile, 'alice')
  await ledgerTool('add-account', ledgerFile, 'erin')
  await ledgerTool('mint', ledgerFile, 'erin', '100000000')
  connector = spawn(process.execPath, [connectorBin, '--config', join(dir, 'connector.yaml')], {
    env: { ...process.env, STACK_CONNECTOR__LISTEN__BTP__PORT: '0', STACK_CONNECTOR__LISTEN__HTTP__PORT: '0', STACK_CONNECTOR__ADMIN__PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const started = await jsonLines(connector).next((line) => line.msg === 'connector started')
  admin = `http://127.0.0.1:${started.ports.admin as number}`
  btp = started.ports.btp as number
  receiver = spawn(process.execPath, [stackBin, 'receive', '--via', `btp+ws://bob:bob-secret@127.0.0.1:${btp}`, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] })
  receiverLines = jsonLines(receiver)
}, 60_000)

afterAll(async () => {
  await stop(receiver)
  await stop(connector)
})

// Each test runs several processes; a loaded machine (load 20+) makes one take tens of seconds.
describe('the README recipe past the credit limit', { timeout: 240_000 }, () => {
  it('erin pays 30 USD, then 12.50, against 10 USD of credit: each completes because she settles on the ledger channel; books to the unit', async () => {
    const { url } = await receiverLines.next((line) => line.event === 'listening')
    const settling = ['--ledger', ledgerFile, '--connector-account', 'alice']
    const erin = { STACK_VIA: `btp+ws://erin:erin-secret@127.0.0.1:${btp}` } // --via from the environment
    const first = await stack(['pay', url as string, '30', '--insecure', '--json', ...settling], erin)
    expect(first.code, first.stderr).toBe(0)
    const paid = JSON.parse(first.stdout)
    expect(paid).toMatchObject({ status: 'complete', sent: { units: '30000000' }, delivered: { units: '29940000' }, inFlight: { units: '0' }, settled: { paid: { units: '30000000' }, channelTotal: { units: '30000000' } } })
    const channelId = paid.settled.channelId as string

    // The next payment goes on with the same channel (its claim store), topped up.
    const second = await stack(['pay', url as string, '12.50', '--insecure', ...settling], erin)
    expect(second.code, second.stderr).toBe(0)
    expect(second.stdout).toBe(
      'Payment complete: sent 12.500000 USD, delivered 12.475000 USD, in flight 0.000000 USD\n' +
        `Settled 12.500000 USD with the connector on channel ${channelId} (42.500000 USD paid on it in all)\n`,
    )

    const payments = await Promise.all([1, 2].map((n) => receiverLines.next((line) => line.event === 'payment' && line.payment === n)))
    expect(payments.map((p) => p.received.units)).toEqual(['29940000', '12475000'])
    // The connector's books: erin owes nothing (every packet paid for by a claim), bob is owed
    // what he received, the spread (0.2 %) is the connector's; nothing pending.
    const books = await adminJson('/balances')
    expect(books.erin).toEqual({ balance: '0', pendingDebit: '0', pendingCredit: '0' })
    expect(books.bob).toEqual({ balance: '42415000', pendingDebit: '0', pendingCredit: '0' })
    expect(BigInt(books.bob.balance as string)).toBe(payments.reduce((sum, p) => sum + BigInt(p.received.units as string), 0n))
    // The connector holds erin's best claim: exactly what she sent.
    expect((await adminJson('/settlement')).erin).toMatchObject({ kind: 'sqlite', incoming: [{ channelId, best: '42500000' }] })
    // The ledger: erin's 42.50 is locked in her channel to alice, not yet redeemed.
    expect(await ledgerBooks()).toEqual({
      balances: { alice: 0n, erin: 57_500_000n },
      channels: [{ sender: 'erin', receiver: 'alice', deposit: 42_500_000n, claimed: 0n, status: 'open' }],
      audit: { ok: true, minted: 100_000_000n, held: 57_500_000n, locked: 42_500_000n },
    })
  })

  it('a name nobody configured pays on credit (local mode), and past its 10 USD is told which limit stopped it (exit 4)', async () => {
    const { url } = await receiverLines.next((line) => line.event === 'listening')
    const dora = ['--via', `btp+ws://dora:dora-secret@127.0.0.1:${btp}`]
    for (let i = 0; i < 2; i++) {
      const done = await stack(['pay', url as string, '5.00', '--insecure', '--json', ...dora])
      expect(done.code, done.stderr).toBe(0)
      expect(JSON.parse(done.stdout)).toMatchObject({ status: 'complete', sent: { units: '5000000' }, delivered: { units: '4990000' } })
    }
    const third = await stack(['pay', url as string, '5.00', '--insecure', ...dora])
    expect(third.code).toBe(4)
    expect(third.stderr).toMatch(/nothing was sent: a credit limit is used up at test\.alice: credit limit of 10\.000000 USD reached for peer dora \(balance -10\.000000 USD/)
    const payments = await Promise.all([3, 4].map((n) => receiverLines.next((line) => line.event === 'payment' && line.payment === n)))
    expect(payments.map((p) => p.received.units)).toEqual(['4990000', '4990000'])
    expect(receiverLines.lines.filter((line) => line.event === 'payment')).toHaveLength(4)
    const books = await adminJson('/balances')
    expect([books.dora?.balance, books.erin?.balance, books.bob?.balance]).toEqual(['-10000000', '0', String(42_415_000 + 2 * 4_990_000)])
    expect(await adminJson('/peers')).toContainEqual(expect.objectContaining({ id: 'dora', relation: 'child' }))
  })

  it('a local name with an account on the ledger settles as erin does (local.settlement): 12 USD on 10 USD of credit', async () => {
    const { url } = await receiverLines.next((line) => line.event === 'listening')
    await ledgerTool('add-account', ledgerFile, 'fay')
    await ledgerTool('mint', ledgerFile, 'fay', '15000000')
    const fay = await stack(['pay', url as string, '12', '--insecure', '--json', '--via', `btp+ws://fay:fay-secret@127.0.0.1:${btp}`, '--ledger', ledgerFile, '--connector-account', 'alice'])
    expect(fay.code, fay.stderr).toBe(0)
    expect(JSON.parse(fay.stdout)).toMatchObject({ status: 'complete', sent: { units: '12000000' }, delivered: { units: '11976000' }, settled: { paid: { units: '12000000' }, channelTotal: { units: '12000000' } } })
    expect((await receiverLines.next((line) => line.event === 'payment' && line.payment === 5)).received.units).toBe('11976000')
    expect((await adminJson('/balances')).fay).toEqual({ balance: '0', pendingDebit: '0', pendingCredit: '0' })
    expect((await adminJson('/settlement')).fay).toMatchObject({ kind: 'sqlite', incoming: [{ best: '12000000' }] })
    expect((await ledgerBooks()).balances.fay).toBe(3_000_000n)
  })

  it('--ledger where it cannot settle exits 6 naming why: no such account or too little on the ledger (nothing sent), or a connector that does not take claims from it', async () => {
    const { url } = await receiverLines.next((line) => line.event === 'listening')
    const via = (name: string): string[] => ['--via', `btp+ws://${name}:${name}-secret@127.0.0.1:${btp}`]
    const unknown = await stack(['pay', url as string, '1.00', '--insecure', ...via('gus'), '--ledger', ledgerFile, '--connector-account', 'alice'])
    expect(unknown.code).toBe(6)
    expect(unknown.stderr).toContain(`stack: --account gus: no such account on the ledger ${ledgerFile}`)
    expect(unknown.stderr).toContain('Nothing was sent.')

    // Too little on the ledger for what the payment may need: refused before a packet goes out.
    await ledgerTool('add-account', ledgerFile, 'hal')
    await ledgerTool('mint', ledgerFile, 'hal', '500000')
    const poor = await stack(['pay', url as string, '1.00', '--insecure', ...via('hal'), '--ledger', ledgerFile, '--connector-account', 'alice'])
    expect(poor.code).toBe(6)
    expect(poor.stderr).toContain(`stack: hal has 0.500000 USD on the ledger ${ledgerFile}: this payment may need 1.000000 USD more in the channel (mint or transfer to hal, or pay less)\nNothing was sent.`)
    expect((await adminJson('/balances')).hal?.balance ?? '0').toBe('0')

    // ivy pays into a channel to the wrong account (erin's, not the connector's alice): the
    // connector refuses her first claim, so the payment stops and says so; what was delivered stays owed.
    await ledgerTool('add-account', ledgerFile, 'ivy')
    await ledgerTool('mint', ledgerFile, 'ivy', '5000000')
    const refused = await stack(['pay', url as string, '1.00', '--insecure', '--json', ...via('ivy'), '--ledger', ledgerFile, '--connector-account', 'erin'])
    expect(refused.code, refused.stderr).toBe(6)
    const out = JSON.parse(refused.stdout)
    expect(out).toMatchObject({ status: 'failed', reason: 'settlement', settled: { paid: null } })
    expect(out.message).toMatch(/^could not pay the connector over the ledger channel \(ivy → erin on .*usd\.ledger\): /)
    const books = await adminJson('/balances')
    expect(BigInt(books.ivy.balance as string)).toBe(-BigInt(out.sent.units as string))
  })

  it('receive says when its connector is gone, refuses SPSP meanwhile; the stopped connector has redeemed erin\'s claims', async () => {
    const { url } = await receiverLines.next((line) => line.event === 'listening')
    await stop(connector)
    await receiverLines.next((line) => line.event === 'unreachable')
    const response = await fetch(url as string, { headers: { accept: 'application/spsp4+json' } })
    expect(response.status).toBe(500)
    // SIGTERM: the connector redeemed its best claims; erin's 42.50 and fay's 12 are alice's.
    const { balances, channels, audit } = await ledgerBooks()
    expect([balances.alice, balances.erin, balances.fay]).toEqual([54_500_000n, 57_500_000n, 3_000_000n])
    expect(channels.filter((c) => c.receiver === 'alice').map((c) => [c.sender, c.deposit, c.claimed])).toEqual([['erin', 42_500_000n, 42_500_000n], ['fay', 12_000_000n, 12_000_000n]])
    // Nothing created or lost: what was minted is in the accounts or still locked (ivy's channel to erin).
    expect(audit).toMatchObject({ ok: true, minted: 100_000_000n + 15_000_000n + 500_000n + 5_000_000n, locked: 1_000_000n })
    expect(Object.values(balances).reduce((sum, b) => sum + b, 0n) + audit.locked).toBe(audit.minted)
  })
})
