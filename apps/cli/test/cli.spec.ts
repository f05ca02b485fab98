/* eslint-disable @typescript-eslint/no-explicit-any -- the CLI's parsed JSON output, checked field by field by the assertions */
// The built `stack` binary in a child process, against a connector and receivers started here.
// Run `pnpm build` first (turbo's test task depends on the build).
import { execFile, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startNetwork, startReceiver, type Network, type Receiver } from './fixtures/network.js'

// The bin package.json declares: a launcher of the built dist/main.js.
const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string; bin: { stack: string } }
const main = fileURLToPath(new URL(`../${manifest.bin.stack}`, import.meta.url))

interface Run {
  code: number
  stdout: string
  stderr: string
}

function stack(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [main, ...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1
      resolve({ code, stdout, stderr })
    })
  })
}

let network: Network
let receiver: Receiver
let limited: Receiver
let wrongType: Server
let wrongTypeUrl: string

beforeAll(async () => {
  network = await startNetwork({ alice: { asset: { code: 'USD', scale: 2 } }, bob: { asset: { code: 'EUR', scale: 2 } }, carol: { asset: { code: 'EUR', scale: 2 } }, erin: { asset: { code: 'EUR', scale: 2 } }, dave: { asset: { code: 'USD', scale: 2 } } })
  receiver = await startReceiver(network, 'bob')
  limited = await startReceiver(network, 'carol', { receiveMax: 500n })
  wrongType = createServer((_, response) => {
    response.writeHead(200, { 'Content-Type': 'application/json' })
    response.end('{}')
  })
  await new Promise<void>((resolve) => wrongType.listen(0, '127.0.0.1', resolve))
  wrongTypeUrl = `http://127.0.0.1:${(wrongType.address() as AddressInfo).port}/.well-known/pay`
})

afterAll(async () => {
  await receiver.close()
  await limited.close()
  await new Promise((resolve) => wrongType.close(resolve))
  await network.close()
})

describe('stack (built CLI)', () => {
  it('runs stack-conformance as `stack conformance`, passing its output and exit code through', async () => {
    const help = await stack('conformance', '--help')
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('stack-conformance <node-url>')
    // Nothing listens on port 9 of loopback: the suite's "unreachable" exit code (3), unchanged.
    const unreachable = await stack('conformance', 'btp+ws://alice:secret@127.0.0.1:9', '--yes')
    expect(unreachable.code).toBe(3)
  })

  it('prints help and exits 0; no command is a usage error', async () => {
    const help = await stack('--help')
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('stack pay <pointer> <amount>')
    expect(help.stdout).toContain('Exit codes')
    expect((await stack('pay', '--help')).stdout).toContain('--fixed-delivery')
    expect((await stack()).code).toBe(2)
  })

  it('--version prints the version of package.json and exits 0', async () => {
    expect(await stack('--version')).toEqual({ code: 0, stdout: `${manifest.version}\n`, stderr: '' })
  })

  it('exits 2 on usage errors: unknown command, unknown flag, bad amount, missing --via, bad pointer', async () => {
    expect((await stack('fly')).code).toBe(2)
    expect((await stack('pay', '$x.example', '1', '--via', 'btp+ws://a:b@127.0.0.1:1', '--bogus')).code).toBe(2)
    const badAmount = await stack('pay', '$x.example', '12.3.4', '--via', 'btp+ws://a:b@127.0.0.1:1')
    expect(badAmount.code).toBe(2)
    expect(badAmount.stderr).toContain('is not an amount')
    expect((await stack('pay', '$x.example', '1')).code).toBe(2)
    const badPointer = await stack('query', '$wallet.example:8080/alice')
    expect(badPointer.code).toBe(2)
    expect(badPointer.stderr).toContain('invalid payment pointer')
  })

  it('says flag problems in its own words: unknown flag, missing value, no --via nor STACK_VIA', async () => {
    const bogus = await stack('pay', '$x.example', '1', '--via', 'btp+ws://a:b@127.0.0.1:1', '--bogus')
    expect(bogus).toMatchObject({ code: 2, stderr: 'stack: pay: unknown flag --bogus\n(see stack pay --help)\n' })
    const missing = await stack('receive', '--via')
    expect(missing).toMatchObject({ code: 2, stderr: 'stack: receive: --via needs a value\n(see stack receive --help)\n' })
    const noVia = await stack('pay', '$x.example', '1')
    expect(noVia.stderr).toContain('pay needs --via <btp+ws url> (the connector to go through), or STACK_VIA set to one')
  })

  it('checks the --ledger flags before anything is sent (exit 2, in flag words)', async () => {
    const via = ['--via', 'btp+ws://erin:e@127.0.0.1:1']
    const cases: [string[], string][] = [
      [['--account', 'erin'], 'stack: --account is for settling over a ledger: add --ledger <file>'],
      [['--ledger', 'usd.ledger'], "stack: --ledger needs --connector-account <id> (the connector's account on the ledger, its settlement.account)"],
      [['--ledger', 'usd.ledger', '--connector-account', 'c', '--deposit', 'ten'], 'stack: --deposit "ten" is not an amount: give a positive decimal like 50.00'],
    ]
    for (const [flags, message] of cases) {
      const run = await stack('pay', '$x.example', '1', ...via, ...flags)
      expect(run, flags.join(' ')).toMatchObject({ code: 2 })
      expect(run.stderr.split('\n')[0]).toBe(message)
    }
    const anonymous = await stack('pay', '$x.example', '1', '--via', 'btp+ws://:e@127.0.0.1:1', '--ledger', 'usd.ledger', '--connector-account', 'c')
    expect(anonymous.stderr).toContain('--ledger needs --account <id> (your account on the ledger; default: the --via username)')
  })

  it('names --insecure, not the library option, for an http:// pointer', async () => {
    const run = await stack('query', 'http://127.0.0.1:1/.well-known/pay')
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('add --insecure')
    expect(run.stderr).not.toContain('allowInsecure')
  })

  it('pays a fixed source amount: --json states sent, delivered, in flight exactly', async () => {
    const before = network.connector.balance('alice').balance
    const run = await stack('pay', receiver.url, '12.34', '--insecure', '--via', network.url('alice'), '--json')
    expect(run.code).toBe(0)
    const out = JSON.parse(run.stdout) as Record<string, any>
    expect(out.status).toBe('complete')
    expect(out.sent).toEqual({ amount: '12.34', units: '1234', assetCode: 'USD', assetScale: 2 })
    expect(out.inFlight.units).toBe('0')
    expect(out.delivered.assetCode).toBe('EUR')
    expect(BigInt(out.delivered.units)).toBeGreaterThanOrEqual(BigInt(out.quote.minDeliveryAmount.units))
    expect(before - network.connector.balance('alice').balance).toBe(1234n)
  })

  it('pays a fixed delivery amount with a readable summary', async () => {
    const run = await stack('pay', receiver.url, '5', '--fixed-delivery', '--slippage', '0.02', '--insecure', '--via', network.url('alice'))
    expect(run.code).toBe(0)
    expect(run.stderr).toContain('Quote: deliver 5.00 EUR')
    expect(run.stdout).toMatch(/^Payment complete: sent \d+\.\d\d USD, delivered 5\.0[01] EUR, in flight 0\.00 USD/)
  })

  it('exits 1 and reports a partial payment exactly at the receiver\'s limit', async () => {
    const run = await stack('pay', limited.url, '10', '--insecure', '--via', network.url('dave'), '--json')
    expect(run.code).toBe(1)
    const out = JSON.parse(run.stdout) as Record<string, any>
    expect(out).toMatchObject({ status: 'failed', reason: 'receiver-limit' })
    expect(BigInt(out.delivered.units)).toBe(network.connector.balance('carol').balance)
    expect(BigInt(out.sent.units)).toBe(-network.connector.balance('dave').balance)
    expect(BigInt(out.delivered.units)).toBeLessThanOrEqual(500n)
  })

  it('exits 1 when the rate is below --min-rate: nothing sent', async () => {
    const before = network.connector.balance('alice').balance
    const run = await stack('pay', receiver.url, '1', '--min-rate', '0.95', '--insecure', '--via', network.url('alice'))
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('below the minimum')
    expect(run.stderr).toContain('Nothing was sent')
    expect(network.connector.balance('alice').balance).toBe(before)
  })

  it('exits 3 with a clear message: unreachable SPSP host, wrong content type, http without --insecure is usage', async () => {
    const unreachable = await stack('pay', 'http://127.0.0.1:9/.well-known/pay', '1', '--insecure', '--via', network.url('alice'))
    expect(unreachable.code).toBe(3)
    expect(unreachable.stderr).toContain('unreachable')
    const wrong = await stack('query', wrongTypeUrl, '--insecure')
    expect(wrong.code).toBe(3)
    expect(wrong.stderr).toContain('application/json')
    expect((await stack('query', receiver.url)).code).toBe(2)
  })

  it('exits 3 when the connector is unreachable', async () => {
    const run = await stack('pay', receiver.url, '1', '--insecure', '--via', 'btp+ws://alice:nope@127.0.0.1:9', '--json')
    expect(run.code).toBe(3)
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'error', error: { kind: 'UplinkError' } })
  })

  it('query prints the details with the secret redacted unless --show-secret', async () => {
    const run = await stack('query', receiver.url, '--insecure')
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('destination account  test.connie.bob.')
    expect(run.stdout).toContain('redacted')
    const shown = JSON.parse((await stack('query', receiver.url, '--insecure', '--show-secret', '--json')).stdout) as Record<string, any>
    expect(Buffer.from(shown.sharedSecret, 'base64')).toHaveLength(32)
  })

  it('receive hosts an SPSP receiver that `stack pay` pays, printing the payment', async () => {
    const child = spawn(process.execPath, [main, 'receive', '--via', network.url('erin'), '--json'], { stdio: ['ignore', 'pipe', 'pipe'] })
    try {
      const lines: Array<Record<string, any>> = []
      let buffered = ''
      const waitFor = (predicate: (line: Record<string, any>) => boolean) =>
        new Promise<Record<string, any>>((resolve) => {
          const check = () => {
            const found = lines.find(predicate)
            if (found !== undefined) resolve(found)
            else setTimeout(check, 20)
          }
          check()
        })
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString()
        const parts = buffered.split('\n')
        buffered = parts.pop() ?? ''
        for (const part of parts) if (part.trim() !== '') lines.push(JSON.parse(part) as Record<string, any>)
      })
      const listening = await waitFor((line) => line.event === 'listening')
      expect(listening.asset).toEqual({ code: 'EUR', scale: 2 })
      const run = await stack('pay', listening.url as string, '2.00', '--insecure', '--via', network.url('alice'), '--json')
      expect(run.code).toBe(0)
      const delivered = (JSON.parse(run.stdout) as Record<string, any>).delivered.units as string
      const payment = await waitFor((line) => line.event === 'payment')
      expect(payment.received.units).toBe(delivered)
    } finally {
      child.kill('SIGTERM')
      await new Promise((resolve) => child.once('exit', resolve))
    }
  })
})
