import { decodeAmountTooLargeData, IlpError, IlpPacketType, type IlpReply } from '@stack/ilp-core'
import { describe, expect, it } from 'vitest'
import { compose, type IncomingContext, type OutgoingContext, type PeerAccount } from '../src/pipeline.js'
import { incomingExpiryRule } from '../src/rules/incoming-expiry.js'
import { replyDeadlineRule } from '../src/rules/reply-deadline.js'
import { maxPacketAmountRule } from '../src/rules/max-packet-amount.js'
import { RateLimiter } from '../src/rate-limiter.js'
import { rateLimitRule } from '../src/rules/rate-limit.js'
import { reduceExpiryRule } from '../src/rules/reduce-expiry.js'
import { validateFulfillmentRule } from '../src/rules/validate-fulfillment.js'
import { deferred, FakeClock, fulfill, peerAccount, reject, settle, T0, testPrepare } from './fixtures.js'

function incoming(source: PeerAccount, overrides = {}): IncomingContext {
  return { source, prepare: testPrepare(overrides).prepare, signal: undefined }
}

function outgoing(overrides = {}): OutgoingContext & { fulfillment: Uint8Array } {
  const { prepare, fulfillment } = testPrepare(overrides)
  return {
    source: peerAccount({ id: 'alice' }),
    destination: peerAccount({ id: 'bob' }),
    incoming: prepare,
    prepare,
    fulfillment,
  }
}

const ok = async (): Promise<IlpReply> => reject('T99', 'test.next')

async function thrown(promise: Promise<unknown>): Promise<IlpError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(IlpError)
  return error as IlpError
}

describe('pipeline compose', () => {
  it('runs rules first to last, then the terminal, and lets a rule replace the context', async () => {
    const seen: string[] = []
    const handler = compose<{ n: number }>(
      [
        async (ctx, next) => (seen.push(`a${ctx.n}`), next({ n: ctx.n + 1 })),
        async (ctx, next) => (seen.push(`b${ctx.n}`), next(ctx)),
      ],
      async (ctx) => (seen.push(`end${ctx.n}`), reject('T99')),
    )
    await handler({ n: 0 })
    expect(seen).toEqual(['a0', 'b1', 'end1'])
  })
})

describe('incoming expiry rule', () => {
  const clock = new FakeClock()
  const rule = incomingExpiryRule(clock)

  it('rejects a Prepare that is already expired with R00', async () => {
    const error = await thrown(rule(incoming(peerAccount({ id: 'a' }), { expiresAt: new Date(T0) }), ok))
    expect(error.code).toBe('R00')
  })

  it('passes a Prepare that has not expired', async () => {
    const reply = await rule(incoming(peerAccount({ id: 'a' }), { expiresAt: new Date(T0 + 1) }), ok)
    expect(reply).toMatchObject({ code: 'T99' })
  })
})

describe('reply deadline rule', () => {
  it('gives R00 when the next hop does not answer before the expiry, not a moment before', async () => {
    const clock = new FakeClock()
    const rule = replyDeadlineRule(clock)
    const ctx = outgoing({ expiresAt: new Date(T0 + 5_000) })
    const never = deferred<IlpReply>()
    let settled = false
    const outcome = rule(ctx, () => never.promise).then(
      () => 'replied',
      (e: unknown) => e,
    )
    void outcome.then(() => (settled = true))
    await clock.advance(4_999)
    expect(settled).toBe(false)
    await clock.advance(1)
    const error = await outcome
    expect(error).toBeInstanceOf(IlpError)
    expect((error as IlpError).code).toBe('R00')
    // The late Fulfill goes nowhere.
    never.resolve(fulfill(ctx.fulfillment))
    await settle()
  })

  it('relays a reply that comes in time and cancels its timer', async () => {
    const clock = new FakeClock()
    const ctx = outgoing()
    const reply = await replyDeadlineRule(clock)(ctx, async () => fulfill(ctx.fulfillment))
    expect(reply.type).toBe(IlpPacketType.Fulfill)
    expect(clock.pendingTimers).toBe(0)
  })

  it('gives R00 without sending when the outgoing expiry has passed', async () => {
    const clock = new FakeClock()
    let sent = false
    const error = await thrown(replyDeadlineRule(clock)(outgoing({ expiresAt: new Date(T0) }), async () => ((sent = true), ok())))
    expect(error.code).toBe('R00')
    expect(sent).toBe(false)
  })
})

describe('reduce expiry rule', () => {
  const clock = new FakeClock()
  const rule = reduceExpiryRule(clock, { minMessageWindowMs: 1_000, maxHoldTimeMs: 30_000 })

  it('takes the minimum message window off the incoming expiry', async () => {
    let forwarded: Date | undefined
    await rule(outgoing({ expiresAt: new Date(T0 + 10_000) }), async (c) => ((forwarded = c.prepare.expiresAt), ok()))
    expect(forwarded?.getTime()).toBe(T0 + 9_000)
  })

  it('caps the outgoing expiry at now + maxHoldTime', async () => {
    let forwarded: Date | undefined
    await rule(outgoing({ expiresAt: new Date(T0 + 120_000) }), async (c) => ((forwarded = c.prepare.expiresAt), ok()))
    expect(forwarded?.getTime()).toBe(T0 + 30_000)
  })

  it('rejects with R02 when too little time is left for the next hop', async () => {
    const error = await thrown(rule(outgoing({ expiresAt: new Date(T0 + 1_999) }), ok))
    expect(error.code).toBe('R02')
    const reply = await rule(outgoing({ expiresAt: new Date(T0 + 2_000) }), ok)
    expect(reply.type).toBe(IlpPacketType.Reject)
  })
})

describe('max packet amount rule', () => {
  const rule = maxPacketAmountRule()

  it('rejects above the maximum with F08 carrying the received and maximum amounts', async () => {
    const error = await thrown(rule(incoming(peerAccount({ id: 'a', maxPacketAmount: 1000n }), { amount: 1001n }), ok))
    expect(error.code).toBe('F08')
    expect(decodeAmountTooLargeData(error.data)).toEqual({ receivedAmount: 1001n, maximumAmount: 1000n })
  })

  it('passes the maximum itself, and anything when unset', async () => {
    await expect(rule(incoming(peerAccount({ id: 'a', maxPacketAmount: 1000n }), { amount: 1000n }), ok)).resolves.toBeDefined()
    await expect(rule(incoming(peerAccount({ id: 'a' }), { amount: 2n ** 64n - 1n }), ok)).resolves.toBeDefined()
  })
})

describe('rate limit rule', () => {
  it('limits packets per second with T05, refilling over time', async () => {
    const clock = new FakeClock()
    const source = peerAccount({ id: 'a', rateLimiter: new RateLimiter({ packetsPerSecond: 2 }, clock.now()) })
    const rule = rateLimitRule(clock)
    await rule(incoming(source), ok)
    await rule(incoming(source), ok)
    expect((await thrown(rule(incoming(source), ok))).code).toBe('T05')
    await clock.advance(500) // half a second: one packet back
    await rule(incoming(source), ok)
    expect((await thrown(rule(incoming(source), ok))).code).toBe('T05')
  })

  it('limits value per second with T05, and a refused Prepare takes no tokens', async () => {
    const clock = new FakeClock()
    const limiter = new RateLimiter({ packetsPerSecond: 10, valuePerSecond: 1000n }, clock.now())
    const source = peerAccount({ id: 'a', rateLimiter: limiter })
    const rule = rateLimitRule(clock)
    await rule(incoming(source, { amount: 700n }), ok)
    expect((await thrown(rule(incoming(source, { amount: 301n }), ok))).code).toBe('T05')
    await rule(incoming(source, { amount: 300n }), ok)
    await clock.advance(1) // 1 ms of 1000/s: exactly one unit, no rounding
    await rule(incoming(source, { amount: 1n }), ok)
    expect((await thrown(rule(incoming(source, { amount: 1n }), ok))).code).toBe('T05')
  })
})

describe('validate fulfillment rule', () => {
  const clock = new FakeClock()
  const rule = validateFulfillmentRule(clock)

  it('turns a Fulfill whose fulfillment does not hash to the condition into F05', async () => {
    const ctx = outgoing()
    const error = await thrown(rule(ctx, async () => fulfill(new Uint8Array(32).fill(7))))
    expect(error.code).toBe('F05')
  })

  it('turns a Fulfill that arrives at or after the expiry into R00', async () => {
    const ctx = outgoing({ expiresAt: new Date(T0) })
    expect((await thrown(rule(ctx, async () => fulfill(ctx.fulfillment)))).code).toBe('R00')
  })

  it('passes a valid Fulfill and any Reject unchanged', async () => {
    const ctx = outgoing()
    const good = fulfill(ctx.fulfillment)
    expect(await rule(ctx, async () => good)).toBe(good)
    const downstream = reject('F99', 'test.far.away')
    expect(await rule(ctx, async () => downstream)).toBe(downstream)
  })
})
