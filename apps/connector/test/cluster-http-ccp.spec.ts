import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { HttpLink, IlpHttpServer } from '@stack/channel-http'
import { startPostgres, type DbServer } from '@stack/db-servers'
import {
  CCP_UPDATE_DESTINATION,
  CcpMode,
  decodePrepare,
  decodeReply,
  encodePrepare,
  IlpPacketType,
  readRouteUpdatePrepare,
  routeControlPrepare,
  type IlpReply,
} from '@stack/ilp-core'
import { startHaproxy, type LoadBalancer } from '@stack/load-balancer'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ConnectorNode } from '../src/node.js'
import { freePort, host, hostOn, intents, node, token, waitFor, type Host } from './harness.js'

// Three instances of test.node behind haproxy, and carol, a connector of her own (test.carol),
// an ILP-over-HTTP peer of the node that speaks CCP with it. carol is attached to instance a,
// her owner: a is the node's one CCP speaker to her; her CCP requests land on any instance
// through the balancer, and b and c relay them to a. bob (BTP) is attached to b. Between the
// instances and carol's listener sits a tap that reads every route update they send her.

const ids = ['a', 'b', 'c'] as const
const cleanups: (() => Promise<unknown>)[] = []
let store: DbServer
let lb: LoadBalancer
let carol: ConnectorNode
let dave: Host
let bob: Host
const instances = new Map<string, ConnectorNode>()
const httpPorts = new Map<string, number>()
const secrets = { carolIn: token(), carolOut: token(), aliceIn: token(), aliceOut: token(), bob: token(), dave: token(), cluster: token() + token() }
/** The routing table id and epoch of each route update the node sent carol. */
const updates: { routingTableId: string; fromEpochIndex: number; toEpochIndex: number }[] = []
const shared = intents()
let aliceServer: IlpHttpServer

beforeAll(async () => {
  store = await startPostgres()
  cleanups.push(() => store.stop())
  const lbPort = await freePort()
  carol = await node({
    address: 'test.carol',
    asset: { code: 'USD', scale: 2 },
    listen: { http: { port: 0 }, btp: { port: 0 } },
    balances: { store: 'memory' },
    peers: [
      { id: 'node', relation: 'peer', http: { url: `http://127.0.0.1:${lbPort}/ilp`, token: secrets.carolOut, incomingToken: secrets.carolIn }, minBalance: '-1000000' },
      { id: 'dave', relation: 'child', btp: { token: secrets.dave } },
    ],
  })
  cleanups.push(() => carol.stop())
  const tap = await tapRouteUpdates(`http://127.0.0.1:${carol.ports.http}/ilp`)
  cleanups.push(() => new Promise((resolve) => tap.close(resolve)))
  aliceServer = new IlpHttpServer({ accounts: { node: secrets.aliceOut } })
  await aliceServer.listen()
  cleanups.push(() => aliceServer.close())

  const internal = Object.fromEntries(await Promise.all(ids.map(async (id) => [id, `http://127.0.0.1:${await freePort()}`])))
  for (const id of ids) {
    httpPorts.set(id, await freePort())
    const instance = await node({
      address: 'test.node',
      asset: { code: 'USD', scale: 2 },
      listen: { btp: { port: 0 }, http: { port: httpPorts.get(id) } },
      balances: { store: 'postgres', url: store.url },
      peers: [
        { id: 'carol', relation: 'peer', http: { url: `http://127.0.0.1:${(tap.address() as AddressInfo).port}/ilp`, token: secrets.carolIn, incomingToken: secrets.carolOut }, minBalance: '-1000000' },
        { id: 'alice', relation: 'child', http: { url: aliceServer.url, token: secrets.aliceOut, incomingToken: secrets.aliceIn }, minBalance: '-1000000' },
        { id: 'bob', relation: 'child', btp: { token: secrets.bob } },
      ],
      cluster: { instance: id, token: secrets.cluster, instances: internal, attach: { bob: 'b', carol: 'a' }, routesIntervalMs: 100 },
    })
    instances.set(id, instance)
    cleanups.push(() => instance.stop())
  }
  lb = await startHaproxy({ port: lbPort, backends: ids.map((id) => ({ name: id, port: httpPorts.get(id) as number })) })
  cleanups.push(() => lb.stop())
  await lb.whenUp()
  dave = await host(`btp+ws://dave:${secrets.dave}@127.0.0.1:${carol.ports.btp}`, shared)
  bob = await host(`btp+ws://bob:${secrets.bob}@127.0.0.1:${instance('b').ports.btp}`, shared)
  cleanups.push(() => dave.close(), () => bob.close())
}, 120_000)

afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
})

function instance(id: string): ConnectorNode {
  return instances.get(id) as ConnectorNode
}

async function aliceAt(url: string): Promise<Host> {
  const link = new HttpLink({ url, token: secrets.aliceIn })
  aliceServer.attach('node', link)
  const h = await hostOn(link, shared)
  cleanups.push(() => h.close())
  return h
}

/** Whether `node` routes `prefix` to `peer`. */
function routes(n: ConnectorNode, prefix: string, peer: string): boolean {
  return [...n.ccp.routingTable.routes()].some((r) => r.prefix === prefix && r.nextHop === peer)
}

describe('an HTTP peer that speaks CCP with a cluster', () => {
  it('teaches every instance its routes, and a packet by them succeeds through each instance', async () => {
    // a learned test.carol by CCP; b and c have it from a (cluster-routes.ts).
    await waitFor(() => ids.every((id) => routes(instance(id), 'test.carol', 'carol')), 30_000, 'every instance to route test.carol')
    expect([...instance('a').ccp.routingTable.routes()].find((r) => r.prefix === 'test.carol')?.source).toBe('learned')
    for (const id of ids) {
      const from = await aliceAt(`http://127.0.0.1:${httpPorts.get(id)}/ilp`)
      const before = dave.delivered.length
      expect((await from.pay('test.carol.dave', 100n, 'fulfill')).type).toBe(IlpPacketType.Fulfill)
      expect(dave.delivered.length).toBe(before + 1)
      expect(instance(id).connector.counters().outgoing.carol?.fulfilled).toBeGreaterThan(0)
    }
    // Books: the shared store has each packet once; carol's book of the node the other side of it.
    await waitFor(() => instance('c').connector.balance('carol').balance === 300n, 10_000, 'the shared book of carol')
    expect(carol.connector.balance('node').balance).toBe(-300n)
    expect(carol.connector.balance('dave').balance).toBe(300n)
  }, 60_000)

  it('learns the node\'s routes from its one CCP speaker, whichever instance her requests reach', async () => {
    // carol has no static routes: test.node is what a advertised to her (bob's, at b, included).
    await waitFor(() => routes(carol, 'test.node', 'node'), 30_000, 'carol to learn test.node')
    expect((await dave.pay('test.node.bob', 40n, 'fulfill')).type).toBe(IlpPacketType.Fulfill)
    expect(bob.delivered).toContain(40n)
    // One speaker: every update carol got carries one routing table id, a's, its epochs in order.
    expect(updates.length).toBeGreaterThan(0)
    expect(new Set(updates.map((u) => u.routingTableId)).size).toBe(1)
    const epochs = updates.map((u) => u.toEpochIndex)
    expect(epochs).toEqual([...epochs].sort((x, y) => x - y))
    await waitFor(() => instance('a').connector.balance('carol').balance === 260n && instance('a').connector.balance('bob').balance === 40n, 10_000, 'the shared books')
    expect(carol.connector.balance('node').balance).toBe(-260n)
    expect(carol.connector.balance('dave').balance).toBe(260n)
  }, 60_000)

  it('answers her route control at a non-owner by relaying it to the owner', async () => {
    // Straight to b, not through the balancer: b holds no CCP state of carol's, a does.
    const atB = new HttpLink({ url: `http://127.0.0.1:${httpPorts.get('b')}/ilp`, token: secrets.carolOut })
    cleanups.push(() => atB.close())
    await atB.connect()
    const control = (): Promise<IlpReply> => {
      const prepare = routeControlPrepare({ mode: CcpMode.Sync, lastKnownRoutingTableId: '00000000-0000-0000-0000-000000000000', lastKnownEpoch: 0, features: [] }, new Date(Date.now() + 10_000))
      return atB.request(encodePrepare(prepare)).then(decodeReply)
    }
    const seen = updates.length
    expect((await control()).type).toBe(IlpPacketType.Fulfill)
    // a answered by sending carol its table from epoch 0, with the same id as ever.
    await waitFor(() => updates.slice(seen).some((u) => u.fromEpochIndex === 0 && u.toEpochIndex > 0), 10_000, 'a full table sent to carol')
    expect(new Set(updates.map((u) => u.routingTableId)).size).toBe(1)

    // The owner down: b cannot answer it, and says so (the peer's CCP asks again).
    await instance('a').kill()
    const reply = await control()
    expect(reply.type).toBe(IlpPacketType.Reject)
    expect(reply.type === IlpPacketType.Reject && reply.code).toBe('T01')
  }, 60_000)
})

/** An HTTP proxy to carol's listener that records each route update passing through. */
async function tapRouteUpdates(target: string): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      try {
        const prepare = decodePrepare(body)
        if (prepare.destination === CCP_UPDATE_DESTINATION) {
          const { routingTableId, fromEpochIndex, toEpochIndex } = readRouteUpdatePrepare(prepare)
          updates.push({ routingTableId, fromEpochIndex, toEpochIndex })
        }
      } catch {
        // Not a Prepare: passed on as it is.
      }
      fetch(target, { method: 'POST', headers: { authorization: req.headers.authorization ?? '', 'content-type': 'application/octet-stream' }, body }).then(
        async (answer) => {
          res.writeHead(answer.status, { 'content-type': 'application/octet-stream' })
          res.end(Buffer.from(await answer.arrayBuffer()))
        },
        () => res.writeHead(502).end(),
      )
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return server
}
