import { IlpError, IlpPacketType, type IlpReply } from '@stack/ilp-core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Channel, ChannelTotals } from '@stack/channel-core'
import { InsufficientBalanceError, SettledTotalsBehindError, type Reservation } from '@stack/ilp-core'
import { InMemoryBalanceStore } from '../src/balances/balance-store.js'
import { Connector } from '../src/connector.js'
import { compose, type IncomingContext, type OutgoingContext } from '../src/pipeline.js'
import { incomingBalanceRule, outgoingBalanceRule } from '../src/rules/balance.js'
import { replyDeadlineRule } from '../src/rules/reply-deadline.js'
import { validateFulfillmentRule } from '../src/rules/validate-fulfillment.js'
import { Settlement } from '../src/settlement.js'
import { deferred, FakeClock, fulfill, peerAccount, recordingLogger, reject, settle, T0, testPrepare } from './fixtures.js'

describe('InMemoryBalanceStore', () => {
  it('commits a hold once: a release after a commit, or a second commit, changes nothing', () => {
    const store = new InMemoryBalanceStore()
    const hold = store.reserve('a', -10n)
    expect(store.get('a')).toEqual({ balance: 0n, pendingDebit: -10n, pendingCredit: 0n })
    expect(hold.commit()).toBe(true)
    expect(hold.commit()).toBe(false)
    expect(hold.release()).toBe(false)
    expect(hold.state).toBe('committed')
    expect(store.get('a')).toEqual({ balance: -10n, pendingDebit: 0n, pendingCredit: 0n })
  })

  it('releases a hold once: a commit after a release changes nothing', () => {
    const store = new InMemoryBalanceStore()
    const hold = store.reserve('a', 25n)
    expect(store.get('a').pendingCredit).toBe(25n)
    expect(hold.release()).toBe(true)
    expect(hold.commit()).toBe(false)
    expect(store.get('a')).toEqual({ balance: 0n, pendingDebit: 0n, pendingCredit: 0n })
  })

  it('refuses a debit hold below the minimum, counting other pending debits, and holds nothing', () => {
    const store = new InMemoryBalanceStore()
    store.adjust('a', 50n)
    store.reserve('a', -40n, -100n)
    expect(() => store.reserve('a', -111n, -100n)).toThrow(InsufficientBalanceError)
    expect(store.get('a').pendingDebit).toBe(-40n)
    store.reserve('a', -110n, -100n) // 50 - 40 - 110 = -100: exactly the minimum
    // Pending credits (Prepares we sent) are not counted as available.
    store.reserve('a', 1000n)
    expect(() => store.reserve('a', -1n, -100n)).toThrow(InsufficientBalanceError)
  })

  it('applies every hold exactly once whatever order commits and releases come in (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: -1000n, max: 1000n }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.tuple(fc.nat(), fc.boolean()), { maxLength: 40 }),
        (deltas, ops) => {
          const store = new InMemoryBalanceStore()
          const holds = deltas.map((delta) => store.reserve('p', delta))
          const first = new Map<Reservation, 'committed' | 'released'>()
          for (const [index, commit] of ops) {
            const hold = holds[index % holds.length]!
            const changed = commit ? hold.commit() : hold.release()
            expect(changed).toBe(!first.has(hold))
            if (changed) first.set(hold, commit ? 'committed' : 'released')
            expect(hold.state).toBe(first.get(hold))
          }
          const sum = (pick: (h: Reservation) => boolean) => holds.filter(pick).reduce((s, h) => s + h.delta, 0n)
          expect(store.get('p')).toEqual({
            balance: sum((h) => first.get(h) === 'committed'),
            pendingDebit: sum((h) => !first.has(h) && h.delta < 0n),
            pendingCredit: sum((h) => !first.has(h) && h.delta >= 0n),
          })
        },
      ),
    )
  })
})

describe('balance rules', () => {
  const alice = peerAccount({ id: 'alice', minBalance: -1000n })
  const bob = peerAccount({ id: 'bob' })

  it('rejects with T04 when a Prepare would take the source below its minimum balance', async () => {
    const store = new InMemoryBalanceStore()
    const rule = incomingBalanceRule(store)
    const { prepare } = testPrepare({ amount: 1001n })
    const error = await rule({ source: alice, prepare, signal: undefined }, async () => reject('T99')).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(IlpError)
    expect((error as IlpError).code).toBe('T04')
    expect(store.get('alice')).toEqual({ balance: 0n, pendingDebit: 0n, pendingCredit: 0n })
  })

  it('does not charge the source for a Fulfill its link can no longer carry back', async () => {
    const store = new InMemoryBalanceStore()
    const { prepare, fulfillment } = testPrepare({ amount: 10n })
    const gone = new AbortController()
    gone.abort()
    const reply = await incomingBalanceRule(store)({ source: alice, prepare, signal: gone.signal }, async () => fulfill(fulfillment))
    expect(reply.type).toBe(IlpPacketType.Fulfill)
    expect(store.get('alice')).toEqual({ balance: 0n, pendingDebit: 0n, pendingCredit: 0n })
  })

  it('with a synchronous store, holds both sides in the call itself: its plain answers are not awaited', async () => {
    const store = new InMemoryBalanceStore()
    const { prepare, fulfillment } = testPrepare({ amount: 10n })
    const next = deferred<IlpReply>()
    const outgoing = outgoingBalanceRule(store, new Settlement(store, recordingLogger()))
    const replied = incomingBalanceRule(store)({ source: alice, prepare, signal: undefined }, (ctx) =>
      outgoing({ source: ctx.source, destination: bob, incoming: ctx.prepare, prepare: ctx.prepare }, () => next.promise),
    )
    expect(store.get('alice').pendingDebit).toBe(-10n)
    expect(store.get('bob').pendingCredit).toBe(10n)
    next.resolve(fulfill(fulfillment))
    expect((await replied).type).toBe(IlpPacketType.Fulfill)
    expect(store.get('alice')).toEqual({ balance: -10n, pendingDebit: 0n, pendingCredit: 0n })
    expect(store.get('bob')).toEqual({ balance: 10n, pendingDebit: 0n, pendingCredit: 0n })
  })

  type Event = 'fulfill' | 'wrong-fulfill' | 'reject' | 'link-error' | 'expiry'

  // The incoming hold, the switch, and the outgoing rules around a next hop we script.
  async function run(events: Event[], amount: bigint): Promise<{ reply: IlpReply; store: InMemoryBalanceStore }> {
    const clock = new FakeClock()
    const store = new InMemoryBalanceStore()
    const settlement = new Settlement(store, recordingLogger())
    const { prepare, fulfillment } = testPrepare({ amount, expiresAt: new Date(T0 + 10_000) })
    const hop = deferred<IlpReply>()
    const outgoing = compose<OutgoingContext>(
      [outgoingBalanceRule(store, settlement), validateFulfillmentRule(clock), replyDeadlineRule(clock)],
      () => hop.promise,
    )
    const pipeline = compose<IncomingContext>([incomingBalanceRule(store)], (ctx) =>
      outgoing({ source: ctx.source, destination: bob, incoming: ctx.prepare, prepare: ctx.prepare }),
    )
    const replied = pipeline({ source: alice, prepare, signal: undefined }).then(
      (reply) => reply,
      (error: unknown) => ({ type: IlpPacketType.Reject as const, code: (error as IlpError).code, triggeredBy: '', message: '', data: new Uint8Array(0) }),
    )
    await settle()
    for (const event of events) {
      switch (event) {
        case 'fulfill':
          hop.resolve(fulfill(fulfillment))
          break
        case 'wrong-fulfill':
          hop.resolve(fulfill(new Uint8Array(32)))
          break
        case 'reject':
          hop.resolve(reject('F99', 'test.bob'))
          break
        case 'link-error':
          hop.reject(new IlpError('T01', 'link closed'))
          break
        case 'expiry':
          await clock.advance(10_000)
          break
      }
      await settle()
    }
    await clock.advance(10_000) // whatever is left: the deadline
    return { reply: await replied, store }
  }

  const expected: Record<Event, string> = { fulfill: 'fulfilled', 'wrong-fulfill': 'F05', reject: 'F99', 'link-error': 'T01', expiry: 'R00' }

  it('resolves both holds exactly once, as the first event decides, for every interleaving (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray<Event>(['fulfill', 'wrong-fulfill', 'reject', 'link-error', 'expiry'], { minLength: 0 }),
        fc.bigInt({ min: 1n, max: 1000n }),
        async (events, amount) => {
          const { reply, store } = await run(events, amount)
          const outcome = reply.type === IlpPacketType.Fulfill ? 'fulfilled' : reply.code
          expect(outcome).toBe(expected[events[0] ?? 'expiry'])
          const paid = outcome === 'fulfilled'
          expect(store.get('alice')).toEqual({ balance: paid ? -amount : 0n, pendingDebit: 0n, pendingCredit: 0n })
          expect(store.get('bob')).toEqual({ balance: paid ? amount : 0n, pendingDebit: 0n, pendingCredit: 0n })
        },
      ),
      { numRuns: 150 },
    )
  })

  it('a Fulfill that arrives after the expiry timeout commits nothing', async () => {
    const { reply, store } = await run(['expiry', 'fulfill'], 10n)
    expect(reply).toMatchObject({ type: IlpPacketType.Reject, code: 'R00' })
    expect(store.get('bob').balance).toBe(0n)
    expect(store.get('alice').balance).toBe(0n)
  })
})

describe('InMemoryBalanceStore write-through', () => {
  it('records each committed change before making it, and a failed record changes nothing', () => {
    const recorded: [string, bigint, string][] = []
    let failing = false
    const store = new InMemoryBalanceStore({
      balances: [['bob', 7n]],
      record: (peer, delta, kind) => {
        if (failing) throw new Error('disk full')
        recorded.push([peer, delta, kind])
      },
    })
    const hold = store.reserve('bob', -5n)
    expect(recorded).toEqual([]) // holds are not durable
    failing = true
    expect(() => hold.commit()).toThrow('disk full')
    expect(hold.state).toBe('pending')
    expect(store.get('bob')).toEqual({ balance: 7n, pendingDebit: -5n, pendingCredit: 0n })
    failing = false
    expect(hold.commit()).toBe(true)
    expect(store.adjust('bob', 3n)).toBe(5n)
    expect(recorded).toEqual([['bob', -5n, 'packet'], ['bob', 3n, 'value']])
    expect(hold.commit()).toBe(false) // exactly once: nothing recorded again
    expect(recorded).toHaveLength(2)
  })
})

describe('InMemoryBalanceStore.applySettled', () => {
  it('applies what the totals add to the settled ones, once; totals behind them are refused; a failed record changes nothing', () => {
    const recorded: unknown[][] = []
    let failing = false
    const store = new InMemoryBalanceStore({
      balances: [['bob', 100n]],
      settled: [['bob', { sent: 10n, received: 5n }]],
      record: (...change) => {
        if (failing) throw new Error('disk full')
        recorded.push(change)
      },
    })
    expect(store.settled('bob')).toEqual({ sent: 10n, received: 5n })
    expect(store.settled('carol')).toBeUndefined()
    expect(store.applySettled('bob', { sent: 40n, received: 5n })).toEqual({ sent: 30n, received: 0n })
    expect(store.get('bob').balance).toBe(70n) // we paid 30: we owe bob less
    expect(store.applySettled('bob', { sent: 40n, received: 5n })).toEqual({ sent: 0n, received: 0n })
    expect(store.applySettled('bob', { sent: 45n, received: 25n })).toEqual({ sent: 5n, received: 20n })
    expect(store.get('bob').balance).toBe(85n)
    expect(recorded).toEqual([
      ['bob', -30n, 'value', { sent: 40n, received: 5n }],
      ['bob', 15n, 'value', { sent: 45n, received: 25n }],
    ])
    expect(() => store.applySettled('bob', { sent: 44n, received: 99n })).toThrow(SettledTotalsBehindError)
    failing = true
    expect(() => store.applySettled('bob', { sent: 50n, received: 25n })).toThrow('disk full')
    expect(store.settled('bob')).toEqual({ sent: 45n, received: 25n })
    expect(store.get('bob')).toEqual({ balance: 85n, pendingDebit: 0n, pendingCredit: 0n })
  })

  it('adopts the first totals of a peer without moving its balance, and only the first', () => {
    const recorded: unknown[][] = []
    const store = new InMemoryBalanceStore({ record: (...change) => void recorded.push(change) })
    store.reserve('bob', 40n).commit()
    expect(store.adoptSettled('bob', { sent: 900n, received: 0n })).toBe(true)
    expect(store.adoptSettled('bob', { sent: 950n, received: 0n })).toBe(false)
    expect(store.get('bob').balance).toBe(40n)
    expect(store.settled('bob')).toEqual({ sent: 900n, received: 0n })
    expect(recorded).toEqual([['bob', 40n, 'packet'], ['bob', 0n, 'value', { sent: 900n, received: 0n }]])
    // Without adoption the first totals count from zero: a new peer's first payment is applied.
    expect(store.applySettled('carol', { sent: 7n, received: 0n })).toEqual({ sent: 7n, received: 0n })
    expect(store.get('carol').balance).toBe(-7n)
  })
})

/** A channel with totals: `pay` records a payment in `kept` (its store) as the real ones do, before it resolves. */
function totalsChannel(pay: (amount: bigint, totals: { sent: bigint; received: bigint }) => Promise<void>): Channel & { totals(): ChannelTotals; kept: { sent: bigint; received: bigint } } {
  const kept = { sent: 0n, received: 0n }
  return { kept, sendValue: (amount) => pay(amount, kept), setValueHandler: () => undefined, totals: () => ({ ...kept }) }
}

describe('Settlement over a channel with totals', () => {
  it('brings the books to the totals after each payment, paid or not, and releases the hold', async () => {
    const store = new InMemoryBalanceStore()
    const logger = recordingLogger()
    const settlement = new Settlement(store, logger)
    let refuse = false
    const channel = totalsChannel(async (amount, kept) => {
      // The peer holds the claim and the store says so; then the answer is lost (or not).
      kept.sent += amount
      if (refuse) throw new Error('acceptance lost')
    })
    const peer = peerAccount({ id: 'bob', settleThreshold: 100n, channel })
    store.adjust('bob', 150n)
    await settlement.maybeSettle(peer)
    expect(store.get('bob')).toEqual({ balance: 0n, pendingDebit: 0n, pendingCredit: 0n })
    store.adjust('bob', 120n)
    refuse = true
    await settlement.maybeSettle(peer)
    // Failed as far as the caller knows, but the channel's store has it: the books follow the store.
    expect(store.get('bob')).toEqual({ balance: 0n, pendingDebit: 0n, pendingCredit: 0n })
    expect(store.settled('bob')).toEqual({ sent: 270n, received: 0n })
    expect(settlement.counters).toMatchObject({ sent: 1, sentAmount: 150n, failed: 1, failedAmount: 120n })
  })

  it('keeps the hold pending when the books cannot take the totals: nothing is paid twice', async () => {
    let failing = false
    const store = new InMemoryBalanceStore({
      record: (_peer, _delta, kind) => {
        if (failing && kind === 'value') throw new Error('disk full')
      },
    })
    const logger = recordingLogger()
    const settlement = new Settlement(store, logger)
    const channel = totalsChannel(async (amount, kept) => {
      kept.sent += amount
    })
    const peer = peerAccount({ id: 'bob', settleThreshold: 10n, channel })
    settlement.reconcile('bob', channel) // as addPeer does: the books adopt the channel's totals
    store.reserve('bob', 15n).commit()
    failing = true
    await settlement.maybeSettle(peer)
    expect(store.get('bob')).toEqual({ balance: 15n, pendingDebit: -15n, pendingCredit: 0n })
    await settlement.maybeSettle(peer) // the hold still counts: no second payment
    expect(channel.kept.sent).toBe(15n)
    expect(logger.warnings.map(([message]) => message)).toEqual(['could not record the settlement with peer bob; its hold stays pending'])
    // The next start applies the totals (here: reconcile by hand on the same store).
    failing = false
    expect(settlement.reconcile('bob', channel)).toEqual({ sent: 15n, received: 0n })
  })

  it('credits incoming value by the totals, which count it already', () => {
    const store = new InMemoryBalanceStore()
    const settlement = new Settlement(store, recordingLogger())
    const channel = totalsChannel(async () => undefined)
    const peer = peerAccount({ id: 'alice', channel })
    channel.kept.received = 50n // stored by the channel before it calls the handler
    settlement.receive(peer, 50n)
    expect(store.get('alice').balance).toBe(50n)
    channel.kept.received = 80n
    settlement.receive(peer, 30n)
    expect(store.get('alice').balance).toBe(80n)
    expect(settlement.counters).toMatchObject({ received: 2, receivedAmount: 80n })
  })

  it('at addPeer, applies what a crash left between the channel and the books, once, and refuses a channel behind them', () => {
    const store = new InMemoryBalanceStore({ balances: [['bob', 500n]], settled: [['bob', { sent: 100n, received: 0n }]] })
    const logger = recordingLogger()
    const channel = totalsChannel(async () => undefined)
    channel.kept.sent = 300n // the claim store says 200 more were accepted than the books applied
    const connector = new Connector({ address: 'test.us', routes: { nextHop: () => undefined }, balances: store, logger })
    connector.addPeer({ id: 'bob', relation: 'peer', asset: { code: 'USD', scale: 2 }, channel })
    expect(store.get('bob').balance).toBe(300n)
    expect(logger.warnings.map(([message]) => message)).toEqual([
      "settlement totals applied to the books at start for peer bob: sent 200, received 0 (a crash came between the channel's write and ours)",
    ])
    connector.removePeer('bob')
    connector.addPeer({ id: 'bob', relation: 'peer', asset: { code: 'USD', scale: 2 }, channel })
    expect(store.get('bob').balance).toBe(300n)
    expect(logger.warnings).toHaveLength(1)
    channel.kept.sent = 0n // another claim store
    connector.removePeer('bob')
    expect(() => connector.addPeer({ id: 'bob', relation: 'peer', asset: { code: 'USD', scale: 2 }, channel })).toThrow(SettledTotalsBehindError)
    expect(connector.balance('bob').balance).toBe(300n)
    // Books in memory after a restart know nothing: they take the channel's totals as they are.
    const fresh = new InMemoryBalanceStore()
    new Connector({ address: 'test.us', routes: { nextHop: () => undefined }, balances: fresh, logger }).addPeer({ id: 'bob', relation: 'peer', asset: { code: 'USD', scale: 2 }, channel })
    expect(fresh.get('bob').balance).toBe(0n)
    expect(fresh.settled('bob')).toEqual({ sent: 0n, received: 0n })
  })

  it('reconcile(peer) later does the same, once (a process taking over the peer\'s settlement)', async () => {
    const store = new InMemoryBalanceStore({ balances: [['bob', 500n]], settled: [['bob', { sent: 100n, received: 0n }]] })
    const channel = totalsChannel(async () => undefined)
    channel.kept.sent = 100n // as the books applied
    const connector = new Connector({ address: 'test.us', routes: { nextHop: () => undefined }, balances: store, logger: recordingLogger() })
    connector.addPeer({ id: 'bob', relation: 'peer', asset: { code: 'USD', scale: 2 }, channel })
    connector.addPeer({ id: 'carol', relation: 'peer', asset: { code: 'USD', scale: 2 } })
    channel.kept.sent = 250n // another process of ours paid 150 and died before its books took it
    expect(await connector.reconcile('bob')).toEqual({ sent: 150n, received: 0n })
    expect(await connector.reconcile('bob')).toEqual({ sent: 0n, received: 0n })
    expect(store.get('bob').balance).toBe(350n)
    expect(await connector.reconcile('carol')).toBeUndefined() // no channel
    channel.kept.sent = 0n
    await expect(connector.reconcile('bob')).rejects.toThrow(SettledTotalsBehindError)
  })
})

describe('Settlement', () => {
  it('pays the peer down to settleTo once the balance reaches the threshold, and applies it when the Channel resolves', async () => {
    const store = new InMemoryBalanceStore()
    const settlement = new Settlement(store, recordingLogger())
    const sent: bigint[] = []
    const gate = deferred<void>()
    const peer = peerAccount({ id: 'bob', settleThreshold: 100n, settleTo: 20n, channel: { sendValue: async (a) => (sent.push(a), gate.promise), setValueHandler: () => undefined } })
    store.adjust('bob', 99n)
    await settlement.maybeSettle(peer)
    expect(sent).toEqual([])
    store.adjust('bob', 1n)
    const done = settlement.maybeSettle(peer)
    await settle()
    expect(sent).toEqual([80n])
    expect(store.get('bob')).toEqual({ balance: 100n, pendingDebit: -80n, pendingCredit: 0n })
    await settlement.maybeSettle(peer) // one at a time: no second payment while the first is out
    expect(sent).toEqual([80n])
    gate.resolve()
    await done
    expect(store.get('bob')).toEqual({ balance: 20n, pendingDebit: 0n, pendingCredit: 0n })
    expect(settlement.counters).toMatchObject({ sent: 1, sentAmount: 80n, failed: 0 })
  })

  it('settles again at once when packets fulfilled during a settlement put the peer over the threshold', async () => {
    const store = new InMemoryBalanceStore()
    const settlement = new Settlement(store, recordingLogger())
    const sent: bigint[] = []
    const gates = [deferred<void>(), deferred<void>()]
    const peer = peerAccount({ id: 'bob', settleThreshold: 100n, settleTo: 0n, channel: { sendValue: async (a) => gates[sent.push(a) - 1]?.promise, setValueHandler: () => undefined } })
    store.adjust('bob', 100n)
    const done = settlement.maybeSettle(peer)
    await settle()
    store.adjust('bob', 150n) // fulfilled while the first settlement is out: nothing else will look
    await settlement.maybeSettle(peer)
    expect(sent).toEqual([100n])
    gates[0]?.resolve()
    await settle()
    expect(sent).toEqual([100n, 150n])
    gates[1]?.resolve()
    await done
    expect(store.get('bob')).toEqual({ balance: 0n, pendingDebit: 0n, pendingCredit: 0n })
    expect(settlement.counters).toMatchObject({ sent: 2, sentAmount: 250n, failed: 0 })
  })

  it('restores the balance and logs when the Channel fails', async () => {
    const store = new InMemoryBalanceStore()
    const logger = recordingLogger()
    const settlement = new Settlement(store, logger)
    const peer = peerAccount({ id: 'bob', settleThreshold: 10n, channel: { sendValue: async () => Promise.reject(new Error('no')), setValueHandler: () => undefined } })
    store.adjust('bob', 15n)
    await settlement.maybeSettle(peer)
    expect(store.get('bob')).toEqual({ balance: 15n, pendingDebit: 0n, pendingCredit: 0n })
    expect(logger.warnings).toHaveLength(1)
    expect(settlement.counters).toMatchObject({ sent: 0, failed: 1, failedAmount: 15n })
  })

  it('keeps the hold pending and logs, without an unhandled rejection, when the value left but the books cannot record it', async () => {
    const store = new InMemoryBalanceStore()
    const reserve = store.reserve.bind(store)
    store.reserve = (peerId, amount) => {
      const hold = reserve(peerId, amount)
      return Object.assign(Object.create(Object.getPrototypeOf(hold) as object) as typeof hold, hold, {
        commit: () => {
          throw new Error('disk full')
        },
      })
    }
    const logger = recordingLogger()
    const settlement = new Settlement(store, logger)
    const peer = peerAccount({ id: 'bob', settleThreshold: 10n, channel: { sendValue: async () => undefined, setValueHandler: () => undefined } })
    store.adjust('bob', 15n)
    await expect(settlement.maybeSettle(peer)).resolves.toBeUndefined()
    expect(store.get('bob')).toEqual({ balance: 15n, pendingDebit: -15n, pendingCredit: 0n })
    expect(logger.warnings).toHaveLength(1)
  })

  it('credits value received from the peer', () => {
    const store = new InMemoryBalanceStore()
    const settlement = new Settlement(store, recordingLogger())
    store.adjust('alice', -70n)
    settlement.receive(peerAccount({ id: 'alice' }), 50n)
    expect(store.get('alice').balance).toBe(-20n)
    expect(() => settlement.receive(peerAccount({ id: 'alice' }), 0n)).toThrow(RangeError)
  })
})
