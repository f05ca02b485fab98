import { IlpPacketType, type IlpReject } from '@stack/ilp-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ConnectorNode } from '../src/node.js'
import { host, intents, node, stopAll, token, type Host } from './harness.js'

// A child node with a parent and no `routes` sends what it has no route for up to its parent
// (ilp-connector does; we answered F02). CCP from the parent is off, so only that default
// route can carry the packet.
describe('a parent is the default route', () => {
  let parent: ConnectorNode, child: ConnectorNode
  let sender: Host, receiver: Host

  beforeAll(async () => {
    const tokens = { child: token(), receiver: token(), sender: token() }
    parent = await node({
      address: 'test.p',
      asset: { code: 'USD', scale: 2 },
      listen: { btp: { port: 0 } },
      peers: [
        { id: 'c', relation: 'child', btp: { token: tokens.child }, sendRoutes: false, receiveRoutes: false },
        { id: 'receiver', relation: 'child', btp: { token: tokens.receiver } },
      ],
      balances: { store: 'memory' },
    })
    child = await node({
      asset: { code: 'USD', scale: 2 },
      listen: { btp: { port: 0 } },
      peers: [
        { id: 'up', relation: 'parent', btp: { url: `btp+ws://c:${tokens.child}@127.0.0.1:${parent.ports.btp}` }, sendRoutes: false, receiveRoutes: false },
        { id: 'sender', relation: 'child', btp: { token: tokens.sender } },
      ],
      balances: { store: 'memory' },
    })
    const shared = intents()
    receiver = await host(`btp+ws://receiver:${tokens.receiver}@127.0.0.1:${parent.ports.btp}`, shared)
    sender = await host(`btp+ws://sender:${tokens.sender}@127.0.0.1:${child.ports.btp}`, shared)
    await child.whenConnected(3_000)
    await parent.whenConnected(3_000)
  })

  afterAll(() => stopAll(sender, receiver, child, parent))

  it('routes a packet for outside the child up to the parent, and the books of both nodes move', async () => {
    expect(child.address).toBe('test.p.c')
    const reply = await sender.pay('test.p.receiver', 250n, 'fulfill')
    expect(reply.type, (reply as IlpReject).message).toBe(IlpPacketType.Fulfill)
    expect(child.connector.balances().sender?.balance).toBe(-250n)
    expect(child.connector.balances().up?.balance).toBe(250n)
    expect(parent.connector.balances().c?.balance).toBe(-250n)
    expect(parent.connector.balances().receiver?.balance).toBe(250n)
  })
})
