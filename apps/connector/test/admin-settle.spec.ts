import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { IlpPacketType } from '@stack/ilp-core'
import { SqliteLedger } from '@stack/ledger-sqlite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { validateConfig } from '../src/config.js'
import { createLogger } from '../src/logger.js'
import { startNode, type ConnectorNode } from '../src/node.js'
import { adminClient, eventStream } from './admin-api.js'
import { FAST_CCP, host, intents, node, stopAll, token, waitFor, type Host } from './harness.js'

const USD2 = { code: 'USD', scale: 2 }
const MINTED = 1_000_000n
const DAY_MS = 86_400_000
const ADMIN_TOKEN = 'settle-now-token-0123456789'

// sender — A —BTP— B — receiver, A paying B with claims on one embedded ledger file; A's
// threshold is far away, so only the operator's "settle now" moves value.
describe('a peer with a payment channel added at run time, and POST /peers/<id>/settle: settle now, books checked on both sides and on the ledger', () => {
  let dir: string
  let ledgerFile: string
  let a: ConnectorNode | undefined
  let b: ConnectorNode | undefined
  let sender: Host | undefined
  let receiver: Host | undefined
  const api = adminClient(() => `http://127.0.0.1:${a?.ports.admin}`, ADMIN_TOKEN)

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'connector-settle-now-'))
    ledgerFile = join(dir, 'usd.ledger')
    const ledger = SqliteLedger.create(ledgerFile, { asset: USD2 })
    await ledger.createAccount('conn-a')
    await ledger.createAccount('conn-b')
    await ledger.mint({ account: 'conn-a', amount: MINTED })
    ledger.close()
    const tokens = { sender: token(), b: token(), receiver: token() }
    // A starts without B: B, its payment channel and the route to it come through the admin API,
    // the channel's files named relative to A's configuration directory, as in its file.
    const raw = {
      address: 'test.a',
      asset: USD2,
      listen: { btp: { port: 0 } },
      admin: { port: 0, token: ADMIN_TOKEN },
      peers: [{ id: 'sender', relation: 'child', btp: { token: tokens.sender } }],
      ccp: FAST_CCP,
      balances: { store: 'memory' },
    }
    a = await startNode(validateConfig(raw, { configDir: dir }), { logger: createLogger('silent'), configDir: dir })
    const added = await api('POST', '/peers', {
      body: {
        id: 'b', relation: 'peer', btp: { token: tokens.b }, settleThreshold: '100000', settleTo: '0',
        settlement: { kind: 'sqlite', ledger: 'usd.ledger', account: 'conn-a', peerAccount: 'conn-b', claims: 'a.claims', deposit: '100000', settleDelayMs: DAY_MS, watchIntervalMs: 50 },
      },
    })
    expect(added.status).toBe(201)
    expect(existsSync(join(dir, 'a.claims'))).toBe(true)
    expect((await api('POST', '/routes', { body: { prefix: 'test.b', peer: 'b' } })).status).toBe(201)
    b = await node({
      address: 'test.b',
      asset: USD2,
      listen: { btp: { port: 0 } },
      peers: [
        {
          id: 'a', relation: 'peer', btp: { url: `btp+ws://b:${tokens.b}@127.0.0.1:${a.ports.btp}` },
          settlement: { kind: 'sqlite', ledger: ledgerFile, account: 'conn-b', peerAccount: 'conn-a', claims: join(dir, 'b.claims'), watchIntervalMs: 50, idleRedeemMs: 200 },
        },
        { id: 'receiver', relation: 'child', btp: { token: tokens.receiver } },
      ],
    })
    await a.whenConnected(5_000, ['b'])
    await b.whenConnected(5_000, ['a'])
    const shared = intents()
    sender = await host(`btp+ws://sender:${tokens.sender}@127.0.0.1:${a.ports.btp}`, shared)
    receiver = await host(`btp+ws://receiver:${tokens.receiver}@127.0.0.1:${b.ports.btp}`, shared)
  })

  afterAll(async () => {
    await stopAll(sender, receiver, a, b)
    rmSync(dir, { recursive: true, force: true })
  })

  it('pays what A owes B at once, both books go to zero, the ledger moves the same amount', async () => {
    for (let i = 0; i < 3; i++) expect((await sender?.pay('test.b.receiver', 250n, 'fulfill'))?.type).toBe(IlpPacketType.Fulfill)
    // Both sides of the hop agree: A owes B 7.50 (RFC 0032: additive inverses).
    expect(a?.connector.balances().b?.balance).toBe(750n)
    expect(b?.connector.balances().a?.balance).toBe(-750n)
    expect(a?.connector.counters().settlement.sent).toBe(0)

    const stream = await eventStream(`http://127.0.0.1:${a?.ports.admin}/events`, ADMIN_TOKEN)
    const res = await api('POST', '/peers/b/settle')
    expect(res).toEqual({ status: 200, body: { amount: '750', balance: '0' } })
    await waitFor(() => b?.connector.balances().a?.balance === 0n, 5_000, 'B to credit the claim')
    expect(a?.connector.balances().b?.balance).toBe(0n)
    expect(b?.connector.counters().settlement).toMatchObject({ received: 1, receivedAmount: 750n })
    await waitFor(() => stream.events.some((e) => e.event === 'settlement'), 3_000, 'the settlement event')
    expect(stream.events.find((e) => e.event === 'settlement')?.data).toEqual({ type: 'settlement', peer: 'b', direction: 'sent', amount: '750', outcome: 'ok' })
    expect(stream.events.find((e) => e.event === 'balance')?.data).toEqual({ type: 'balance', peer: 'b', delta: '-750', balance: '0', cause: 'settlement' })
    stream.close()

    // Nothing owed now: settling again pays nothing.
    expect((await api('POST', '/peers/b/settle')).body).toEqual({ amount: '0', balance: '0' })

    const ledger = SqliteLedger.open(ledgerFile)
    try {
      await expect.poll(() => ledger.getBalance('conn-b'), { timeout: 5_000, interval: 50 }).toBe(750n)
      expect(await ledger.getBalance('conn-a')).toBe(MINTED - 100_000n)
      expect(ledger.audit().ok).toBe(true)
    } finally {
      ledger.close()
    }
    expect(receiver?.delivered.reduce((sum, amount) => sum + amount, 0n)).toBe(750n)
  })

  it('GET /peers/<id>/channel: the channel as the ledger holds it, on both sides (deposit, the latest claim, redeemed)', async () => {
    const channelId = a?.settlements.summary().b?.outgoing
    expect(channelId).toMatchObject({ sent: 750n })
    const id = (channelId as { channelId: string }).channelId
    // B redeems its best claim once idle (idleRedeemMs): A's view of its own channel shows it.
    await expect.poll(async () => (await api('GET', '/peers/b/channel')).body.channels?.[0]?.ledger?.redeemed, { timeout: 10_000, interval: 50 }).toBe('750')
    expect((await api('GET', '/peers/b/channel')).body).toMatchObject({
      kind: 'sqlite',
      outgoing: { channelId: id, sent: '750' },
      channels: [{ direction: 'outgoing', channelId: id, claimed: '750', ledger: { deposit: '100000', redeemed: '750', status: 'open' } }],
    })
    expect(await b?.settlements.channelState('a')).toMatchObject({ kind: 'sqlite', channels: [{ direction: 'incoming', channelId: id, claimed: 750n, ledger: { deposit: 100_000n, redeemed: 750n, status: 'open' } }] })
    expect((await api('GET', '/peers/sender/channel')).status).toBe(404)
  })
})
