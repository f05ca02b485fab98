import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { LightningNode, StateReadError, type ChainSource } from '../src/index.js'

// A node's stored state that cannot be read is refused with a typed error before anything runs.
const unreachable: ChainSource = {
  getBlockchainInfo: () => Promise.reject(new Error('no chain in this test')),
  getBlockHash: () => Promise.reject(new Error('no chain in this test')),
  getBlockHex: () => Promise.reject(new Error('no chain in this test')),
  estimateSmartFee: () => Promise.resolve(undefined),
  getRawTransaction: () => Promise.reject(new Error('no chain in this test')),
  sendRawTransaction: () => Promise.reject(new Error('no chain in this test'))
}
const dirs: string[] = []
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })))

function start(files: Record<string, Uint8Array>): Promise<LightningNode> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ln-state-'))
  dirs.push(dataDir)
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dataDir, name), bytes)
  return LightningNode.start({ dataDir, chain: unreachable, wallet: { fundingTransaction: () => Promise.reject(new Error('unused')) }, sweepScript: new Uint8Array(22) })
}

describe('stored state', () => {
  it('refuses a seed that is not 32 bytes', async () => {
    await expect(start({ seed: new Uint8Array(5) })).rejects.toMatchObject({ name: 'StateReadError', file: 'seed' })
  })

  it('refuses a journal with a line that is not JSON (a torn last line is cut, not refused)', async () => {
    await expect(start({ seed: new Uint8Array(32).fill(7), 'journal.jsonl': new TextEncoder().encode('{"t":"claimed"\n{"t"') })).rejects.toMatchObject({
      name: 'StateReadError', message: expect.stringContaining('line 1')
    })
  })

  it('refuses a ChannelManager that does not decode', async () => {
    await expect(start({ seed: new Uint8Array(32).fill(7), manager: new TextEncoder().encode('not a channel manager') })).rejects.toBeInstanceOf(StateReadError)
  })
})
