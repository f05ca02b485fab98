import { describe, expect, it } from 'vitest'
import { routeControlPrepare, routeUpdatePrepare } from '../src/ccp.js'
import { CcpMode } from '../src/ccp-codec.js'
import { CcpNode, type CcpMessage, type CcpNodeOptions } from '../src/ccp-node.js'
import { IlpPacketType, type IlpReply } from '../src/packet.js'
import { decodePrepare, encodePrepare } from '../src/prepare.js'
import { advertiseLikeIlpConnector, type PeerRelation } from '../src/routing-table.js'

/** Connectors named by their peer id; each one's address is test.<name>. Messages go through the wire codec. */
class Net {
  readonly nodes = new Map<string, CcpNode>()
  now = 1_000_000
  dropUpdatesTo = new Set<string>()

  add(name: string, options: Partial<CcpNodeOptions> = {}): CcpNode {
    const node = new CcpNode({ ownAddress: `test.${name}`, routingTableId: undefined, ...options })
    this.nodes.set(name, node)
    return node
  }

  link(a: string, relationOfBToA: PeerRelation, b: string): void {
    const reverse: Record<PeerRelation, PeerRelation> = { parent: 'child', child: 'parent', peer: 'peer' }
    const opts = (relation: PeerRelation) => ({ relation, sendRoutes: true, receiveRoutes: true })
    // Both ends configured before anything is delivered, as when a link comes up.
    const fromA = this.node(a).addPeer(b, opts(relationOfBToA), this.now)
    const fromB = this.node(b).addPeer(a, opts(reverse[relationOfBToA]), this.now)
    this.pump(a, fromA)
    this.pump(b, fromB)
  }

  node(name: string): CcpNode {
    const node = this.nodes.get(name)
    if (node === undefined) throw new Error(name)
    return node
  }

  /** Delivers `messages` sent by `from`, and everything they cause, until quiet. */
  pump(from: string, messages: CcpMessage[]): void {
    const queue = messages.map((m) => [from, m] as const)
    for (let n = 0; n < 10_000; n++) {
      const next = queue.shift()
      if (next === undefined) return
      const [sender, message] = next
      const target = this.node(message.peerId)
      if (message.kind === 'route-update' && this.dropUpdatesTo.has(message.peerId)) continue
      const prepare = decodePrepare(encodePrepare(message.prepare))
      const handled = message.kind === 'route-control'
        ? target.onRouteControl(sender, prepare, this.now)
        : target.onRouteUpdate(sender, prepare, this.now)
      for (const m of handled.send) queue.push([message.peerId, m])
      for (const m of this.node(sender).onReply(message, handled.reply, this.now)) queue.push([sender, m])
    }
    throw new Error('no quiet')
  }

  /** Advances time and runs every node's tick. */
  advance(ms: number): void {
    this.now += ms
    for (const [name, node] of this.nodes) this.pump(name, node.tick(this.now))
  }
}

describe('CcpNode between two peers', () => {
  it('teaches each peer the other’s address and customer routes, with the speaker first in the path', () => {
    const net = new Net()
    net.add('a').setStaticRoute('test.x', 'cx')
    net.node('a').routingTable.setRelation('cx', 'child')
    net.add('b')
    net.link('a', 'peer', 'b')
    net.advance(200)
    const b = net.node('b').routingTable
    expect(b.lookup('test.a.anything')?.nextHop).toBe('a')
    expect(b.lookup('test.x.y')).toMatchObject({ nextHop: 'a', path: ['test.a'], source: 'learned' })
    expect(net.node('a').routingTable.lookup('test.b.y')?.path).toEqual(['test.b'])
  })

  it('does not advertise a connector’s own children’s static routes, its default route, or the global prefix', () => {
    const net = new Net()
    const a = net.add('a')
    a.setStaticRoute('test.a.kid', 'kid')
    a.setStaticRoute('', 'parent')
    a.setStaticRoute('test', 'parent')
    net.add('b')
    net.link('a', 'peer', 'b')
    net.advance(200)
    const b = net.node('b').routingTable
    expect([...b.routes()].filter((r) => r.source === 'learned').map((r) => r.prefix)).toEqual(['test.a'])
  })

  it('propagates a withdrawal', () => {
    const net = new Net()
    const a = net.add('a')
    a.routingTable.setRelation('cx', 'child')
    a.setStaticRoute('test.x', 'cx')
    net.add('b')
    net.link('a', 'peer', 'b')
    net.advance(200)
    a.removeStaticRoute('test.x')
    net.advance(200)
    expect(net.node('b').routingTable.get('test.x')).toBeUndefined()
  })

  it('sends an empty update as a heartbeat every broadcast interval, which renews the hold-down', () => {
    const net = new Net()
    net.add('a', { broadcastInterval: 1000, holdDownTime: 1500 })
    net.add('b', { broadcastInterval: 1000, holdDownTime: 1500 })
    net.link('a', 'peer', 'b')
    for (let i = 0; i < 10; i++) net.advance(500)
    expect(net.node('b').routingTable.get('test.a')?.expiresAt).toBeGreaterThan(net.now)
  })

  it('drops a silent peer’s routes after the hold-down, then asks it to sync again from epoch 0', () => {
    const net = new Net()
    net.add('a', { holdDownTime: 1000 })
    const b = net.add('b')
    net.link('a', 'peer', 'b')
    expect(b.routingTable.get('test.a')).toBeDefined()
    net.dropUpdatesTo.add('b')
    net.now += 1001
    const sent = b.tick(net.now)
    expect(b.routingTable.get('test.a')).toBeUndefined()
    const controls = sent.filter((m) => m.kind === 'route-control')
    expect(controls).toEqual([expect.objectContaining({ peerId: 'a' })])
    expect(controls[0]?.request).toMatchObject({ mode: CcpMode.Sync, lastKnownEpoch: 0 })
    net.dropUpdatesTo.clear()
    net.pump('b', sent)
    expect(b.routingTable.get('test.a')).toBeDefined()
  })

  it('withdraws a peer’s routes when it disconnects, and asks for them when it is back', () => {
    const net = new Net()
    net.add('a')
    const b = net.add('b')
    net.link('a', 'peer', 'b')
    b.peerDisconnected('a', net.now)
    expect(b.routingTable.get('test.a')).toBeUndefined()
    expect(b.tick(net.now + 100_000).filter((m) => m.peerId === 'a')).toEqual([])
    net.pump('b', b.peerConnected('a', net.now))
    expect(b.routingTable.get('test.a')).toBeDefined()
  })
})

describe('CcpNode epochs', () => {
  const table = 'aaaaaaaa-0000-4000-8000-000000000000'
  const update = (from: number, to: number, routingTableId = table, prefix = 'test.z') =>
    routeUpdatePrepare(
      {
        routingTableId,
        currentEpochIndex: to,
        fromEpochIndex: from,
        toEpochIndex: to,
        holdDownTime: 30_000,
        speaker: 'test.s',
        newRoutes: [{ prefix, path: ['test.s'], auth: new Uint8Array(32), props: [] }],
        withdrawnRoutes: [],
      },
      new Date(2_000_000),
    )
  const receiver = () => {
    const node = new CcpNode({ ownAddress: 'test.me' })
    node.addPeer('s', { relation: 'peer' }, 0)
    return node
  }

  it('applies updates that follow on, and asks for a resync on a gap', () => {
    const node = receiver()
    expect(node.onRouteUpdate('s', update(0, 3), 10).reply.type).toBe(IlpPacketType.Fulfill)
    expect(node.routingTable.get('test.z')?.nextHop).toBe('s')
    const gap = node.onRouteUpdate('s', update(5, 7, table, 'test.gap'), 20)
    expect(gap.reply.type).toBe(IlpPacketType.Fulfill)
    expect(node.routingTable.get('test.gap')).toBeUndefined()
    const control = gap.send.find((m) => m.kind === 'route-control')
    expect(control?.request).toEqual({ mode: CcpMode.Sync, lastKnownRoutingTableId: table, lastKnownEpoch: 3, features: [] })
  })

  it('starts over when the speaker’s routing table id changes', () => {
    const node = receiver()
    node.onRouteUpdate('s', update(0, 3), 10)
    const other = 'bbbbbbbb-0000-4000-8000-000000000000'
    node.onRouteUpdate('s', update(0, 1, other, 'test.new'), 20)
    expect(node.routingTable.get('test.z')).toBeUndefined()
    expect(node.routingTable.get('test.new')?.nextHop).toBe('s')
  })

  it('drops a route whose path already holds our address (a loop)', () => {
    const node = receiver()
    const looped = routeUpdatePrepare(
      {
        routingTableId: table, currentEpochIndex: 1, fromEpochIndex: 0, toEpochIndex: 1, holdDownTime: 1000, speaker: 'test.s',
        newRoutes: [{ prefix: 'test.loop', path: ['test.s', 'test.me', 'test.q'], auth: new Uint8Array(32), props: [] }],
        withdrawnRoutes: [],
      },
      new Date(2_000_000),
    )
    node.onRouteUpdate('s', looped, 10)
    expect(node.routingTable.get('test.loop')).toBeUndefined()
  })

  it('rejects what it cannot take: an unconfigured peer, a malformed request, an expired one', () => {
    const node = receiver()
    node.addPeer('kid', { relation: 'child' }, 0)
    const rejectCode = (reply: IlpReply) => (reply.type === IlpPacketType.Reject ? reply.code : 'fulfilled')
    expect(rejectCode(node.onRouteUpdate('kid', update(0, 1), 10).reply)).toBe('F00')
    expect(rejectCode(node.onRouteUpdate('s', { ...update(0, 1), data: new Uint8Array([1, 2]) }, 10).reply)).toBe('F01')
    expect(rejectCode(node.onRouteUpdate('s', update(0, 1), 3_000_000).reply)).toBe('R00')
    expect(rejectCode(node.onRouteControl('kid', update(0, 1), 10).reply)).toBe('F00')
  })

  it('sends the epochs again after the peer rejects an update', () => {
    const node = new CcpNode({ ownAddress: 'test.me', broadcastInterval: 1000 })
    node.addPeer('p', { relation: 'peer', receiveRoutes: false }, 0)
    const control = { mode: CcpMode.Sync, lastKnownRoutingTableId: node.forwardingTable.routingTableId, lastKnownEpoch: 0, features: [] }
    const first = node.onRouteControl('p', routeControlPrepare(control, new Date(2_000_000)), 10).send
    expect(first).toHaveLength(1)
    const sent = first[0]!
    expect(sent.request).toMatchObject({ fromEpochIndex: 0, toEpochIndex: 1 })
    node.onReply(sent, { type: IlpPacketType.Reject, code: 'T01', triggeredBy: '', message: '', data: new Uint8Array() }, 20)
    expect(node.tick(500)).toEqual([])
    expect(node.tick(1010)[0]?.request).toMatchObject({ fromEpochIndex: 0, toEpochIndex: 1 })
  })
})

describe('CcpNode advertising rules across three connectors', () => {
  it('valley-free by default: a route learned from one peer is not passed to another', () => {
    const net = new Net()
    net.add('a').setStaticRoute('test.x', 'cx')
    net.node('a').routingTable.setRelation('cx', 'child')
    net.add('b')
    net.add('c')
    net.link('a', 'peer', 'b')
    net.link('b', 'peer', 'c')
    net.advance(200)
    expect(net.node('c').routingTable.get('test.x')).toBeUndefined()
    expect(net.node('c').routingTable.get('test.b')?.nextHop).toBe('b')
    expect(net.node('b').routingTable.get('test.x')?.nextHop).toBe('a')
  })

  it('passes peer routes on to children', () => {
    const net = new Net()
    net.add('a').setStaticRoute('test.x', 'cx')
    net.node('a').routingTable.setRelation('cx', 'child')
    net.add('b')
    net.add('c')
    net.link('a', 'peer', 'b')
    net.link('b', 'child', 'c') // c is b's child
    net.advance(200)
    expect(net.node('c').routingTable.get('test.x')).toMatchObject({ nextHop: 'b', path: ['test.b', 'test.a'] })
  })

  it('with the ilp-connector policy, a ring converges with no path through the receiver', () => {
    const net = new Net()
    for (const n of ['a', 'b', 'c']) net.add(n, { advertise: advertiseLikeIlpConnector })
    net.node('a').setStaticRoute('test.x', 'cx')
    net.link('a', 'peer', 'b')
    net.link('b', 'peer', 'c')
    net.link('c', 'peer', 'a')
    net.advance(200)
    net.advance(200)
    for (const [name, node] of net.nodes) {
      for (const route of node.routingTable.routes()) expect(route.path).not.toContain(`test.${name}`)
    }
    expect(net.node('c').routingTable.get('test.x')).toMatchObject({ nextHop: 'a', path: ['test.a'] })
    expect(net.node('a').routingTable.get('test.x')?.source).toBe('static')
  })
})

