import { conditionOf, decodeReply, encodeReply, IlpPacketType, decodePrepare, encodePrepare, type IlpReply } from '@stack/ilp-core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Connector } from '../src/connector.js'
import { StaticRateBackend } from '../src/rates/exchange-rate.js'
import { deferred, FakeClock, recordingLogger, settle, StaticRoutes, T0, testPrepare } from './fixtures.js'
import { linkPair } from './harness.js'

const USD2 = { code: 'USD', scale: 2 }
const EUR6 = { code: 'EUR', scale: 6 }
const XRP9 = { code: 'XRP', scale: 9 }
const RECEIVER = 'test.c.receiver'

/** What the receiver does with a Prepare, chosen by its first data byte. */
enum Behaviour {
  Fulfill = 0,
  Reject = 1,
  Hold = 2, // answered later by the test
  Ignore = 3, // never answered: expires
  WrongFulfillment = 4,
}

// sender —USD/2— A —EUR/6— B —EUR/6— C —XRP/9— receiver
async function chain() {
  const clock = new FakeClock()
  const make = (address: string, routes: Record<string, string>, rates: Record<string, string>, spread: string) =>
    new Connector({ address, clock, routes: new StaticRoutes(routes), rates: new StaticRateBackend(rates), spread, logger: recordingLogger() })
  const a = make('test.a', { 'test.c': 'b' }, { USD: '1', EUR: '0.9' }, '0.01')
  const b = make('test.b', { 'test.c': 'c' }, {}, '0.002')
  const c = make('test.c', { [RECEIVER]: 'receiver' }, { EUR: '1', XRP: '2.5' }, '0')
  const [sender, aFromSender] = await linkPair()
  const [aToB, bFromA] = await linkPair()
  const [bToC, cFromB] = await linkPair()
  const [cToReceiver, receiver] = await linkPair()
  a.addPeer({ id: 'sender', relation: 'child', asset: USD2, link: aFromSender })
  a.addPeer({ id: 'b', relation: 'peer', asset: EUR6, link: aToB })
  b.addPeer({ id: 'a', relation: 'peer', asset: EUR6, link: bFromA })
  b.addPeer({ id: 'c', relation: 'peer', asset: EUR6, link: bToC })
  c.addPeer({ id: 'b', relation: 'peer', asset: EUR6, link: cFromB })
  c.addPeer({ id: 'receiver', relation: 'child', asset: XRP9, link: cToReceiver })

  // The receiver: fulfills only before the expiry (RFC 0027 step 10), counts what it was paid.
  const fulfillments = new Map<string, Uint8Array>()
  const held: (() => void)[] = []
  const receiverState = { delivered: 0n, amounts: [] as bigint[] }
  receiver.setRequestHandler(async (bytes) => {
    const prepare = decodePrepare(bytes)
    const fulfillment = fulfillments.get(Buffer.from(prepare.executionCondition).toString('hex'))!
    const pay = (): IlpReply => {
      if (clock.now() >= prepare.expiresAt.getTime()) {
        return { type: IlpPacketType.Reject, code: 'R00', triggeredBy: RECEIVER, message: 'too late', data: new Uint8Array(0) }
      }
      receiverState.delivered += prepare.amount
      receiverState.amounts.push(prepare.amount)
      return { type: IlpPacketType.Fulfill, fulfillment, data: new Uint8Array(0) }
    }
    switch (prepare.data[0] as Behaviour) {
      case Behaviour.Fulfill:
        return encodeReply(pay())
      case Behaviour.Reject:
        return encodeReply({ type: IlpPacketType.Reject, code: 'F99', triggeredBy: RECEIVER, message: 'no thanks', data: new Uint8Array(0) })
      case Behaviour.Hold: {
        const later = deferred<Uint8Array>()
        held.push(() => later.resolve(encodeReply(pay())))
        return later.promise
      }
      case Behaviour.Ignore:
        return new Promise<Uint8Array>(() => undefined)
      default:
        return encodeReply({ type: IlpPacketType.Fulfill, fulfillment: new Uint8Array(32), data: new Uint8Array(0) })
    }
  })

  const senderState = { paid: 0n, replies: [] as IlpReply[] }
  const pay = async (amount: bigint, behaviour: Behaviour, expiresInMs = 30_000): Promise<IlpReply> => {
    const { prepare, fulfillment } = testPrepare({
      amount,
      destination: RECEIVER,
      data: new Uint8Array([behaviour]),
      expiresAt: new Date(clock.now() + expiresInMs),
    })
    fulfillments.set(Buffer.from(conditionOf(fulfillment)).toString('hex'), fulfillment)
    const reply = decodeReply(await sender.request(encodePrepare(prepare)))
    if (reply.type === IlpPacketType.Fulfill) senderState.paid += amount
    senderState.replies.push(reply)
    return reply
  }
  return { clock, a, b, c, links: { bToC, cFromB }, pay, held, receiverState, senderState }
}

function expectConserved(world: Awaited<ReturnType<typeof chain>>): void {
  const { a, b, c, senderState, receiverState } = world
  const balance = (node: Connector, peer: string) => node.balance(peer).balance
  // Nothing left on hold anywhere.
  for (const node of [a, b, c]) {
    for (const snapshot of Object.values(node.balances())) {
      expect(snapshot.pendingDebit).toBe(0n)
      expect(snapshot.pendingCredit).toBe(0n)
    }
  }
  // Each hop: one side's balance is the other's negation (RFC 0032).
  expect(balance(a, 'b') + balance(b, 'a')).toBe(0n)
  expect(balance(b, 'c') + balance(c, 'b')).toBe(0n)
  // The edges: what the sender was charged is what it saw fulfilled; what C owes the receiver
  // is what the receiver delivered against.
  expect(balance(a, 'sender')).toBe(-senderState.paid)
  expect(balance(c, 'receiver')).toBe(receiverState.delivered)
}

describe('three connectors in a line', () => {
  it('delivers end to end across assets and scales, rounding down at every hop', async () => {
    const world = await chain()
    const reply = await world.pay(1234n, Behaviour.Fulfill)
    expect(reply.type).toBe(IlpPacketType.Fulfill)
    // A: 12.34 USD × 0.9 × (1 − 0.01) = 10.994940 EUR
    const atB = (1234n * 9n * 99n * 10n ** 4n) / 1000n
    // B: × (1 − 0.002), floored
    const atC = (atB * 998n) / 1000n
    // C: EUR/6 → XRP/9 at 2.5
    const atReceiver = (atC * 25n * 10n ** 3n) / 10n
    expect([atB, atC, atReceiver]).toEqual([10_994_940n, 10_972_950n, 27_432_375_000n])
    expect(world.receiverState.amounts).toEqual([atReceiver])
    expect(world.a.balance('b').balance).toBe(atB)
    expect(world.b.balance('c').balance).toBe(atC)
    expectConserved(world)
  })

  it('conserves money over fulfilled, rejected, wrongly fulfilled and expired packets and a link killed mid-flight (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.bigInt({ min: 1n, max: 100_000n }), fc.constantFrom(...[0, 1, 2, 3, 4] as Behaviour[])), { minLength: 1, maxLength: 10 }),
        fc.boolean(),
        async (packets, kill) => {
          const world = await chain()
          const replies = packets.map(([amount, behaviour]) => world.pay(amount, behaviour))
          await settle()
          if (kill) {
            // The B–C connection dies with packets in flight (both ends see it).
            await world.links.bToC.close()
            await world.links.cFromB.close()
            await settle()
          }
          for (const answer of world.held) answer()
          await settle()
          await world.clock.advance(31_000) // everything left expires
          await Promise.all(replies)
          await settle()
          expectConserved(world)
          for (const [i, [, behaviour]] of packets.entries()) {
            if (!kill && behaviour === Behaviour.Fulfill) expect((await replies[i])!.type).toBe(IlpPacketType.Fulfill)
            if (behaviour === Behaviour.WrongFulfillment) expect(await replies[i]).toMatchObject({ code: 'F05', triggeredBy: 'test.c' })
            if (behaviour === Behaviour.Ignore && !kill) expect(await replies[i]).toMatchObject({ code: 'R00', triggeredBy: 'test.c' })
            if (kill && (behaviour === Behaviour.Hold || behaviour === Behaviour.Ignore)) {
              expect(await replies[i]).toMatchObject({ code: 'T01', triggeredBy: 'test.b' })
            }
          }
        },
      ),
      { numRuns: 40 },
    )
  })

  it('a killed link: C has paid the receiver for a held packet, B and C agree nothing passed between them', async () => {
    const world = await chain()
    await world.pay(1000n, Behaviour.Fulfill)
    const inFlight = world.pay(500n, Behaviour.Hold)
    await settle()
    await world.links.bToC.close()
    await world.links.cFromB.close()
    expect(await inFlight).toMatchObject({ code: 'T01', triggeredBy: 'test.b' })
    world.held[0]!()
    await settle()
    expect(world.receiverState.amounts).toHaveLength(2)
    expectConserved(world)
    // C is out of pocket for the second packet: it paid the receiver and B never got the Fulfill.
    expect(world.c.balance('receiver').balance).toBe(world.receiverState.delivered)
    expect(-world.c.balance('b').balance).toBeLessThan(world.receiverState.delivered / 2_500n)
  })

  it('expires a packet whose expiry is too short for three hops with R02', async () => {
    const world = await chain()
    const reply = await world.pay(100n, Behaviour.Fulfill, 2_500)
    expect(reply).toMatchObject({ code: 'R02' })
    expectConserved(world)
    expect(T0).toBe(world.clock.now())
  })
})
