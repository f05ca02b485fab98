import { fork } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { SqliteLedger } from '../src/index.js'
import { tempDir } from './fixtures/harness.js'

const writer = fileURLToPath(new URL('./fixtures/crash-writer.mjs', import.meta.url))
const temp = tempDir()
afterAll(() => temp.remove())

/** Runs the writer on `file` and SIGKILLs it after `acks` committed operations; resolves with the acknowledged keys. */
function writeUntilKilled(file: string, seed: number, acks: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = fork(writer, [file, String(seed)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
    const keys: string[] = []
    let count = 0
    let stderr = ''
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('message', (message: { key?: string }) => {
      if (message.key !== undefined) keys.push(message.key)
      if (++count === acks) child.kill('SIGKILL')
    })
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(keys)
      else reject(new Error(`writer exited ${code} before it was killed:\n${stderr}`))
    })
  })
}

describe('crash safety', () => {
  it('stays consistent when a writer is SIGKILLed mid-write, again and again, and loses nothing it acknowledged', async () => {
    const file = join(temp.dir, 'crash.ledger')
    const setup = SqliteLedger.create(file, { asset: { code: 'USD', scale: 2 } })
    for (const id of ['alice', 'bob', 'carol', 'dave']) {
      await setup.createAccount(id)
      await setup.mint({ account: id, amount: 1_000n })
    }
    setup.close()

    for (let round = 0; round < 4; round++) {
      // Kill at a different point each round: after 150..450 acknowledged operations.
      const keys = await writeUntilKilled(file, 7 + round, 150 + round * 100)
      const ledger = SqliteLedger.open(file)
      const report = ledger.audit()
      expect(report.problems).toEqual([])
      expect(report.minted).toBe(4_000n)
      expect(report.held + report.locked).toBe(4_000n)
      const balances = await Promise.all(['alice', 'bob', 'carol', 'dave'].map((id) => ledger.getBalance(id)))
      for (const balance of balances) expect(balance).toBeGreaterThanOrEqual(0n)
      ledger.close()

      // Durability: every operation the writer saw commit is in the file.
      const db = new Database(file, { readonly: true })
      const stored = new Set((db.prepare('SELECT key FROM idempotency').all() as { key: string }[]).map((row) => row.key))
      db.close()
      const lost = keys.filter((key) => !stored.has(key))
      expect(lost).toEqual([])
      expect(keys.length).toBeGreaterThan(0)
    }
  })
})
