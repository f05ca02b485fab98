import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ConfigChecker, SharedResourcePool, type ConfigObject, type IncomingValue, type SettlementComponents, type SharedResources } from '@stack/channel-core'
import { createCarrierPair } from '@stack/channel-core/compliance'
import { SqliteLedger } from '@stack/ledger-sqlite'
import { sqliteSettlement, type SqliteSettlementConfig } from '../src/index.js'
import { clock } from './fixtures/harness.js'

// The plug-in as a connector app uses it: a section checked, then opened per peer with the
// node's shared resources. Bob's node settles with two peers on one ledger file (shared) and one claim file (a
// store per peer, each scoped to its pair of accounts).
describe('sqliteSettlement', () => {
  let dir: string
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  function check(section: ConfigObject): { config: SqliteSettlementConfig | undefined; issues: ConfigChecker['issues'] } {
    const checker = new ConfigChecker()
    const file = (value: unknown, path: string) => {
      const name = checker.string(value, path)
      return name === undefined ? undefined : join(dir, name)
    }
    return { config: sqliteSettlement.check(section, { checker, path: 'peers[0].settlement', asset: { code: 'USD', scale: 2 }, file }), issues: checker.issues }
  }

  it('checks a section: files taken from the config directory, defaults filled in, every problem at its path', () => {
    dir = mkdtempSync(join(tmpdir(), 'sqlite-plugin-'))
    const section = { kind: 'sqlite', ledger: 'usd.ledger', account: 'bob', peerAccount: 'alice', claims: 'bob.claims' }
    expect(check(section)).toEqual({ config: { ...section, ledger: join(dir, 'usd.ledger'), claims: join(dir, 'bob.claims'), watchIntervalMs: 1_000 }, issues: [] })
    expect(check({ ...section, deposit: '0', topUp: 1 })).toEqual({
      config: undefined,
      issues: [
        { path: 'peers[0].settlement.topUp', message: expect.stringMatching(/^unknown field/) },
        { path: 'peers[0].settlement.deposit', message: expect.stringMatching(/^must be an integer amount from 1/) },
        { path: 'peers[0].settlement.settleDelayMs', message: 'is needed with deposit' }
      ]
    })
  })

  it('opens each peer over its carrier, shares the ledger file of a node and closes it once, keeps each peer\'s claims apart in one file', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sqlite-plugin-'))
    const time = clock()
    const ledgerFile = join(dir, 'usd.ledger')
    const setup = SqliteLedger.create(ledgerFile, { asset: { code: 'USD', scale: 2 }, now: time.now })
    for (const id of ['alice', 'bob', 'carol']) await setup.createAccount(id)
    for (const id of ['alice', 'carol']) await setup.mint({ account: id, amount: 10_000n })
    setup.close()

    const made: string[] = []
    const closed: string[] = []
    const counting = (shared: SharedResources): SharedResources => ({
      use: (key, make, close) => shared.use(key, () => (made.push(key), make()), close && ((resource) => (closed.push(key), close(resource))))
    })
    const pools = { bob: new SharedResourcePool(), alice: new SharedResourcePool(), carol: new SharedResourcePool() }
    const open = async (node: keyof typeof pools, peerId: string, carrier: SettlementComponents['carrier'], section: ConfigObject) => {
      const { config, issues } = check({ kind: 'sqlite', ledger: 'usd.ledger', account: node, peerAccount: peerId, claims: `${node}.claims`, ...section })
      expect(issues).toEqual([])
      const shared = node === 'bob' ? counting(pools.bob.scope('sqlite')) : pools[node].scope('sqlite')
      return sqliteSettlement.open(config as SqliteSettlementConfig, { peerId, carrier, now: time.now, logger: { info: () => {}, warn: () => {} }, shared })
    }
    const [aliceSide, bobFromAlice] = createCarrierPair()
    const [carolSide, bobFromCarol] = createCarrierPair()
    const payer = { deposit: '1000', settleDelayMs: 60_000 }
    const alice = await open('alice', 'bob', aliceSide, payer)
    const carol = await open('carol', 'bob', carolSide, payer)
    const bobAlice = await open('bob', 'alice', bobFromAlice, {})
    const bobCarol = await open('bob', 'carol', bobFromCarol, {})
    const credited: Record<string, bigint> = { alice: 0n, carol: 0n }
    const credit = (peer: string) => (value: IncomingValue) => void (credited[peer] = (credited[peer] ?? 0n) + value.amount)
    bobAlice.channel.setValueHandler(credit('alice'))
    bobCarol.channel.setValueHandler(credit('carol'))

    await alice.channel.sendValue(300n)
    await carol.channel.sendValue(200n)
    await alice.channel.sendValue(50n)
    expect(credited).toEqual({ alice: 350n, carol: 200n })
    expect(alice.summary()).toMatchObject({ outgoing: { sent: 350n } })
    expect(bobAlice.summary()).toMatchObject({ incoming: [{ best: 350n }] })
    expect(bobCarol.summary()).toMatchObject({ incoming: [{ best: 200n }] })
    expect(made).toEqual([`ledger:${ledgerFile}`])

    // Bob's node closes: each channel redeems what it holds, then the shared ledger closes.
    for (const settlement of [bobCarol, bobAlice, alice, carol]) await settlement.close()
    for (const pool of Object.values(pools)) await pool.close((key, error) => { throw new Error(`${key}: ${String(error)}`) })
    expect(closed).toEqual([...made].reverse())

    const ledger = SqliteLedger.open(ledgerFile, { now: time.now })
    try {
      // Both sides agree: what the payers sent is what bob was credited and what the ledger gave him.
      expect(await ledger.getBalance('bob')).toBe(550n)
      expect(await ledger.getBalance('alice')).toBe(9_000n)
      expect(await ledger.getBalance('carol')).toBe(9_000n)
      expect(ledger.audit().ok).toBe(true)
    } finally {
      ledger.close()
    }
  })
})
