import type { BtpClient } from '@stack/channel-btp'
import { HttpLink, IlpHttpServer } from '@stack/channel-http'
import { IlpPacketType } from '@stack/ilp-core'
import { startPostgres, type DbServer } from '@stack/db-servers'
import { startHaproxy, type LoadBalancer } from '@stack/load-balancer'
import { afterEach, describe, expect, it } from 'vitest'
import { validateConfig, type ClusterConfig } from '../src/config.js'
import { createLogger } from '../src/logger.js'
import { startNode, type ConnectorNode } from '../src/node.js'
import { FAST_CCP, freePort, host, hostOn, intents, node, token, type Host } from './harness.js'

// Two instances of one node behind haproxy: alice (ILP over HTTP) reaches the node through the
// load balancer, so her packets land on either instance; bob (BTP) is attached to instance a.
// Instance b reaches bob over the internal link (cluster.ts). Each instance here keeps its
// books in memory — the shared store is another test's — so the books square over the two.

const cleanups: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
})

interface Cluster {
  a: ConnectorNode
  b: ConnectorNode
  lb: LoadBalancer
  alice: Host
  bob: Host
  aliceReceived: bigint[]
}

async function cluster(options: { bob?: 'host' | 'node'; store?: DbServer; bobSettles?: boolean } = {}): Promise<Cluster & { bobUrl: string; aliceAt: (instance: ConnectorNode) => Promise<Host> }> {
  const secrets = { bob: token(), aliceIn: token(), aliceOut: token(), cluster: token() + token() }
  // alice's own endpoint: the node POSTs what it forwards to her here.
  const aliceServer = new IlpHttpServer({ accounts: { node: secrets.aliceOut } })
  await aliceServer.listen()
  cleanups.push(() => aliceServer.close())
  const internal = { a: await freePort(), b: await freePort() }
  const clusterSection: ClusterConfig = {
    instance: 'a',
    token: secrets.cluster,
    instances: { a: `http://127.0.0.1:${internal.a}`, b: `http://127.0.0.1:${internal.b}` },
    attach: { bob: 'a' },
    settleIntervalMs: 100,
    routesIntervalMs: 100,
  }
  const start = async (instance: 'a' | 'b'): Promise<ConnectorNode> => {
    const config = validateConfig({
      address: 'test.node',
      asset: { code: 'USD', scale: 2 },
      listen: { btp: { port: 0 }, http: { port: 0 } },
      balances: options.store === undefined ? { store: 'memory' } : { store: 'postgres', url: options.store.url },
      ccp: FAST_CCP,
      packets: { minMessageWindowMs: 200, maxHoldTimeMs: 10_000 },
      shutdownTimeoutMs: 5_000,
      peers: [
        {
          id: 'bob',
          relation: options.bob === 'node' ? 'peer' : 'child',
          btp: { token: secrets.bob },
          ...(options.bobSettles === true ? { settlement: { kind: 'trusted-transfer' }, settleThreshold: '100', settleTo: '0' } : {}),
        },
        { id: 'alice', relation: 'child', http: { url: aliceServer.url, token: secrets.aliceOut, incomingToken: secrets.aliceIn }, minBalance: '-100000' },
      ],
    })
    // Without a store: in memory, which validation refuses for a cluster (these tests are about the links).
    const node = await startNode({ ...config, cluster: { ...clusterSection, instance } }, { logger: createLogger((process.env.LOG_LEVEL as 'info' | undefined) ?? 'silent') })
    cleanups.push(() => node.stop())
    return node
  }
  const a = await start('a')
  const b = await start('b')
  const lb = await startHaproxy({ backends: [{ name: 'a', port: a.ports.http as number }, { name: 'b', port: b.ports.http as number }] })
  cleanups.push(() => lb.stop())
  await lb.whenUp()

  const shared = intents()
  const bobUrl = `btp+ws://bob:${secrets.bob}@127.0.0.1:${a.ports.btp}`
  const bob = options.bob === 'node' ? undefined : await host(bobUrl, shared)
  if (bob !== undefined) cleanups.push(() => bob.close())
  const aliceAt = async (url: string): Promise<Host> => {
    const link = new HttpLink({ url, token: secrets.aliceIn })
    aliceServer.attach('node', link)
    const h = await hostOn(link, shared)
    cleanups.push(() => h.close())
    return h
  }
  const alice = await aliceAt(`${lb.url}/ilp`)
  const aliceReceived = alice.delivered
  if (bob !== undefined) {
    await a.whenConnected(10_000)
    await b.whenConnected(10_000)
  }
  return { a, b, lb, alice, bob: bob as Host, aliceReceived, bobUrl, aliceAt: (instance) => aliceAt(`http://127.0.0.1:${instance.ports.http}/ilp`) }
}

/** Committed balance of `peer` over both instances' books. */
function booked(c: Cluster, peer: string): bigint {
  return c.a.connector.balance(peer).balance + c.b.connector.balance(peer).balance
}

describe('a cluster of two instances', () => {
  it('takes alice\'s packets on either instance and reaches bob from both', async () => {
    const c = await cluster()
    const n = 12
    for (let i = 0; i < n; i++) expect((await c.alice.pay('test.node.bob', 100n, 'fulfill')).type).toBe(IlpPacketType.Fulfill)
    expect(c.bob.delivered).toEqual(Array(n).fill(100n))
    // Round robin: each instance took some of alice's packets, and b's went to bob through a.
    const from = (node: ConnectorNode): number => node.connector.counters().incoming.alice?.fulfilled ?? 0
    expect(from(c.a)).toBeGreaterThan(0)
    expect(from(c.b)).toBeGreaterThan(0)
    expect(from(c.a) + from(c.b)).toBe(n)
    expect(c.b.connector.counters().outgoing.bob?.fulfilled).toBe(from(c.b))
    // Booked once each, by the instance that took the packet: alice owes what bob is owed.
    expect(booked(c, 'alice')).toBe(-100n * BigInt(n))
    expect(booked(c, 'bob')).toBe(100n * BigInt(n))

    // Back: bob's packets come in at a, which POSTs to alice itself.
    for (let i = 0; i < 3; i++) expect((await c.bob.pay('test.node.alice', 50n, 'fulfill')).type).toBe(IlpPacketType.Fulfill)
    expect(c.aliceReceived).toEqual([50n, 50n, 50n])
    expect(booked(c, 'bob')).toBe(100n * BigInt(n) - 150n)
    expect(booked(c, 'alice')).toBe(-100n * BigInt(n) + 150n)
  })

  it('settles bob from a only, for packets either instance committed, under the lock in the store', async () => {
    const store = await startPostgres()
    cleanups.push(() => store.stop())
    const c = await cluster({ store, bobSettles: true })
    const paid: bigint[] = []
    ;(c.bob.link as BtpClient).setValueHandler(({ amount }) => void paid.push(amount))
    for (let i = 0; i < 11; i++) expect((await c.alice.pay('test.node.bob', 100n, 'fulfill')).type).toBe(IlpPacketType.Fulfill)
    // The last one through b: only a's look at the shared balance can see that it is due.
    expect((await (await c.aliceAt(c.b)).pay('test.node.bob', 100n, 'fulfill')).type).toBe(IlpPacketType.Fulfill)
    const settled = (node: ConnectorNode): bigint => node.connector.counters().settlement.sentAmount
    // b committed some of the packets to bob; a, which holds bob's channel, paid for them too.
    expect(c.b.connector.counters().outgoing.bob?.fulfilled).toBeGreaterThan(0)
    await waitUntil(async () => settled(c.a) === 1200n)
    expect(paid.reduce((x, y) => x + y, 0n)).toBe(1200n)
    expect(settled(c.b)).toBe(0n)
    // The shared book: bob is owed nothing more, alice owes the 12 packets.
    await waitUntil(async () => c.b.connector.balance('bob').balance === 0n && c.b.connector.balance('alice').balance === -1200n)
  })

  it('refuses the internal listener to anyone without the cluster token', async () => {
    const c = await cluster()
    const url = `http://127.0.0.1:${c.a.ports.cluster}/ilp`
    const post = (auth: string, body: Uint8Array): Promise<Response> =>
      fetch(url, { method: 'POST', headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/octet-stream' }, body })
    expect((await post('guess', new Uint8Array([12, 0]))).status).toBe(401)
    expect(c.bob.seen).toEqual([])
  })

  it('shares the routes CCP taught the instance holding bob with the other', async () => {
    const c = await cluster({ bob: 'node' })
    // bob is a connector of its own, test.bobnet, a CCP peer of the node; only a speaks CCP with it.
    const bob = await node({ address: 'test.bobnet', asset: { code: 'USD', scale: 2 }, peers: [{ id: 'node', relation: 'peer', btp: { url: c.bobUrl } }] })
    cleanups.push(() => bob.stop())
    const viaB = await c.aliceAt(c.b)
    // Through b: without the route b would refuse it itself; with it, bob's node answers (it has no test.bobnet.x).
    const triggeredBy = async (): Promise<string> => {
      const reply = await viaB.pay('test.bobnet.x', 10n, 'fulfill')
      return reply.type === IlpPacketType.Reject ? reply.triggeredBy : 'fulfilled'
    }
    await waitUntil(async () => (await triggeredBy()) === 'test.bobnet')
    // bob goes: a withdraws its routes, and b drops them at its next question.
    await bob.stop()
    await waitUntil(async () => (await triggeredBy()) === 'test.node')
  })

  it('rejects, and books nothing, while the instance holding bob is down', async () => {
    const c = await cluster()
    await c.lb.setBackendState('a', 'maint') // alice's packets all land on b
    await c.a.kill()
    const reply = await c.alice.pay('test.node.bob', 100n, 'fulfill')
    expect(reply.type).toBe(IlpPacketType.Reject)
    expect(c.bob.delivered).toEqual([])
    expect(booked(c, 'alice')).toBe(0n)
    expect(booked(c, 'bob')).toBe(0n)
    const b = c.b.connector.balance('bob')
    expect(b.pendingCredit).toBe(0n)
  })
})

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
