import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ConnectorProcess, ConnectorProcessError } from '../src/connector-process.js'

const dir = mkdtempSync(join(tmpdir(), 'stack-connector-process-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function config(name: string, document: object): string {
  const file = join(dir, name)
  writeFileSync(file, JSON.stringify(document))
  return file
}

const node = {
  address: 'test.x',
  asset: { code: 'USD', scale: 2 },
  listen: { btp: { port: 0 } },
  admin: { port: 0 },
  balances: { store: 'memory' },
  log: { level: 'info' },
  peers: [{ id: 'child', relation: 'child', btp: { token: 'secret-token' } }],
}

describe('a stack-connector child process', () => {
  it('starts from a file and an environment override, answers on its admin API, and exits 0 on SIGTERM', async () => {
    const connector = await ConnectorProcess.start({ name: 'X', configFile: config('ok.json', node), env: { STACK_CONNECTOR__ADDRESS: 'test.overridden' } })
    try {
      expect(connector.ports.btp).toBeGreaterThan(0)
      expect(await connector.admin('/health')).toMatchObject({ status: 'ok', address: 'test.overridden' })
      expect(await connector.settlementCounts()).toEqual({ sent: 0, failed: 0, received: 0 })
      await connector.stop()
    } finally {
      connector.kill()
    }
  })

  it('fails loudly, with the node\'s stderr, when it cannot start', async () => {
    const bad = config('bad.json', { ...node, peers: [{ id: 'child', relation: 'sibling', btp: { token: 't' } }] })
    const failure = await ConnectorProcess.start({ name: 'bad', configFile: bad }).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(ConnectorProcessError)
    expect(String(failure)).toMatch(/connector bad .* exited before it was ready \(exit code 2/)
    expect(String(failure)).toMatch(/--- its stderr ---\n.*bad\.json: invalid configuration:\n +peers\[0\]\.relation: must be one of/)
  })

  it('fails whatever waits on it when it dies, with its output', async () => {
    const connector = await ConnectorProcess.start({ name: 'Y', configFile: config('dies.json', node) })
    try {
      process.kill(connector.pid as number, 'SIGKILL')
      await expect(connector.died).rejects.toThrow(/connector Y .* exited \(exit code null, signal SIGKILL\)/)
      await expect(connector.waitFor(async () => false, 1_000, 'anything')).rejects.toThrow(ConnectorProcessError)
      await expect(connector.stop()).rejects.toThrow(/exited before it was stopped/)
    } finally {
      connector.kill()
    }
  })
})
