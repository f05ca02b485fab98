import { decodeIldcpInfo, ildcpRequest, decodeAmountTooLargeData, conditionOf, decodeReply, encodeReply, IlpPacketType, decodePrepare, type IlpPrepare, type IlpReply } from '@stack/ilp-core'
import type { Link } from '@stack/channel-core'
import { describe, expect, it } from 'vitest'
import { StaticRateBackend } from '../src/rates/exchange-rate.js'
import { Connector } from '../src/connector.js'
import { InvalidPeerConfigError, type PeerConfig } from '../src/peer-config.js'
import { createFakeChannelPair, deferred, FakeClock, reject, settle, StaticRoutes, T0, testPrepare } from './fixtures.js'
import { attach, connector, send } from './harness.js'

interface Setup {
  clock: FakeClock
  node: Connector
  alice: Link
  bob: Link
  /** Prepares bob's side received. */
  received: IlpPrepare[]
}

// alice (child, USD 2) → test.connector → bob (peer, USD 2, reached at test.bob).
async function setup(aliceConfig: Partial<PeerConfig> = {}, bobConfig: Partial<PeerConfig> = {}): Promise<Setup> {
  const clock = new FakeClock()
  const node = connector({ address: 'test.connector', clock, routes: new StaticRoutes({ 'test.bob': 'bob', 'test.alice': 'alice' }) })
  const alice = await attach(node, { id: 'alice', relation: 'child', asset: { code: 'USD', scale: 2 }, ...aliceConfig })
  const bob = await attach(node, { id: 'bob', relation: 'peer', asset: { code: 'USD', scale: 2 }, ...bobConfig })
  const received: IlpPrepare[] = []
  return { clock, node, alice, bob, received }
}

function answer(link: Link, received: IlpPrepare[], reply: (prepare: IlpPrepare) => IlpReply | Promise<IlpReply>): void {
  link.setRequestHandler(async (bytes) => {
    const prepare = decodePrepare(bytes)
    received.push(prepare)
    return encodeReply(await reply(prepare))
  })
}

describe('Connector', () => {
  it('forwards a Prepare to the next hop with a reduced expiry and relays the Fulfill; balances move on both peers', async () => {
    const s = await setup()
    const { prepare, fulfillment } = testPrepare({ amount: 500n })
    answer(s.bob, s.received, () => ({ type: IlpPacketType.Fulfill, fulfillment, data: new Uint8Array([1]) }))
    const reply = await send(s.alice, prepare)
    expect(reply).toEqual({ type: IlpPacketType.Fulfill, fulfillment, data: new Uint8Array([1]) })
    expect(s.received[0]?.amount).toBe(500n)
    expect(s.received[0]?.expiresAt.getTime()).toBe(T0 + 29_000)
    expect(s.node.balances()).toEqual({
      alice: { balance: -500n, pendingDebit: 0n, pendingCredit: 0n },
      bob: { balance: 500n, pendingDebit: 0n, pendingCredit: 0n },
    })
    expect(s.node.counters().incoming.alice).toMatchObject({ prepared: 1, fulfilled: 1, fulfilledAmount: 500n })
    expect(s.node.counters().outgoing.bob).toMatchObject({ prepared: 1, fulfilled: 1, fulfilledAmount: 500n })
  })

  it('relays a Reject from downstream unchanged and moves no balance', async () => {
    const s = await setup()
    const far = { type: IlpPacketType.Reject, code: 'F99', triggeredBy: 'test.far', message: 'nope', data: new Uint8Array([9, 9]) } as const
    answer(s.bob, s.received, () => far)
    expect(await send(s.alice, testPrepare().prepare)).toEqual(far)
    expect(s.node.balance('alice').balance).toBe(0n)
    expect(s.node.balance('bob').balance).toBe(0n)
    expect(s.node.counters().incoming.alice?.rejectedByCode).toEqual({ F99: 1 })
  })

  it('answers a malformed Prepare with F01, triggered by the connector, and keeps going', async () => {
    const s = await setup()
    const reply = decodeReply(await s.alice.request(new Uint8Array([12, 3, 1, 2])))
    expect(reply).toMatchObject({ type: IlpPacketType.Reject, code: 'F01', triggeredBy: 'test.connector' })
    const again = decodeReply(await s.alice.request(new Uint8Array([0xff])))
    expect(again).toMatchObject({ code: 'F01' })
  })

  it('rejects with F02 when there is no route, and never forwards peer.* addresses', async () => {
    const s = await setup()
    expect(await send(s.alice, testPrepare({ destination: 'test.nowhere' }).prepare)).toMatchObject({ code: 'F02', triggeredBy: 'test.connector' })
    expect(await send(s.alice, testPrepare({ destination: 'peer.other' }).prepare)).toMatchObject({ code: 'F02' })
    expect(await send(s.alice, testPrepare({ destination: 'test.alice.x' }).prepare)).toMatchObject({ code: 'F02' }) // back to its source
    expect(s.node.balance('alice')).toEqual({ balance: 0n, pendingDebit: 0n, pendingCredit: 0n })
  })

  it('serves ILDCP to a child with its child address and asset', async () => {
    const s = await setup()
    const reply = await send(s.alice, ildcpRequest(new Date(T0 + 60_000)))
    if (reply.type !== IlpPacketType.Fulfill) throw new Error(`expected Fulfill, got ${reply.code}`)
    expect(decodeIldcpInfo(reply.data)).toEqual({ clientAddress: 'test.connector.alice', assetCode: 'USD', assetScale: 2 })
    // bob is a peer, not a child
    expect(await send(s.bob, ildcpRequest(new Date(T0 + 60_000)))).toMatchObject({ code: 'F02' })
  })

  it('hands peer.route.* to the injected peer-protocol handler', async () => {
    const clock = new FakeClock()
    const seen: string[] = []
    const node = connector({
      address: 'test.connector',
      clock,
      peerProtocols: (peerId) => async (prepare) => (seen.push(`${peerId}:${prepare.destination}`), reject('F99', 'test.connector', 'ccp')),
    })
    const alice = await attach(node, { id: 'alice', relation: 'peer', asset: { code: 'USD', scale: 2 } })
    expect(await send(alice, testPrepare({ destination: 'peer.route.control', amount: 0n }).prepare)).toMatchObject({ message: 'ccp' })
    expect(seen).toEqual(['alice:peer.route.control'])
  })

  it('rejects an already expired Prepare with R00', async () => {
    const s = await setup()
    expect(await send(s.alice, testPrepare({ expiresAt: new Date(T0 - 1) }).prepare)).toMatchObject({ code: 'R00', triggeredBy: 'test.connector' })
    expect(s.received).toHaveLength(0)
  })

  it('gives R00 when the next hop does not answer before expiry, and the next hop is not paid when it fulfills late', async () => {
    const s = await setup()
    const { prepare, fulfillment } = testPrepare({ amount: 70n, expiresAt: new Date(T0 + 5_000) })
    const late = deferred<IlpReply>()
    answer(s.bob, s.received, () => late.promise)
    const replied = send(s.alice, prepare)
    await settle()
    expect(s.node.balance('alice').pendingDebit).toBe(-70n)
    await s.clock.advance(4_000) // outgoing expiry: 5 s − 1 s window
    expect(await replied).toMatchObject({ code: 'R00', triggeredBy: 'test.connector' })
    late.resolve({ type: IlpPacketType.Fulfill, fulfillment, data: new Uint8Array(0) })
    await settle()
    expect(s.node.balances()).toEqual({
      alice: { balance: 0n, pendingDebit: 0n, pendingCredit: 0n },
      bob: { balance: 0n, pendingDebit: 0n, pendingCredit: 0n },
    })
  })

  it('turns a wrong fulfillment into F05: the sender gets a Reject and nobody is paid', async () => {
    const s = await setup()
    answer(s.bob, s.received, () => ({ type: IlpPacketType.Fulfill, fulfillment: new Uint8Array(32).fill(1), data: new Uint8Array(0) }))
    expect(await send(s.alice, testPrepare({ amount: 40n }).prepare)).toMatchObject({ code: 'F05', triggeredBy: 'test.connector' })
    expect(s.node.balance('alice').balance).toBe(0n)
    expect(s.node.balance('bob').balance).toBe(0n)
  })

  it('gives T01 when the next hop link is closed', async () => {
    const s = await setup()
    await s.bob.close()
    expect(await send(s.alice, testPrepare().prepare)).toMatchObject({ code: 'T01', triggeredBy: 'test.connector' })
  })

  it('rejects above maxPacketAmount with F08 and correct data', async () => {
    const s = await setup({ maxPacketAmount: 1000n })
    const reply = await send(s.alice, testPrepare({ amount: 1234n }).prepare)
    if (reply.type !== IlpPacketType.Reject) throw new Error('expected Reject')
    expect(reply).toMatchObject({ code: 'F08', triggeredBy: 'test.connector' })
    expect(decodeAmountTooLargeData(reply.data)).toEqual({ receivedAmount: 1234n, maximumAmount: 1000n })
  })

  it('rejects with F08 (maximum = largest convertible amount) when the converted amount exceeds UInt64', async () => {
    const clock = new FakeClock()
    const node = connector({ address: 'test.connector', clock, routes: new StaticRoutes({ 'test.bob': 'bob' }), rates: new StaticRateBackend({ USD: '1', BIG: '10' }) })
    const alice = await attach(node, { id: 'alice', relation: 'child', asset: { code: 'USD', scale: 0 } })
    await attach(node, { id: 'bob', relation: 'peer', asset: { code: 'BIG', scale: 0 } })
    const reply = await send(alice, testPrepare({ amount: 2n ** 62n }).prepare)
    if (reply.type !== IlpPacketType.Reject) throw new Error('expected Reject')
    expect(reply.code).toBe('F08')
    expect(decodeAmountTooLargeData(reply.data)).toEqual({ receivedAmount: 2n ** 62n, maximumAmount: (2n ** 64n - 1n) / 10n })
  })

  it('rejects with T04 when a Prepare would take the source below its minimum balance', async () => {
    const s = await setup({ minBalance: -100n })
    const hold = deferred<IlpReply>()
    answer(s.bob, s.received, () => hold.promise)
    const first = send(s.alice, testPrepare({ amount: 60n }).prepare)
    await settle()
    // 60 is held: another 60 would be −120
    expect(await send(s.alice, testPrepare({ amount: 60n }).prepare)).toMatchObject({ code: 'T04', triggeredBy: 'test.connector' })
    const third = send(s.alice, testPrepare({ amount: 40n }).prepare) // exactly the minimum: forwarded
    await settle()
    expect(s.received.map((p) => p.amount)).toEqual([60n, 40n])
    hold.resolve(reject('F99'))
    await Promise.all([first, third])
    expect(s.node.balance('alice')).toEqual({ balance: 0n, pendingDebit: 0n, pendingCredit: 0n })
  })

  it('rate limits a peer with T05', async () => {
    const s = await setup({ rateLimit: { packetsPerSecond: 2 } })
    answer(s.bob, s.received, () => reject('F99'))
    await send(s.alice, testPrepare().prepare)
    await send(s.alice, testPrepare().prepare)
    expect(await send(s.alice, testPrepare().prepare)).toMatchObject({ code: 'T05', triggeredBy: 'test.connector' })
    await s.clock.advance(1_000)
    expect(await send(s.alice, testPrepare().prepare)).toMatchObject({ code: 'F99' })
  })

  it('settles with the next hop over its Channel when the threshold is reached, and credits incoming value', async () => {
    const [ours, theirs] = createFakeChannelPair()
    const got: bigint[] = []
    theirs.setValueHandler(({ amount }) => void got.push(amount))
    const s = await setup({}, { channel: ours, settleThreshold: 1000n, settleTo: 100n })
    answer(s.bob, s.received, (p) => ({ type: IlpPacketType.Fulfill, fulfillment: fulfillments.get(p.executionCondition.toString())!, data: new Uint8Array(0) }))
    const fulfillments = new Map<string, Uint8Array>()
    const pay = async (amount: bigint) => {
      const { prepare, fulfillment } = testPrepare({ amount })
      fulfillments.set(conditionOf(fulfillment).toString(), fulfillment)
      return send(s.alice, prepare)
    }
    await pay(600n)
    await settle()
    expect(got).toEqual([])
    await pay(450n) // we owe bob 1050 ≥ 1000: pay 950, down to 100
    await settle()
    expect(got).toEqual([950n])
    expect(s.node.balance('bob').balance).toBe(100n)
    expect(s.node.counters().settlement).toMatchObject({ sent: 1, sentAmount: 950n })
    // bob pays us back over the channel: we owe it more
    await theirs.sendValue(30n)
    expect(s.node.balance('bob').balance).toBe(130n)
  })

  it('refuses a peer config that cannot work', () => {
    const node = connector({ address: 'test.connector', clock: new FakeClock() })
    expect(() => node.addPeer({ id: 'x', relation: 'peer', asset: { code: 'USD', scale: 256 } })).toThrow(InvalidPeerConfigError)
    const [channel] = createFakeChannelPair()
    expect(() => node.addPeer({ id: 'x', relation: 'peer', asset: { code: 'USD', scale: 2 }, channel, settleThreshold: 10n, settleTo: 10n })).toThrow(/^settleTo: /)
    // No channel, no way to pay: a threshold would be a promise the node cannot keep.
    expect(() => node.addPeer({ id: 'x', relation: 'peer', asset: { code: 'USD', scale: 2 }, settleThreshold: 10n })).toThrow(/^settleThreshold: needs a channel/)
    node.addPeer({ id: 'x', relation: 'peer', asset: { code: 'USD', scale: 2 } })
    expect(() => node.addPeer({ id: 'x', relation: 'peer', asset: { code: 'USD', scale: 2 } })).toThrow(InvalidPeerConfigError)
    expect(node.removePeer('x')).toBe(true)
    expect(node.removePeer('x')).toBe(false)
  })

  it('handles Prepares from a local sender through handlePrepare', async () => {
    const s = await setup()
    s.node.addPeer({ id: 'local', relation: 'child', asset: { code: 'USD', scale: 2 } })
    const { prepare, fulfillment } = testPrepare({ amount: 5n })
    answer(s.bob, s.received, () => ({ type: IlpPacketType.Fulfill, fulfillment, data: new Uint8Array(0) }))
    expect((await s.node.handlePrepare('local', prepare)).type).toBe(IlpPacketType.Fulfill)
    expect(s.node.balance('local').balance).toBe(-5n)
    expect(await s.node.handlePrepare('stranger', prepare)).toMatchObject({ code: 'F00' })
  })
})
