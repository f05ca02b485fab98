import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { generateClaimKeyPair, SqliteLedger } from '@stack/ledger-sqlite'

// The bin package.json declares (a launcher of the built dist/), as an operator runs it
// (vitest's global setup builds dist/ first).
const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string; bin: { 'ledger-sqlite': string } }
const cli = fileURLToPath(new URL(`../${manifest.bin['ledger-sqlite']}`, import.meta.url))
const temp = { dir: mkdtempSync(join(tmpdir(), 'ledger-sqlite-cli-')) }
afterAll(() => rmSync(temp.dir, { recursive: true, force: true }))

function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { timeout: 20_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1
      resolve({ code, stdout, stderr })
    })
  })
}

describe('ledger-sqlite (the bin)', () => {
  it('--version prints the version of package.json', async () => {
    expect(await run('--version')).toEqual({ code: 0, stdout: `${manifest.version}\n`, stderr: '' })
  })

  const file = join(temp.dir, 'cli.ledger')

  it('inits a file, adds accounts, mints, and shows balances', async () => {
    expect(await run('init', file, '--asset', 'USD', '--scale', '2')).toMatchObject({ code: 0, stdout: expect.stringContaining('USD, scale 2') })
    expect((await run('add-account', file, 'alice')).code).toBe(0)
    expect((await run('add-account', file, 'bob', '--credit-limit', '500')).code).toBe(0)
    expect(await run('mint', file, 'alice', '12345')).toMatchObject({ code: 0, stdout: expect.stringContaining('minted 12345 to alice') })
    const { code, stdout } = await run('balances', file)
    expect(code).toBe(0)
    expect(stdout).toContain('alice\t12345\t0')
    expect(stdout).toContain('bob\t0\t500')
    expect(stdout).toContain('@issuance\t-12345\tnone')
    expect(await run('audit', file)).toMatchObject({ code: 0, stdout: expect.stringContaining('ok') })
  })

  it('lists channels', async () => {
    const ledger = SqliteLedger.open(file)
    const channel = await ledger.createChannel({
      idempotencyKey: 'cli-channel',
      sender: 'alice',
      receiver: 'bob',
      amount: 300n,
      publicKey: generateClaimKeyPair().publicKey,
      settleDelayMs: 1_000
    })
    ledger.close()
    const { code, stdout } = await run('channels', file)
    expect(code).toBe(0)
    expect(stdout).toContain(`${channel.id}\talice\tbob\t300\t0\topen\t-`)
  })

  it('exits 1 naming the error the ledger refused with', async () => {
    expect(await run('mint', file, 'nobody', '5')).toMatchObject({ code: 1, stderr: expect.stringContaining('UnknownAccountError') })
    expect(await run('add-account', file, 'alice')).toMatchObject({ code: 1, stderr: expect.stringContaining('AccountExistsError') })
    expect(await run('init', file, '--asset', 'USD', '--scale', '2')).toMatchObject({ code: 1, stderr: expect.stringContaining('LedgerFileError') })
    expect(await run('balances', join(temp.dir, 'missing.ledger'))).toMatchObject({ code: 1, stderr: expect.stringContaining('does not exist') })
  })

  it('exits 2 with usage for a bad command line', async () => {
    expect(await run()).toMatchObject({ code: 2, stderr: expect.stringContaining('usage:') })
    expect(await run('frobnicate', file)).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown command') })
    expect(await run('mint', file, 'alice', '-5')).toMatchObject({ code: 2 })
    expect(await run('init', join(temp.dir, 'x.ledger'), '--asset', 'USD')).toMatchObject({ code: 2 })
    expect(await run('balances', file, '--bogus')).toMatchObject({ code: 2 })
  })
})
