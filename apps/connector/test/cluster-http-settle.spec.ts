import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HttpLink, IlpHttpServer } from '@stack/channel-http'
import { startPostgres, type DbServer } from '@stack/db-servers'
import { IlpPacketType } from '@stack/ilp-core'
import { SqliteLedger } from '@stack/ledger-sqlite'
import { startHaproxy, type LoadBalancer } from '@stack/load-balancer'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ConnectorNode } from '../src/node.js'
import { freePort, host, hostOn, intents, node, token, waitFor, type Host } from './harness.js'
import { audited, sqliteLedger, startCarol, USD2 } from './http-peer-fixture.js'

// Three instances of test.node behind haproxy, and carol (test.carol), an ILP-over-HTTP peer
// the node pays with claims on a sqlite payment channel, and that pays the node the same way.
// carol is attached to instance a, her owner: only a opens her channel, and pays on it only
// under her settlement lock in the store. Her claims land on any instance through the balancer;
// b and c relay them to a. alice (HTTP, through the balancer) sends to dave, carol's child.

const MINTED = 1_000_000n
const DEPOSIT = 100_000n
const ids = ['a', 'b', 'c'] as const
const cleanups: (() => Promise<unknown>)[] = []
const secrets = { carolIn: token(), carolOut: token(), aliceIn: token(), aliceOut: token(), dave: token(), cluster: token() + token() }
const shared = intents()
const instances = new Map<string, ConnectorNode>()
const configs = new Map<string, Record<string, unknown>>()
let dir: string
let ledgerFile: string
let store: DbServer
let lb: LoadBalancer
let carol: ConnectorNode
let dave: Host
let alice: Host

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cluster-http-settle-'))
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }))
  ledgerFile = join(dir, 'usd.ledger')
  await sqliteLedger(ledgerFile, { node: MINTED, carol: MINTED })
  store = await startPostgres()
  cleanups.push(() => store.stop())
  const lbPort = await freePort()
  carol = await startCarol({
    dir, ledgerFile, lbPort, tokens: secrets,
    node: { minBalance: '-1000000', settleThreshold: '500', settleTo: '0' },
    settlement: { deposit: DEPOSIT.toString(), settleDelayMs: 86_400_000 },
    routes: [{ prefix: 'test.node', peer: 'node' }],
  })
  cleanups.push(() => carol.stop())
  const aliceServer = new IlpHttpServer({ accounts: { node: secrets.aliceOut } })
  await aliceServer.listen()
  cleanups.push(() => aliceServer.close())

  const internal = Object.fromEntries(await Promise.all(ids.map(async (id) => [id, `http://127.0.0.1:${await freePort()}`])))
  const httpPorts = new Map<string, number>()
  for (const id of ids) {
    httpPorts.set(id, await freePort())
    configs.set(id, {
      address: 'test.node',
      asset: USD2,
      listen: { http: { port: httpPorts.get(id) } },
      balances: { store: 'postgres', url: store.url },
      peers: [
        {
          id: 'carol', relation: 'peer', sendRoutes: false, receiveRoutes: false,
          http: { url: `http://127.0.0.1:${carol.ports.http}/ilp`, token: secrets.carolIn, incomingToken: secrets.carolOut },
          minBalance: '-1000000', settleThreshold: '1000', settleTo: '0',
          // One claim store: only a opens it (b and c have no channel of carol's).
          settlement: { kind: 'sqlite', ledger: ledgerFile, account: 'node', peerAccount: 'carol', claims: join(dir, 'node.claims'), deposit: DEPOSIT.toString(), settleDelayMs: 86_400_000, watchIntervalMs: 50 },
        },
        { id: 'alice', relation: 'child', http: { url: aliceServer.url, token: secrets.aliceOut, incomingToken: secrets.aliceIn }, minBalance: '-1000000' },
      ],
      routes: [{ prefix: 'test.carol', peer: 'carol' }],
      cluster: { instance: id, token: secrets.cluster, instances: internal, attach: { carol: 'a' }, settleIntervalMs: 100 },
    })
    await start(id)
  }
  lb = await startHaproxy({ port: lbPort, backends: ids.map((id) => ({ name: id, port: httpPorts.get(id) as number })) })
  cleanups.push(() => lb.stop())
  await lb.whenUp()
  dave = await host(`btp+ws://dave:${secrets.dave}@127.0.0.1:${carol.ports.btp}`, shared)
  cleanups.push(() => dave.close())
  const link = new HttpLink({ url: `${lb.url}/ilp`, token: secrets.aliceIn })
  aliceServer.attach('node', link)
  alice = await hostOn(link, shared)
  cleanups.push(() => alice.close())
}, 120_000)

afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
})

async function start(id: string): Promise<void> {
  const instance = await node(configs.get(id) as Record<string, unknown>)
  instances.set(id, instance)
  cleanups.push(() => instance.stop())
}

function instance(id: string): ConnectorNode {
  return instances.get(id) as ConnectorNode
}

/** What each instance paid carol, and was paid by her, on the channel. */
function settled(id: string): { sent: bigint; received: bigint } {
  const s = instance(id).connector.counters().settlement
  return { sent: s.sentAmount, received: s.receivedAmount }
}

async function ledgerBalances(): Promise<{ node: bigint; carol: bigint; channels: { sender: string; deposit: bigint; claimed: bigint }[]; ok: boolean }> {
  const ledger = SqliteLedger.open(ledgerFile)
  try {
    const channels = (await ledger.listChannels()).map((c) => ({ sender: c.sender, deposit: c.deposit, claimed: c.claimed }))
    return { node: await ledger.getBalance('node'), carol: await ledger.getBalance('carol'), channels, ok: ledger.audit().ok }
  } finally {
    ledger.close()
  }
}

async function pay(from: Host, destination: string, n: number, amount: bigint): Promise<void> {
  for (let i = 0; i < n; i++) expect((await from.pay(destination, amount, 'fulfill')).type).toBe(IlpPacketType.Fulfill)
}

/** What a paid carol and was paid by her before its restart (its counters start again). */
const earlierA = { sent: 0n, received: 0n }

/**
 * Both sides' books and the store's journal square: what the node owes carol in the store is the
 * negative of carol's book of the node, each side received on the channel what the other sent,
 * and alice's book is what she sent less what she received.
 */
async function expectBooksSquare(aliceNet: bigint): Promise<bigint> {
  const audit = await audited(store.url)
  const owed = audit.carol?.balance ?? 0n
  expect(audit.carol?.journalSum).toBe(owed)
  expect(carol.connector.balance('node').balance).toBe(-owed)
  expect(carol.connector.counters().settlement.receivedAmount).toBe(earlierA.sent + settled('a').sent)
  expect(earlierA.received + settled('a').received).toBe(carol.connector.counters().settlement.sentAmount)
  expect(audit.alice).toEqual({ balance: aliceNet, journalSum: aliceNet })
  return owed
}

describe('an HTTP peer with a payment channel, in a cluster', () => {
  it('is paid by its owner only, under the lock, for packets every instance committed', async () => {
    await pay(alice, 'test.carol.dave', 12, 100n)
    // Round robin: every instance forwarded some of them to carol.
    for (const id of ids) expect(instance(id).connector.counters().outgoing.carol?.fulfilled).toBeGreaterThan(0)
    // Due at 1 000 (settleThreshold): a pays what is owed when it looks.
    await waitFor(() => settled('a').sent >= 1_000n, 20_000, 'a to pay carol')
    await waitFor(() => carol.connector.counters().settlement.receivedAmount === settled('a').sent, 10_000, 'carol to take the claim')
    for (const id of ['b', 'c']) {
      expect(settled(id).sent).toBe(0n)
      expect(instance(id).settlements.summary().carol).toBeUndefined() // no channel of hers there
    }
    expect(instance('a').settlements.summary().carol).toMatchObject({ kind: 'sqlite' })
    expect(carol.connector.balance('dave').balance).toBe(1_200n)
    const owed = await expectBooksSquare(-1_200n)
    expect(owed + settled('a').sent).toBe(1_200n)
  }, 60_000)

  it('takes carol\'s claims on any instance: the owner credits them', async () => {
    // All of carol's requests land on b or c: her claims reach a only relayed.
    await lb.setBackendState('a', 'maint')
    try {
      await pay(dave, 'test.node.alice', 10, 100n)
      // Net of what the node owed her, past 500 (her settleThreshold): she pays, and a credits it.
      await waitFor(() => carol.connector.counters().settlement.sentAmount >= 500n, 20_000, 'carol to pay the node')
      await waitFor(() => settled('a').received === carol.connector.counters().settlement.sentAmount, 10_000, 'a to credit carol\'s claim')
    } finally {
      await lb.setBackendState('a', 'ready')
    }
    for (const id of ['b', 'c']) expect(settled(id).received).toBe(0n)
    await expectBooksSquare(-200n)
  }, 60_000)

  it('is not paid while its owner is down, and is paid once, by the owner, when it is back', async () => {
    const before = await expectBooksSquare(-200n)
    await lb.setBackendState('a', 'maint')
    Object.assign(earlierA, settled('a'))
    const carolSent = carol.connector.counters().settlement.sentAmount
    await instance('a').kill()
    await pay(alice, 'test.carol.dave', 15, 100n) // through b and c: 1 500 more owed, past the threshold
    expect((await audited(store.url)).carol).toEqual({ balance: before + 1_500n, journalSum: before + 1_500n })
    // Nobody else pays her: the owner is the only one with her channel.
    for (const id of ['b', 'c']) expect(settled(id).sent).toBe(0n)
    expect(carol.connector.counters().settlement.receivedAmount).toBe(earlierA.sent)

    await start('a')
    await lb.setBackendState('a', 'ready')
    await waitFor(() => settled('a').sent === before + 1_500n, 30_000, 'the owner, back, to pay carol all that is owed')
    await waitFor(() => carol.connector.counters().settlement.receivedAmount === earlierA.sent + before + 1_500n, 10_000, 'carol to take it')
    // Paid once: the store's book, carol's, the channel's claim and the ledger square to the unit.
    expect(await expectBooksSquare(-1_700n)).toBe(0n)
    expect(carol.connector.counters().settlement.sentAmount).toBe(carolSent)
    expect(carol.connector.balance('dave').balance).toBe(1_700n)
    const ledger = await ledgerBalances()
    expect(ledger.ok).toBe(true)
    expect(ledger.channels.map((c) => c.sender).sort()).toEqual(['carol', 'node']) // one each way: the node's opened once, by a
    // What the ledger holds is what was minted; a claim redeemed (a redeems carol's as it stops) is at most its best.
    expect(ledger.node + ledger.carol + ledger.channels.reduce((sum, c) => sum + c.deposit - c.claimed, 0n)).toBe(2n * MINTED)
    expect(ledger.channels.find((c) => c.sender === 'node')?.claimed).toBeLessThanOrEqual(2_700n)
    expect(ledger.channels.find((c) => c.sender === 'carol')?.claimed).toBeLessThanOrEqual(carolSent)
  }, 90_000)
})
