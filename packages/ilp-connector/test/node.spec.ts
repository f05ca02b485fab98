import { createMemoryLinkPair, type Link } from '@stack/channel-core'
import { IlpPacketType, serveOnLink, type IlpPrepare, type IlpReply, type PrepareHandler } from '@stack/ilp-core'
import { afterEach, describe, expect, it } from 'vitest'
import { createConnectorNode, ParentUnreachableError, WaitTimeoutError, type ConnectorNode } from '../src/node.js'
import { silentLogger } from '../src/logger.js'
import { deferred, FakeClock, fulfill, settle, testPrepare, T0 } from './fixtures.js'
import { linkPair, send } from './harness.js'

const USD = { code: 'USD', scale: 2 }
const running: ConnectorNode[] = []

afterEach(async () => {
  for (const node of running.splice(0)) await node.kill()
})

async function start(options: Parameters<typeof createConnectorNode>[0]): Promise<ConnectorNode> {
  const node = await createConnectorNode({ logger: silentLogger, ...options })
  running.push(node)
  return node
}

/** The far end of a child's link answers with `handler`, as an end host does. */
function answer(link: Link, handler: PrepareHandler): void {
  link.setRequestHandler(serveOnLink((prepare) => handler(prepare), { triggeredBy: '' }))
}

/** A memory link whose connect() fails while `fails()` says so. */
function failingFirst(fails: () => boolean): Link {
  const [inner] = createMemoryLinkPair()
  return {
    get state() {
      return inner.state
    },
    connect: () => (fails() ? Promise.reject(new Error('refused')) : inner.connect()),
    close: () => inner.close(),
    request: (data, options) => inner.request(data, options),
    setRequestHandler: (handler) => inner.setRequestHandler(handler),
    onStateChange: (listener) => inner.onStateChange(listener),
  }
}

describe('createConnectorNode', () => {
  it('exchanges routes by CCP with its peer and forwards across it, the books agreeing on both sides', async () => {
    const clock = new FakeClock()
    const [aToB, bToA] = createMemoryLinkPair()
    const [aliceAtA, alice] = await linkPair()
    const [bobAtB, bob] = await linkPair()
    const b = await start({ address: 'test.b', clock, peers: [{ id: 'a', relation: 'peer', asset: USD, link: bToA }, { id: 'bob', relation: 'child', asset: USD, link: bobAtB, dial: false }] })
    const a = await start({ address: 'test.a', clock, peers: [{ id: 'b', relation: 'peer', asset: USD, link: aToB }, { id: 'alice', relation: 'child', asset: USD, link: aliceAtA, dial: false }] })
    await a.whenConnected()
    for (let i = 0; i < 50 && !(a.ccp.inSync() && b.ccp.inSync() && a.routingTable.lookup('test.b')?.nextHop === 'b'); i++) await clock.advance(200)
    expect(a.routingTable.lookup('test.b.bob')?.nextHop).toBe('b')
    expect(b.routingTable.lookup('test.a.alice')?.nextHop).toBe('a')

    const { prepare, fulfillment } = testPrepare({ destination: 'test.b.bob', amount: 500n, expiresAt: new Date(clock.now() + 30_000) })
    answer(bob, async () => fulfill(fulfillment))
    const reply = await send(alice, prepare)
    expect(reply.type).toBe(IlpPacketType.Fulfill)
    // A owes B what B delivered for it, and B counts the same debt from its side (RFC 0032).
    expect(a.connector.balance('b').balance).toBe(500n)
    expect(b.connector.balance('a').balance).toBe(-500n)
    expect(a.connector.balance('alice').balance).toBe(-500n)
    expect(b.connector.balance('bob').balance).toBe(500n)
  })

  it('stops gracefully: a Prepare in flight is answered, a new one is refused T03 by this node, then stop resolves', async () => {
    const clock = new FakeClock()
    const [aliceAt, alice] = await linkPair()
    const [bobAt, bob] = await linkPair()
    const node = await start({ address: 'test.c', clock, peers: [{ id: 'alice', relation: 'child', asset: USD, link: aliceAt, dial: false }, { id: 'bob', relation: 'child', asset: USD, link: bobAt, dial: false }] })
    const held = deferred<IlpReply>()
    const seen: IlpPrepare[] = []
    answer(bob, (p) => (seen.push(p), held.promise))
    const first = testPrepare({ destination: 'test.c.bob', expiresAt: new Date(T0 + 30_000) })
    const inFlight = send(alice, first.prepare)
    await settle()
    expect(seen).toHaveLength(1)

    let stopped = false
    const stopping = node.stop().then(() => (stopped = true))
    await settle()
    expect(await send(alice, testPrepare({ destination: 'test.c.bob', expiresAt: new Date(T0 + 30_000) }).prepare)).toMatchObject({ code: 'T03', triggeredBy: 'test.c' })
    expect(seen).toHaveLength(1)
    expect(stopped).toBe(false)

    held.resolve(fulfill(first.fulfillment))
    expect((await inFlight).type).toBe(IlpPacketType.Fulfill)
    await stopping
    expect(node.connector.balance('bob').balance).toBe(100n)
    expect(node.connector.balance('alice').balance).toBe(-100n)
  })

  it('takes its address from its parent by ILDCP', async () => {
    const [pToC, cToP] = createMemoryLinkPair()
    await pToC.connect() // the parent's end: up once the child is there (a BTP server's link)
    const parent = await start({ address: 'test.p', peers: [{ id: 'c', relation: 'child', asset: USD, link: pToC, dial: false }] })
    const child = await start({ parent: 'p', peers: [{ id: 'p', relation: 'parent', asset: USD, link: cToP }] })
    expect(child.address).toBe('test.p.c')
    expect(parent.peers()).toEqual([{ id: 'c', relation: 'child', asset: USD, state: 'connected' }])
  })

  it('retries a first connection that fails, with backoff, and gives up on a final error', async () => {
    const clock = new FakeClock()
    let failures = 2
    const flaky = failingFirst(() => failures-- > 0)
    const node = await start({ address: 'test.d', clock, peers: [{ id: 'e', relation: 'peer', asset: USD, link: flaky }], dial: { initialDelayMs: 100 } })
    await settle()
    expect(flaky.state).toBe('idle')
    await clock.advance(100) // second attempt fails: the next wait is 200 ms
    expect(flaky.state).toBe('idle')
    await clock.advance(199)
    expect(flaky.state).toBe('idle')
    await clock.advance(1)
    expect(node.peers()[0]?.state).toBe('connected')

    let attempts = 0
    const refused = failingFirst(() => (attempts++, true))
    await start({ address: 'test.f', clock, peers: [{ id: 'g', relation: 'peer', asset: USD, link: refused }], dial: { isFinal: () => true } })
    await clock.advance(60_000)
    expect(attempts).toBe(1)
  })

  it('fails with typed errors: a parent that refuses for good, peers that never connect', async () => {
    const refused = failingFirst(() => true)
    await expect(start({ parent: 'p', peers: [{ id: 'p', relation: 'parent', asset: USD, link: refused }], dial: { isFinal: () => true } }))
      .rejects.toBeInstanceOf(ParentUnreachableError)
    const never = failingFirst(() => true)
    const node = await start({ address: 'test.w', peers: [{ id: 'w', relation: 'peer', asset: USD, link: never }], dial: { isFinal: () => true } })
    await expect(node.whenConnected(20)).rejects.toBeInstanceOf(WaitTimeoutError)
  })

  it('refuses options without exactly one of address and parent', async () => {
    await expect(createConnectorNode({ peers: [] })).rejects.toThrow(/exactly one of address and parent/)
    await expect(createConnectorNode({ address: 'test.x', parent: 'p', peers: [] })).rejects.toThrow(/exactly one/)
  })
})
