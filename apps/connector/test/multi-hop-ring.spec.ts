import { IlpPacketType } from '@stack/ilp-core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ConnectorNode } from '../src/node.js'
import { balances, changes, host, intents, node, pendingHolds, routesConverged, stopAll, token, waitFor, type Host } from './harness.js'

const EUR6 = { code: 'EUR', scale: 6 }
const NAMES = ['a', 'b', 'c', 'd'] as const
type Name = (typeof NAMES)[number]
const RECEIVER = 'test.c.receiver'
const neighbours = (i: number): Name[] => [NAMES[(i + 1) % 4] as Name, NAMES[(i + 3) % 4] as Name]

// A ring of four over real BTP, a—b—c—d—a. The sender hangs off A, the receiver off C: two paths
// of equal length, A—B—C and A—D—C. CCP's path check must keep routes from looping around the ring.
// Each node listens on a port of its own choosing and dials the neighbours started before it
// (so D dials C and A): no port is picked before the node that binds it.
describe('four connectors in a ring over BTP', () => {
  let nodes: Record<Name, ConnectorNode>
  let sender: Host, receiver: Host

  beforeEach(async () => {
    const tokens = Object.fromEntries(NAMES.map((n) => [n, token()])) as Record<Name, string>
    const senderToken = token()
    const receiverToken = token()
    const started: Partial<Record<Name, ConnectorNode>> = {}
    for (const [i, name] of NAMES.entries()) {
      const peers: Record<string, unknown>[] = neighbours(i).map((neighbour) => {
        const listening = started[neighbour]
        // A dialer authenticates as its own name, with its own token.
        return listening === undefined
          ? { id: neighbour, relation: 'peer', btp: { token: tokens[neighbour] } }
          : { id: neighbour, relation: 'peer', btp: { url: `btp+ws://${name}:${tokens[name]}@127.0.0.1:${listening.ports.btp}` } }
      })
      if (name === 'a') peers.push({ id: 'sender', relation: 'child', btp: { token: senderToken } })
      if (name === 'c') peers.push({ id: 'receiver', relation: 'child', btp: { token: receiverToken } })
      started[name] = await node({ address: `test.${name}`, asset: EUR6, listen: { btp: { port: 0 } }, peers })
    }
    nodes = started as Record<Name, ConnectorNode>
    await Promise.all(NAMES.map((n, i) => nodes[n].whenConnected(5_000, neighbours(i))))
    const shared = intents()
    sender = await host(`btp+ws://sender:${senderToken}@127.0.0.1:${nodes.a.ports.btp}`, shared)
    receiver = await host(`btp+ws://receiver:${receiverToken}@127.0.0.1:${nodes.c.ports.btp}`, shared)
    // Not "every node has a route to every other": A first hears of test.c from whichever of B and D
    // is quicker, and B's route, when it comes, wins the tie (routing-table.ts `better`). The tests
    // read the routes in force and rely on them staying so.
    await routesConverged(Object.values(nodes))
  })

  afterEach(async () => {
    await stopAll(sender, receiver, ...NAMES.map((n) => nodes[n]))
  })

  it('learns loop-free shortest routes around the ring', () => {
    for (const n of NAMES) {
      for (const m of NAMES) if (m !== n) expect(nodes[n].ccp.routingTable.get(`test.${m}`), `${n}: test.${m}`).toBeDefined()
      for (const route of nodes[n].ccp.routingTable.routes()) {
        expect(route.path, `${n}: ${route.prefix}`).not.toContain(`test.${n}`)
      }
    }
    expect(nodes.a.ccp.routingTable.get('test.b')).toMatchObject({ nextHop: 'b', path: ['test.b'] })
    expect(nodes.a.ccp.routingTable.get('test.c')?.path).toHaveLength(2)
    expect(nodes.b.ccp.routingTable.get('test.d')?.path).toHaveLength(2)
  })

  it('pays across the ring, and reroutes the other way round when a node on the path dies', async () => {
    const first = nodes.a.ccp.routingTable.get('test.c')!.nextHop as Name
    const other: Name = first === 'b' ? 'd' : 'b'
    const before = balances(nodes)
    expect((await sender.pay(RECEIVER, 1_000n, 'fulfill')).type).toBe(IlpPacketType.Fulfill)

    await nodes[first].kill()
    await waitFor(() => nodes.a.ccp.routingTable.get('test.c')?.nextHop === other, 5_000, `A to route test.c via ${other}`)
    expect((await sender.pay(RECEIVER, 2_000n, 'fulfill')).type).toBe(IlpPacketType.Fulfill)
    expect(receiver.delivered).toEqual([1_000n, 2_000n])

    const delta = changes(before, balances(nodes))
    expect(delta.get('a/sender')).toBe(-3_000n)
    expect(delta.get(`a/${first}`)).toBe(1_000n)
    expect(delta.get(`a/${other}`)).toBe(2_000n)
    expect(delta.get(`${other}/a`)).toBe(-2_000n)
    expect(delta.get('c/receiver')).toBe(3_000n)
    // Value in equals value out on every node: no spread, same asset.
    for (const n of NAMES) {
      const sum = [...delta].filter(([key]) => key.startsWith(`${n}/`)).reduce((s, [, d]) => s + d, 0n)
      expect(sum, n).toBe(0n)
    }
    expect(pendingHolds(nodes)).toBe(0n)
  })
})
