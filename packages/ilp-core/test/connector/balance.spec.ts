import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { IlpError } from '../../src/ilp-error.js'
import { IlpPacketType, type IlpReply } from '../../src/packet.js'
import { InMemoryBalanceStore, InsufficientBalanceError, type Reservation } from '../../src/connector/balance-store.js'
import { compose, type IncomingContext, type OutgoingContext } from '../../src/connector/pipeline.js'
import { incomingBalanceRule, outgoingBalanceRule } from '../../src/connector/rules/balance.js'
import { replyDeadlineRule } from '../../src/connector/rules/expire.js'
import { validateFulfillmentRule } from '../../src/connector/rules/validate-fulfillment.js'
import { Settlement } from '../../src/connector/settlement.js'
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
