import { IlpPacketType } from '@stack/ilp-core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ConnectorNode } from '../src/node.js'
import { balances, changes, freePort, host, intents, node, pendingHolds, stopAll, token, waitFor, type Host } from './harness.js'

const EUR6 = { code: 'EUR', scale: 6 }
const NAMES = ['a', 'b', 'c', 'd'] as const
type Name = (typeof NAMES)[number]
const RECEIVER = 'test.c.receiver'

// A ring of four over real BTP: each node dials the next (a→b→c→d→a). The sender hangs off A,
// the receiver off C: two paths of equal length, A—B—C and A—D—C. CCP's path check must keep
// routes from looping around the ring.
describe('four connectors in a ring over BTP', () => {
  let nodes: Record<Name, ConnectorNode>
  let sender: Host, receiver: Host

  beforeEach(async () => {
    const ports = Object.fromEntries(await Promise.all(NAMES.map(async (n) => [n, await freePort()]))) as Record<Name, number>
    const tokens = Object.fromEntries(NAMES.map((n) => [n, token()])) as Record<Name, string>
    const senderToken = token()
    const receiverToken = token()
    const started: Partial<Record<Name, ConnectorNode>> = {}
    for (const [i, name] of NAMES.entries()) {
      const next = NAMES[(i + 1) % 4] as Name
      const previous = NAMES[(i + 3) % 4] as Name
      const peers: Record<string, unknown>[] = [
        // We dial the next node as our own name; the previous node dials us as its name.
        { id: next, relation: 'peer', btp: { url: `btp+ws://${name}:${tokens[name]}@127.0.0.1:${ports[next]}` } },
        { id: previous, relation: 'peer', btp: { token: tokens[previous] } },
      ]
      if (name === 'a') peers.push({ id: 'sender', relation: 'child', btp: { token: senderToken } })
      if (name === 'c') peers.push({ id: 'receiver', relation: 'child', btp: { token: receiverToken } })
      started[name] = await node({ address: `test.${name}`, asset: EUR6, listen: { btp: { port: ports[name] } }, peers })
    }
    nodes = started as Record<Name, ConnectorNode>
    await Promise.all(NAMES.map((n, i) => nodes[n].whenConnected(5_000, [NAMES[(i + 1) % 4] as Name, NAMES[(i + 3) % 4] as Name])))
    const shared = intents()
    sender = await host(`btp+ws://sender:${senderToken}@127.0.0.1:${ports.a}`, shared)
    receiver = await host(`btp+ws://receiver:${receiverToken}@127.0.0.1:${ports.c}`, shared)
    await waitFor(
      () => NAMES.every((n) => NAMES.every((m) => m === n || nodes[n].ccp.routingTable.get(`test.${m}`) !== undefined)),
      5_000,
      'every node to learn every other',
    )
  })

  afterEach(async () => {
    await stopAll(sender, receiver, ...NAMES.map((n) => nodes[n]))
  })

  it('learns loop-free shortest routes around the ring', () => {
    for (const n of NAMES) {
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
