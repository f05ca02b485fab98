import { generateFulfillmentPair, isAddressPrefix, IlpPacketType, reject as ilpReject, type IlpPrepare, type IlpReply } from '@stack/ilp-core'
import type { Channel, ValueHandler } from '@stack/channel-core'
import type { Clock } from '../src/clock.js'
import type { PeerAccount } from '../src/pipeline.js'
import type { RouteLookup } from '../src/switch.js'

export const T0 = Date.parse('2030-01-01T00:00:00.000Z')

/** Time by hand: `advance` fires due timers in order, letting promises run after each. */
export class FakeClock implements Clock {
  #now: number
  #timers: { at: number; seq: number; callback: () => void }[] = []
  #seq = 0

  constructor(start = T0) {
    this.#now = start
  }

  now(): number {
    return this.#now
  }

  setTimer(delayMs: number, callback: () => void): () => void {
    const timer = { at: this.#now + Math.max(0, delayMs), seq: this.#seq++, callback }
    this.#timers.push(timer)
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer)
    }
  }

  get pendingTimers(): number {
    return this.#timers.length
  }

  async advance(ms: number): Promise<void> {
    const until = this.#now + ms
    for (;;) {
      this.#timers.sort((a, b) => a.at - b.at || a.seq - b.seq)
      const next = this.#timers[0]
      if (next === undefined || next.at > until) break
      this.#timers.shift()
      this.#now = next.at
      next.callback()
      await settle()
    }
    this.#now = until
    await settle()
  }
}

/** Lets every pending promise chain run (a macrotask turn). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/** Longest-prefix static routes: prefix → peer id. */
export class StaticRoutes implements RouteLookup {
  constructor(readonly table: Record<string, string>) {}

  nextHop(destination: string): string | undefined {
    let best: string | undefined
    let hop: string | undefined
    for (const [prefix, peer] of Object.entries(this.table)) {
      if (isAddressPrefix(prefix, destination) && (best === undefined || prefix.length > best.length)) {
        best = prefix
        hop = peer
      }
    }
    return hop
  }
}

export function peerAccount(overrides: Partial<PeerAccount> & { id: string }): PeerAccount {
  return {
    relation: 'peer',
    asset: { code: 'USD', scale: 2 },
    maxPacketAmount: undefined,
    minBalance: undefined,
    settleThreshold: undefined,
    settleTo: 0n,
    rateLimiter: undefined,
    channel: undefined,
    send: undefined,
    ...overrides,
  }
}

export interface TestPrepare {
  prepare: IlpPrepare
  fulfillment: Uint8Array
}

export function testPrepare(overrides: Partial<IlpPrepare> = {}, now = T0): TestPrepare {
  const { fulfillment, condition } = generateFulfillmentPair()
  return {
    fulfillment,
    prepare: {
      amount: 100n,
      expiresAt: new Date(now + 30_000),
      executionCondition: condition,
      destination: 'test.bob',
      data: new Uint8Array(0),
      ...overrides,
    },
  }
}

export function fulfill(fulfillment: Uint8Array, data = new Uint8Array(0)): IlpReply {
  return { type: IlpPacketType.Fulfill, fulfillment, data }
}

export function reject(code: string, triggeredBy = 'test.somebody', message = 'no'): IlpReply {
  return ilpReject(code, triggeredBy, message)
}

/** A promise with its resolvers outside. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/** Two Channels joined in memory; `fail` makes the next sends refuse. */
export function createFakeChannelPair(): [FakeChannel, FakeChannel] {
  const a = new FakeChannel()
  const b = new FakeChannel()
  a.other = b
  b.other = a
  return [a, b]
}

export class FakeChannel implements Channel {
  other: FakeChannel | undefined
  handler: ValueHandler | undefined
  readonly sent: bigint[] = []
  fail = false
  /** When set, sends wait on it (to test what happens while a settlement is in flight). */
  gate: Promise<void> | undefined

  async sendValue(amount: bigint): Promise<void> {
    if (this.gate !== undefined) await this.gate
    if (this.fail) throw new Error('channel refused')
    this.sent.push(amount)
    await this.other?.handler?.({ amount, proof: new Uint8Array(0) })
  }

  setValueHandler(handler: ValueHandler | undefined): void {
    this.handler = handler
  }
}

export function recordingLogger(): { warnings: [string, unknown][]; warn(message: string, details?: unknown): void } {
  const warnings: [string, unknown][] = []
  return { warnings, warn: (message, details) => void warnings.push([message, details]) }
}
