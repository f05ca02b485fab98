import { IlpPacketType } from '@stack/ilp-core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ConnectorNode } from '../src/node.js'
import { balances, changes, host, intents, node, pendingHolds, stopAll, token, waitFor, type Host, type Intents } from './harness.js'

const USD2 = { code: 'USD', scale: 2 }
const EUR6 = { code: 'EUR', scale: 6 }
const XRP9 = { code: 'XRP', scale: 9 }
const RECEIVER = 'test.c.receiver'

// sender —USD/2— A —EUR/6— B —EUR/6— C —XRP/9— receiver, every hop real BTP on 127.0.0.1.
// Routes: A and B learn test.c by CCP only; C's one static route is its own child, the receiver.
// A: 1 USD = 0.9 EUR, spread 1 %; C: 1 EUR = 2.5 XRP: 100 (1.00 USD) → 891 000 → 891 000 → 2 227 500 000.
describe('three connectors in a line over BTP', () => {
  let a: ConnectorNode, b: ConnectorNode, c: ConnectorNode
  let sender: Host, receiver: Host
  let shared: Intents

  beforeEach(async () => {
    const tokens = { sender: token(), b: token(), c: token(), receiver: token() }
    a = await node({
      address: 'test.a',
      asset: USD2,
      listen: { btp: { port: 0 } },
      peers: [
        { id: 'sender', relation: 'child', btp: { token: tokens.sender } },
        { id: 'b', relation: 'peer', asset: EUR6, btp: { token: tokens.b } },
      ],
      rates: { static: { USD: '1', EUR: '0.9' } },
      spread: '0.01',
    })
    b = await node({
      address: 'test.b',
      asset: EUR6,
      listen: { btp: { port: 0 } },
      peers: [
        { id: 'a', relation: 'peer', btp: { url: `btp+ws://b:${tokens.b}@127.0.0.1:${a.ports.btp}` } },
        { id: 'c', relation: 'peer', btp: { token: tokens.c } },
      ],
    })
    c = await node({
      address: 'test.c',
      asset: EUR6,
      listen: { btp: { port: 0 } },
      peers: [
        { id: 'b', relation: 'peer', btp: { url: `btp+ws://c:${tokens.c}@127.0.0.1:${b.ports.btp}` } },
        { id: 'receiver', relation: 'child', asset: XRP9, btp: { token: tokens.receiver } },
      ],
      rates: { static: { EUR: '1', XRP: '2.5' } },
    })
    shared = intents()
    sender = await host(`btp+ws://sender:${tokens.sender}@127.0.0.1:${a.ports.btp}`, shared)
    receiver = await host(`btp+ws://receiver:${tokens.receiver}@127.0.0.1:${c.ports.btp}`, shared)
    await waitFor(() => a.ccp.routingTable.lookup(RECEIVER)?.nextHop === 'b', 5_000, 'A to learn test.c')
    // Routes converge in each direction on their own: wait for both.
    await waitFor(() => c.ccp.routingTable.get('test.a')?.nextHop === 'b', 5_000, 'C to learn test.a')
  })

  afterEach(async () => {
    await stopAll(sender, receiver, a, b, c)
  })

  const nodes = () => ({ a, b, c })

  it('learns the far prefix by CCP alone, with the path', () => {
    const route = a.ccp.routingTable.get('test.c')
    expect(route).toMatchObject({ nextHop: 'b', source: 'learned', path: ['test.b', 'test.c'] })
    expect(c.ccp.routingTable.get('test.a')).toMatchObject({ nextHop: 'b', path: ['test.b', 'test.a'] })
    // The only static routes anywhere are the nodes' own addresses (to no peer) and children.
    const statics = [a, b, c].flatMap((n) => [...n.ccp.routingTable.routes()].filter((r) => r.source === 'static').map((r) => `${r.prefix}→${r.nextHop}`))
    expect(statics.sort()).toEqual(['test.a→', 'test.a.sender→sender', 'test.b→', 'test.c→', 'test.c.receiver→receiver'].sort())
  })

  it('pays end to end with the exchange rates applied at each hop, and every hop agrees on the balances', async () => {
    const before = balances(nodes())
    const reply = await sender.pay(RECEIVER, 100n, 'fulfill')
    expect(reply.type).toBe(IlpPacketType.Fulfill)
    expect(receiver.delivered).toEqual([2_227_500_000n])
    const delta = changes(before, balances(nodes()))
    expect(delta.get('a/sender')).toBe(-100n) // the sender owes A
    expect(delta.get('a/b')).toBe(891_000n) // A owes B …
    expect(delta.get('b/a')).toBe(-891_000n) // … and B agrees
    expect(delta.get('b/c')).toBe(891_000n)
    expect(delta.get('c/b')).toBe(-891_000n)
    expect(delta.get('c/receiver')).toBe(2_227_500_000n) // C owes the receiver what it delivered
    expect(pendingHolds(nodes())).toBe(0n)
  })

  it('rejects with R00 when the receiver never answers, and releases every hold', async () => {
    const before = balances(nodes())
    const reply = await sender.pay(RECEIVER, 100n, 'ignore', 1_500)
    expect(reply).toMatchObject({ type: IlpPacketType.Reject, code: 'R00' })
    await waitFor(() => pendingHolds(nodes()) === 0n, 3_000, 'holds released')
    expect([...changes(before, balances(nodes())).values()].every((d) => d === 0n)).toBe(true)
    expect(receiver.delivered).toEqual([])
  })

  it('rejects an already expired Prepare at the first hop (R00) without forwarding it', async () => {
    const reply = await sender.pay(RECEIVER, 100n, 'fulfill', -1)
    expect(reply).toMatchObject({ type: IlpPacketType.Reject, code: 'R00', triggeredBy: 'test.a' })
    expect(receiver.seen).toEqual([])
  })

  it('rejects a wrong fulfillment at the last hop (F05), which keeps its money', async () => {
    const before = balances(nodes())
    const reply = await sender.pay(RECEIVER, 100n, 'wrong')
    expect(reply).toMatchObject({ type: IlpPacketType.Reject, code: 'F05', triggeredBy: 'test.c' })
    expect(receiver.seen).toHaveLength(1)
    expect([...changes(before, balances(nodes())).values()].every((d) => d === 0n)).toBe(true)
    expect(pendingHolds(nodes())).toBe(0n)
  })

  it('conserves value when the receiver is killed with packets in flight', async () => {
    const before = balances(nodes())
    // Some paid before the crash …
    for (let i = 0; i < 3; i++) expect((await sender.pay(RECEIVER, 100n, 'fulfill')).type).toBe(IlpPacketType.Fulfill)
    // … then eight held at the receiver when it dies.
    const inFlight = Array.from({ length: 8 }, () => sender.pay(RECEIVER, 100n, 'hold'))
    await waitFor(() => receiver.heldCount() === 8, 3_000, 'eight Prepares held at the receiver')
    await receiver.close()
    const replies = await Promise.all(inFlight)
    expect(replies.map((r) => (r.type === IlpPacketType.Reject ? `${r.code} ${r.triggeredBy}` : 'fulfill'))).toEqual(Array(8).fill('T01 test.c'))
    await waitFor(() => pendingHolds(nodes()) === 0n, 3_000, 'holds released')

    const delta = changes(before, balances(nodes()))
    const delivered = receiver.delivered.reduce((sum, x) => sum + x, 0n)
    expect(delivered).toBe(3n * 2_227_500_000n)
    // Both sides of every hop moved by the same amount, and the last hop by exactly what was delivered.
    expect(delta.get('a/b')! + delta.get('b/a')!).toBe(0n)
    expect(delta.get('b/c')! + delta.get('c/b')!).toBe(0n)
    expect(delta.get('c/receiver')).toBe(delivered)
    expect(delta.get('a/sender')).toBe(-300n)
  })

  it('keeps the books of the surviving hops when a middle connector dies mid-flight', async () => {
    const before = balances(nodes())
    const inFlight = Array.from({ length: 5 }, () => sender.pay(RECEIVER, 100n, 'hold'))
    await waitFor(() => receiver.heldCount() === 5, 3_000, 'five Prepares held at the receiver')
    await b.kill()
    // A loses its link to B: every packet is rejected to the sender, A's holds are released.
    const replies = await Promise.all(inFlight)
    expect(replies.every((r) => r.type === IlpPacketType.Reject && r.code === 'T01' && r.triggeredBy === 'test.a')).toBe(true)
    // The receiver refuses them later: C releases its holds too; no balance anywhere moved.
    receiver.release('reject')
    await waitFor(() => pendingHolds(nodes()) === 0n, 3_000, 'holds released on every node, the dead one too')
    expect([...changes(before, balances(nodes())).values()].every((d) => d === 0n)).toBe(true)
    expect(receiver.delivered).toEqual([])
  })

  it('withdraws the route of a node that goes away; its prefix is then unreachable (F02)', async () => {
    expect(b.ccp.routingTable.get('test.c')).toBeDefined()
    await c.kill()
    await waitFor(() => b.ccp.routingTable.get('test.c') === undefined, 3_000, 'B to drop test.c')
    await waitFor(() => a.ccp.routingTable.get('test.c') === undefined, 3_000, 'A to hear the withdrawal from B')
    const reply = await sender.pay(RECEIVER, 100n, 'fulfill')
    expect(reply).toMatchObject({ type: IlpPacketType.Reject, code: 'F02', triggeredBy: 'test.a' })
    // B is still there.
    expect(a.ccp.routingTable.get('test.b')).toMatchObject({ nextHop: 'b' })
  })
})
