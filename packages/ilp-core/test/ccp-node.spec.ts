import { describe, expect, it } from 'vitest'
import { routeControlPrepare, routeUpdatePrepare } from '../src/ccp/messages.js'
import { CcpMode } from '../src/ccp/codec.js'
import { CcpNode, type CcpMessage, type CcpNodeOptions } from '../src/ccp/node.js'
import { IlpPacketType, type IlpReply } from '../src/packet/packet.js'
import { decodePrepare, encodePrepare } from '../src/packet/prepare.js'
import { advertiseLikeIlpConnector, type PeerRelation } from '../src/routing/routing-table.js'

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

  it('asks again when the speaker accepted its control but never sends (it went idle on a link the receiver saw no drop of)', () => {
    const net = new Net()
    net.add('a')
    const b = net.add('b', { controlRetryInterval: 5_000 })
    // a's side of the link dropped (ILP over HTTP: b's side stayed up) just as b's control was taken.
    net.dropUpdatesTo.add('b')
    net.link('a', 'peer', 'b')
    net.node('a').peerDisconnected('b', net.now)
    net.node('a').peerConnected('b', net.now)
    net.dropUpdatesTo.clear()
    expect(b.routingTable.get('test.a')).toBeUndefined()
    net.advance(4_000)
    expect(b.routingTable.get('test.a')).toBeUndefined()
    net.advance(1_001)
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

  it('retries a refused route control quickly, doubling the wait up to controlRetryInterval', () => {
    const node = new CcpNode({ ownAddress: 'test.me', controlRetryInterval: 1000 })
    const refused: IlpReply = { type: IlpPacketType.Reject, code: 'F00', triggeredBy: 'test.them', message: 'not a peer yet', data: new Uint8Array() }
    let now = 0
    let [control] = node.addPeer('p', { relation: 'peer', sendRoutes: false }, now)
    const waits: number[] = []
    for (let i = 0; i < 7; i++) {
      expect(control?.kind).toBe('route-control')
      node.onReply(control!, refused, now)
      const refusedAt = now
      // The first instant a tick sends the control again.
      for (control = undefined; control === undefined; ) [control] = node.tick(++now)
      waits.push(now - refusedAt)
    }
    expect(waits).toEqual([50, 100, 200, 400, 800, 1000, 1000])
    // Accepted: the next refusal (after a reconnection) starts from the quick retry again.
    node.onReply(control!, { type: IlpPacketType.Fulfill, fulfillment: new Uint8Array(32), data: new Uint8Array() }, now)
    expect(node.tick(now + 999)).toEqual([])
    // No update within controlRetryInterval: asked again, and a refusal is retried quickly.
    ;[control] = node.tick(now + 1000)
    expect(control?.kind).toBe('route-control')
    node.onReply(control!, refused, now + 1000)
    expect(node.tick(now + 1049)).toEqual([])
    expect(node.tick(now + 1050).map((m) => m.kind)).toEqual(['route-control'])
  })

  it('takes a reply for the update it answers only: after a route control, a late reply does not answer the update resent', () => {
    const node = new CcpNode({ ownAddress: 'test.me', broadcastInterval: 1000, requestTimeout: 300, minUpdateInterval: 10 })
    node.addPeer('p', { relation: 'peer', receiveRoutes: false }, 0)
    node.addPeer('kid', { relation: 'child' }, 0)
    const fulfill: IlpReply = { type: IlpPacketType.Fulfill, fulfillment: new Uint8Array(32), data: new Uint8Array() }
    const control = (lastKnownEpoch: number) =>
      routeControlPrepare({ mode: CcpMode.Sync, lastKnownRoutingTableId: node.forwardingTable.routingTableId, lastKnownEpoch, features: [] }, new Date(2_000_000))
    const [first] = node.onRouteControl('p', control(0), 10).send
    node.onReply(first!, fulfill, 10)
    node.setStaticRoute('test.x', 'kid')
    const [lost] = node.tick(100) // never answered
    expect(lost?.request).toMatchObject({ fromEpochIndex: 1, toEpochIndex: 2 })
    node.setStaticRoute('test.y', 'kid')
    const [late] = node.tick(400) // past the request timeout: sent on, assuming the first arrived
    expect(late?.request).toMatchObject({ fromEpochIndex: 2, toEpochIndex: 3 })
    // The peer saw a gap: it asks again from epoch 1, then fulfills the update it could not use.
    const [resent] = node.onRouteControl('p', control(1), 410).send
    expect(resent?.request).toMatchObject({ fromEpochIndex: 1, toEpochIndex: 3 })
    node.onReply(late!, fulfill, 411)
    expect(node.inSync()).toBe(false)
    node.onReply(resent!, undefined, 420) // the resent update fails: its epochs are owed again
    expect(node.tick(1420)[0]?.request).toMatchObject({ fromEpochIndex: 1, toEpochIndex: 3 })
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


describe('CcpNode in sync', () => {
  const inSync = (net: Net) => Object.fromEntries([...net.nodes].map(([name, node]) => [name, node.inSync()]))

  it('once every route control is accepted and every update acknowledged, which happens one node at a time along a line', () => {
    const net = new Net()
    for (const n of ['a', 'b', 'c']) net.add(n, { advertise: advertiseLikeIlpConnector })
    const [a, b] = [net.node('a'), net.node('b')]
    // A link just up: a's route control unanswered, and b has not asked for a's routes.
    const controls = a.addPeer('b', { relation: 'peer' }, net.now)
    expect(a.inSync()).toBe(false)
    net.pump('b', b.addPeer('a', { relation: 'peer' }, net.now))
    expect(a.inSync()).toBe(false)
    net.pump('a', controls)
    net.link('b', 'peer', 'c')
    net.advance(200) // b tells a of test.c …
    expect(inSync(net)).toEqual({ a: false, b: true, c: true }) // … which a owes b (to withdraw) next
    net.advance(200)
    expect(inSync(net)).toEqual({ a: true, b: true, c: true })

    a.routingTable.setRelation('cx', 'child')
    a.setStaticRoute('test.x', 'cx')
    expect(a.inSync()).toBe(false) // an epoch b has not been sent
    net.now += 200
    const [update] = a.tick(net.now)
    expect(update).toMatchObject({ kind: 'route-update', peerId: 'b' })
    const handled = b.onRouteUpdate('a', decodePrepare(encodePrepare(update!.prepare)), net.now)
    expect(b.routingTable.get('test.x')?.nextHop).toBe('a')
    // b has the route, but a has not seen the Fulfill, and b owes c the route it just learned.
    expect(inSync(net)).toEqual({ a: false, b: false, c: true })
    net.pump('a', a.onReply(update!, handled.reply, net.now))
    expect(inSync(net)).toEqual({ a: true, b: false, c: true })
    net.pump('b', handled.send)
    net.advance(200)
    expect(net.node('c').routingTable.get('test.x')).toMatchObject({ nextHop: 'b', path: ['test.b', 'test.a'] })
    expect(inSync(net)).toEqual({ a: true, b: true, c: true })
  })

  it('not while an update with routes goes unanswered, nor after it failed; a heartbeat in flight carries none', () => {
    const net = new Net()
    const a = net.add('a', { broadcastInterval: 1000 })
    net.add('b', { broadcastInterval: 1000 })
    net.link('a', 'peer', 'b')
    net.advance(200)
    expect(inSync(net)).toEqual({ a: true, b: true })
    net.now += 1000
    const [heartbeat] = a.tick(net.now)
    expect(heartbeat?.request).toMatchObject({ newRoutes: [], withdrawnRoutes: [] })
    expect(a.inSync()).toBe(true)
    net.pump('a', [heartbeat!])

    a.routingTable.setRelation('cx', 'child')
    a.setStaticRoute('test.x', 'cx')
    net.dropUpdatesTo.add('b')
    net.advance(200) // sent, never answered
    expect(inSync(net)).toEqual({ a: false, b: true })
    net.dropUpdatesTo.clear()
    net.advance(1000) // past the request timeout: sent again, and acknowledged
    expect(net.node('b').routingTable.get('test.x')?.nextHop).toBe('a')
    expect(inSync(net)).toEqual({ a: true, b: false }) // b owes a its new epoch (test.x, withheld from a)
    net.advance(200)
    expect(inSync(net)).toEqual({ a: true, b: true })

    a.removeStaticRoute('test.x')
    net.now += 200
    const [withdrawal] = a.tick(net.now)
    a.onReply(withdrawal!, undefined, net.now)
    expect(a.inSync()).toBe(false) // failed: the epoch is owed again
  })

  it('owes a peer every epoch again when it asks to sync from an earlier one', () => {
    const net = new Net()
    const a = net.add('a', { holdDownTime: 1000 })
    const b = net.add('b')
    net.link('a', 'peer', 'b')
    net.advance(200)
    expect(a.inSync()).toBe(true)
    net.now += 1001 // b's hold-down of a's routes is over: it asks again from epoch 0
    const [control] = b.tick(net.now).filter((m) => m.kind === 'route-control')
    expect(control?.request).toMatchObject({ lastKnownEpoch: 0 })
    a.onRouteControl('b', decodePrepare(encodePrepare(control!.prepare)), net.now)
    expect(a.inSync()).toBe(false)
  })

  it('leaves out a peer that is not connected', () => {
    const net = new Net()
    const b = net.add('b')
    net.add('a')
    net.link('a', 'peer', 'b')
    net.advance(200)
    b.peerDisconnected('a', net.now)
    expect(b.inSync()).toBe(true)
    b.peerConnected('a', net.now) // asks again; not answered yet
    expect(b.inSync()).toBe(false)
  })
})
