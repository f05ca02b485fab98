import { createRequire } from 'node:module'
import { BtpAuthError, BtpClient } from '@stack/channel-btp'
import { linkFromPlugin, type PluginV2 } from '@stack/channel-core'
import { ildcpFetch, IlpPacketType, sendOverLink, type IlpReject } from '@stack/ilp-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { InvalidConfigError, validateConfig } from '../src/config.js'
import { settlementFor } from '../src/local-mode.js'
import type { ConnectorNode } from '../src/node.js'
import { capturingLogger, host, hostOn, intents, node, stopAll, token, waitFor, type Host } from './harness.js'

// Local mode (config `local`): BTP clients nobody configured get child accounts on connect,
// with the section's limits, as moneyd local gives them.
describe('local mode', () => {
  let a: ConnectorNode
  let url: (user: string, secret: string) => string
  const hosts: Host[] = []

  beforeAll(async () => {
    a = await node({
      address: 'test.local',
      asset: { code: 'USD', scale: 2 },
      listen: { btp: { port: 0 } },
      peers: [{ id: 'bob', relation: 'child', btp: { token: token() } }],
      local: { minBalance: '-1000', maxPacketAmount: '600' },
      balances: { store: 'memory' },
    })
    url = (user, secret) => `btp+ws://${user}:${secret}@127.0.0.1:${a.ports.btp}`
  })

  afterAll(() => stopAll(...hosts, a))

  it('gives a client an account on connect: ILDCP address under the node, its limits, books on both sides', async () => {
    const shared = intents()
    const alice = await host(url('alice', 'a-secret'), shared)
    const carol = await host(url('carol', 'c-secret'), shared)
    hosts.push(alice, carol)
    const info = await ildcpFetch(sendOverLink(alice.link, { triggeredBy: '', peer: 'connector' }))
    expect(info).toMatchObject({ clientAddress: 'test.local.alice', assetCode: 'USD', assetScale: 2 })
    expect(a.peers().map((p) => `${p.id}:${p.relation}:${p.transport}:${p.state}`)).toEqual(
      expect.arrayContaining(['alice:child:btp-server:connected', 'carol:child:btp-server:connected']),
    )

    expect((await alice.pay('test.local.carol', 500n, 'fulfill')).type).toBe(IlpPacketType.Fulfill)
    const tooBig = (await alice.pay('test.local.carol', 700n, 'fulfill')) as IlpReject
    expect(tooBig.code).toBe('F08')
    // 500 of 1000 credit used: 600 more would pass the limit, and the T04 names it.
    const overLimit = (await alice.pay('test.local.carol', 600n, 'fulfill')) as IlpReject
    expect(overLimit.code).toBe('T04')
    expect(overLimit.message).toContain('credit limit of 10.00 USD reached for peer alice (balance -5.00 USD, this packet 6.00 USD)')
    expect(carol.delivered).toEqual([500n])
    const books = a.connector.balances()
    expect(books.alice?.balance).toBe(-500n)
    expect(books.carol?.balance).toBe(500n)
  })

  it('an empty username is an account named by its token; a claimed name refuses another token; a configured name is not local', async () => {
    const anonymous = new BtpClient({ url: url('', 'moneyd-style'), reconnect: false })
    await anonymous.connect()
    const info = await ildcpFetch(sendOverLink(anonymous, { triggeredBy: '', peer: 'connector' }))
    expect(info.clientAddress).toMatch(/^test\.local\.local-[0-9a-f]{16}$/)
    await anonymous.close()

    for (const [user, secret] of [['alice', 'not-alices'], ['bob', 'any']] as const) {
      const client = new BtpClient({ url: url(user, secret), reconnect: false })
      await expect(client.connect()).rejects.toBeInstanceOf(BtpAuthError)
      await client.close()
    }
  })

  it('serves an interledgerjs client (ilp-plugin-btp 1.5.0, no username, as moneyd clients dial) with no configuration of its own', async () => {
    const PluginBtp = createRequire(import.meta.url)('ilp-plugin-btp') as new (opts: Record<string, unknown>) => PluginV2
    const plugin = new PluginBtp({ server: `btp+ws://:js-secret@127.0.0.1:${a.ports.btp}`, responseTimeout: 5_000 })
    const link = linkFromPlugin(plugin)
    const shared = intents()
    const js = await hostOn(link, shared)
    const carol = await host(url('carol2', 'c2'), shared)
    hosts.push(js, carol)
    const info = await ildcpFetch(sendOverLink(link, { triggeredBy: '', peer: 'connector' }))
    const id = info.clientAddress.slice('test.local.'.length)
    expect(id).toMatch(/^local-[0-9a-f]{16}$/)
    expect((await js.pay('test.local.carol2', 300n, 'fulfill')).type).toBe(IlpPacketType.Fulfill)
    expect(carol.delivered).toEqual([300n])
    expect([a.connector.balances()[id]?.balance, a.connector.balances().carol2?.balance]).toEqual([-300n, 300n])
  })

  it('checks local.settlement as a peer\'s: kind sqlite only, without peerAccount (it is each account\'s name)', () => {
    const raw = (settlement: unknown): Record<string, unknown> => ({ address: 'test.x', asset: { code: 'USD', scale: 2 }, listen: { btp: { port: 0 } }, peers: [], local: { settlement } })
    const issues = (settlement: unknown): string[] => {
      try {
        validateConfig(raw(settlement), { configDir: '/srv/node' })
        return []
      } catch (error) {
        return (error as InvalidConfigError).issues.map((issue) => `${issue.path}: ${issue.message}`)
      }
    }
    expect(issues({ kind: 'trusted-transfer' })).toEqual(['local.settlement.kind: must be sqlite (each local account settles on the ledger as the account of its name), got string "trusted-transfer"'])
    expect(issues({ kind: 'sqlite', ledger: 'usd.ledger', account: 'node', peerAccount: 'x', claims: 'local.claims' })).toEqual(["local.settlement.peerAccount: is each local account's name: leave it out"])
    expect(issues({ kind: 'sqlite', ledger: 'usd.ledger', claims: 'local.claims' })).toEqual(['local.settlement.account: must be a non-empty string, got nothing'])
    const config = validateConfig(raw({ kind: 'sqlite', ledger: 'usd.ledger', account: 'node', claims: 'local.claims' }), { configDir: '/srv/node' })
    expect(config.local?.settlement).toMatchObject({ kind: 'sqlite', ledger: '/srv/node/usd.ledger', account: 'node', claims: '/srv/node/local.claims' })
    expect(settlementFor(config.local ?? {}, 'zoe')).toMatchObject({ peerAccount: 'zoe', account: 'node' })
  })

  it('sends a client away whose settlement cannot open (its ledger missing), and logs why', async () => {
    const { logger, lines } = capturingLogger('warn')
    const b = await node({
      address: 'test.nl',
      asset: { code: 'USD', scale: 2 },
      listen: { btp: { port: 0 } },
      peers: [],
      local: { settlement: { kind: 'sqlite', ledger: '/nonexistent/usd.ledger', account: 'node', claims: '/nonexistent/local.claims' } },
      balances: { store: 'memory' },
    }, logger)
    try {
      const client = new BtpClient({ url: `btp+ws://zoe:z@127.0.0.1:${b.ports.btp}`, reconnect: false })
      await client.connect().catch(() => undefined)
      await waitFor(() => lines.some((line) => line.msg === 'local account refused: its settlement could not open'), 10_000, 'the refusal to be logged')
      await waitFor(() => client.state !== 'connected', 10_000, 'the client to be sent away')
      expect(lines.find((line) => line.peer === 'zoe')?.err).toMatch(/LedgerFileError: .*usd\.ledger: does not exist/)
      expect(b.peers().map((p) => p.id)).toEqual([])
      await client.close()
    } finally {
      await b.stop()
    }
  })

  it('is refused in the configuration beyond loopback', () => {
    const raw = { address: 'test.x', asset: { code: 'USD', scale: 2 }, listen: { btp: { host: '0.0.0.0', port: 0 } }, peers: [], local: {} }
    expect(() => validateConfig(raw)).toThrow(InvalidConfigError)
    expect(() => validateConfig(raw)).toThrow(/local: gives an account to anyone who dials, so listen\.btp\.host must be loopback, got "0\.0\.0\.0"/)
  })
})
