/* eslint-disable @typescript-eslint/no-explicit-any -- the CLI's parsed JSON output, checked field by field by the assertions */
// The root README's recipe ("Paying with the stack CLI") as an operator runs it: the built
// stack-connector on connector.example.yaml (ports 0, files in a temporary directory), `stack
// receive` as bob, `stack pay` as erin, past erin's 10 USD credit limit. The example does not
// settle (erin's payments are credit), so past the limit the payer must be told exactly why it
// stopped; the books of the connector and of the receiver are checked to the unit.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { bin: { stack: string } }
const stackBin = fileURLToPath(new URL(`../${manifest.bin.stack}`, import.meta.url))
const connectorDir = dirname(createRequire(import.meta.url).resolve('@stack/connector/package.json'))
const connectorBin = join(connectorDir, 'dist', 'main.js')

interface Run {
  code: number
  stdout: string
  stderr: string
}

function stack(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [stackBin, ...args], { timeout: 60_000, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr })
    })
  })
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
let receiverLines: ReturnType<typeof jsonLines>

const stop = async (child: ChildProcess | undefined): Promise<void> => {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
  child.kill('SIGTERM')
  await new Promise((resolve) => child.once('exit', resolve))
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stack-recipe-'))
  copyFileSync(join(connectorDir, 'connector.example.yaml'), join(dir, 'connector.yaml'))
  connector = spawn(process.execPath, [connectorBin, '--config', join(dir, 'connector.yaml')], {
    env: { ...process.env, STACK_CONNECTOR__LISTEN__BTP__PORT: '0', STACK_CONNECTOR__LISTEN__HTTP__PORT: '0', STACK_CONNECTOR__ADMIN__PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const started = await jsonLines(connector).next((line) => line.msg === 'connector started')
  admin = `http://127.0.0.1:${started.ports.admin as number}`
  btp = started.ports.btp as number
  receiver = spawn(process.execPath, [stackBin, 'receive', '--via', `btp+ws://bob:bob-secret@127.0.0.1:${btp}`, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] })
  receiverLines = jsonLines(receiver)
}, 30_000)

afterAll(async () => {
  await stop(receiver)
  await stop(connector)
})

describe('the README recipe past the credit limit', () => {
  it('pays 5 + 5 USD, then says which credit limit stopped the third payment (exit 4); books to the unit', async () => {
    const { url } = await receiverLines.next((line) => line.event === 'listening')
    const erin = { STACK_VIA: `btp+ws://erin:erin-secret@127.0.0.1:${btp}` } // --via from the environment
    for (let i = 0; i < 2; i++) {
      const run = await stack(['pay', url as string, '5.00', '--insecure', '--json'], erin)
      expect(run.code, run.stderr).toBe(0)
      expect(JSON.parse(run.stdout)).toMatchObject({ status: 'complete', sent: { units: '5000000' }, delivered: { units: '4990000' } })
    }
    const third = await stack(['pay', url as string, '5.00', '--insecure'], erin)
    expect(third.code).toBe(4)
    expect(third.stderr).toMatch(/nothing was sent: a credit limit is used up at test\.alice: credit limit of 10\.000000 USD reached for peer erin \(balance -10\.000000 USD/)

    // Payments numbered as money arrives (#1, #2), not per probe connection.
    const payments = await Promise.all([1, 2].map((n) => receiverLines.next((line) => line.event === 'payment' && line.payment === n)))
    expect(payments.map((p) => p.received.units)).toEqual(['4990000', '4990000'])
    expect(receiverLines.lines.filter((line) => line.event === 'payment')).toHaveLength(2)

    // The connector's books: erin owes what she sent, bob is owed what he received, the spread
    // (0.2 %) is the connector's; nothing pending.
    const books = (await (await fetch(`${admin}/balances`)).json()) as Record<string, { balance: string; pendingDebit: string; pendingCredit: string }>
    expect(books.erin).toEqual({ balance: '-10000000', pendingDebit: '0', pendingCredit: '0' })
    expect(books.bob).toEqual({ balance: '9980000', pendingDebit: '0', pendingCredit: '0' })
    expect(BigInt(books.bob!.balance)).toBe(payments.reduce((sum, p) => sum + BigInt(p.received.units as string), 0n))
  })

  it('a name nobody configured pays too: the example\'s local section gives it an account on login', async () => {
    const { url } = await receiverLines.next((line) => line.event === 'listening')
    const run = await stack(['pay', url as string, '1.00', '--insecure', '--json', '--via', `btp+ws://dora:dora-secret@127.0.0.1:${btp}`])
    expect(run.code, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'complete', sent: { units: '1000000' }, delivered: { units: '998000' } })
    const payment = await receiverLines.next((line) => line.event === 'payment' && line.payment === 3)
    expect(payment.received.units).toBe('998000')
    const books = (await (await fetch(`${admin}/balances`)).json()) as Record<string, { balance: string }>
    expect([books.dora?.balance, books.erin?.balance, books.bob?.balance]).toEqual(['-1000000', '-10000000', String(9_980_000 + 998_000)])
    const peers = (await (await fetch(`${admin}/peers`)).json()) as { id: string; relation: string }[]
    expect(peers).toContainEqual(expect.objectContaining({ id: 'dora', relation: 'child' }))
  })

  it('receive says when its connector is gone, refuses SPSP meanwhile', async () => {
    const { url } = await receiverLines.next((line) => line.event === 'listening')
    await stop(connector)
    await receiverLines.next((line) => line.event === 'unreachable')
    const response = await fetch(url as string, { headers: { accept: 'application/spsp4+json' } })
    expect(response.status).toBe(500)
  })
})
