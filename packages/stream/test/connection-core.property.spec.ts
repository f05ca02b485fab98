// The connection core (sans-I/O) driven by random events: the application sends and writes,
// the path answers any Prepare in flight, in any order — forwarded at a rate to a real server
// core, or T04, F08, R00, a final F99, or no reply by its expiry — and time passes. After every
// event the books balance on both sides, offsets only grow, and no limit is ever exceeded.
import { randomBytes } from 'node:crypto'
import { encodeAmountTooLargeData, IlpErrorCode, IlpPacketType, MAX_UINT64, type IlpReply } from '@stack/ilp-core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ConnectionCore, StreamErrorCode, type OutgoingRequest } from '../src/index.js'
import type { StreamState } from '../src/stream-state.js'

type Answer = 'forward' | 'T04' | 'F08' | 'R00' | 'F99' | 'expire'

type Event =
  | { type: 'pump' }
  | { type: 'answer'; pick: number; answer: Answer; max: number }
  | { type: 'time'; ms: number }
  | { type: 'send'; stream: number; amount: bigint }
  | { type: 'write'; stream: number; bytes: number }
  | { type: 'read'; stream: number; bytes: number }
  | { type: 'raise'; stream: number; amount: bigint }

const event: fc.Arbitrary<Event> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ type: 'pump' as const }) },
  {
    weight: 10,
    arbitrary: fc.record({
      type: fc.constant('answer' as const),
      pick: fc.nat(),
      answer: fc.oneof(
        { weight: 60, arbitrary: fc.constant<Answer>('forward') },
        { weight: 10, arbitrary: fc.constantFrom<Answer>('T04', 'R00', 'expire') },
        { weight: 4, arbitrary: fc.constant<Answer>('F08') },
        // A final reject from the path ends the connection: rare, or little else would happen.
        { weight: 1, arbitrary: fc.constant<Answer>('F99') },
      ),
      max: fc.integer({ min: 0, max: 100 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('time' as const), ms: fc.integer({ min: 1, max: 40 }) }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('send' as const), stream: fc.nat(2), amount: fc.bigInt({ min: 1n, max: 5_000n }) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('write' as const), stream: fc.nat(2), bytes: fc.integer({ min: 1, max: 3_000 }) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('read' as const), stream: fc.nat(2), bytes: fc.integer({ min: 1, max: 3_000 }) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('raise' as const), stream: fc.nat(2), amount: fc.bigInt({ min: 1n, max: 3_000n }) }) },
)

const path = fc.record({
  rate: fc.record({ numerator: fc.bigInt({ min: 1n, max: 1_000n }), denominator: fc.bigInt({ min: 1n, max: 1_000n }) }),
  maxPacketAmount: fc.option(fc.bigInt({ min: 1n, max: 3_000n }), { nil: undefined }),
  receiveMax: fc.option(fc.bigInt({ min: 0n, max: 10_000n }), { nil: undefined }),
  maxInFlightPackets: fc.integer({ min: 1, max: 5 }),
})

type Path = typeof path extends fc.Arbitrary<infer T> ? T : never

const reject = (code: string, data: Uint8Array = new Uint8Array(0)): IlpReply => ({ type: IlpPacketType.Reject, code, triggeredBy: 'test.path', message: '', data })

interface Books {
  /** Per client stream: source units in Prepares sent, fulfilled, refunded (rejected or expired). */
  prepared: bigint
  fulfilled: bigint
  refunded: bigint
  /** Destination units in the fulfilled packets, as the receiver reported them. */
  delivered: bigint
}

function simulate(options: Path, events: Event[]): void {
  const sharedSecret = new Uint8Array(randomBytes(32))
  let now = 1_000
  const serverStreams = new Map<number, StreamState>()
  const received = new Map<number, Uint8Array[]>()
  const server = new ConnectionCore({
    role: 'server',
    sharedSecret,
    canSend: false,
    sourceAccount: 'test.server.x',
    streamBufferSize: 16_384, // the least: windows fill and open again
    receiveMax: options.receiveMax ?? MAX_UINT64,
    onStream: (stream) => serverStreams.set(stream.id, stream),
  })
  const client = new ConnectionCore({
    role: 'client',
    sharedSecret,
    canSend: true,
    destinationAccount: 'test.server.x',
    maxInFlightPackets: options.maxInFlightPackets,
    retry: { initialDelay: 1, maxDelay: 8 },
    packetLifetime: 30_000,
  })
  const streams = [client.openStream(), client.openStream(), client.openStream()]
  const books = new Map(streams.map((stream) => [stream, { prepared: 0n, fulfilled: 0n, refunded: 0n, delivered: 0n } as Books]))
  const written = new Map<StreamState, number>(streams.map((stream) => [stream, 0]))
  const inFlight: OutgoingRequest[] = []
  let lastSequence = 0n
  const seen = new Map<StreamState, { remoteMaxOffset: number; remoteReceiveMax: bigint; remoteTotalReceived: bigint }>()
  client.startProbe()

  const pump = (): void => {
    for (;;) {
      const step = client.nextRequest(now)
      if (step.type !== 'send') return
      const { request } = step
      expect(request.sequence).toBeGreaterThan(lastSequence)
      lastSequence = request.sequence
      if (request.stream !== undefined) {
        const book = books.get(request.stream) as Books
        book.prepared += request.amount
        // RFC 0029 §3.4: a money packet asks for at least one unit; never past the path's limit once known.
        expect(request.minDestination).toBeGreaterThanOrEqual(1n)
        expect(request.amount).toBeLessThanOrEqual(client.maxPacket.limit)
      }
      inFlight.push(request)
      expect(inFlight.length).toBeLessThanOrEqual(options.maxInFlightPackets)
    }
  }

  const settle = (request: OutgoingRequest, reply: IlpReply): void => {
    const fulfilled = reply.type === IlpPacketType.Fulfill
    const beforeDelivered = request.stream?.totalDelivered ?? 0n
    client.applyReply(request, reply, now)
    if (request.stream === undefined) return
    const book = books.get(request.stream) as Books
    if (fulfilled) {
      book.fulfilled += request.amount
      book.delivered += request.stream.totalDelivered - beforeDelivered
      expect(request.stream.totalDelivered - beforeDelivered).toBeGreaterThanOrEqual(request.minDestination)
    } else book.refunded += request.amount
  }

  const answer = (request: OutgoingRequest, kind: Answer, max: number): void => {
    switch (kind) {
      case 'forward': {
        if (options.maxPacketAmount !== undefined && request.amount > options.maxPacketAmount) {
          settle(request, reject(IlpErrorCode.F08_AMOUNT_TOO_LARGE, encodeAmountTooLargeData({ receivedAmount: request.amount, maximumAmount: options.maxPacketAmount })))
          return
        }
        const amount = (request.amount * options.rate.numerator) / options.rate.denominator
        if (amount > MAX_UINT64) {
          // Past UInt64 at the next hop: a connector's F08 says how far it can go.
          const maximumAmount = (MAX_UINT64 * options.rate.denominator) / options.rate.numerator
          settle(request, reject(IlpErrorCode.F08_AMOUNT_TOO_LARGE, encodeAmountTooLargeData({ receivedAmount: request.amount, maximumAmount })))
          return
        }
        settle(request, server.handlePrepare({ ...request.prepare, amount }, now))
        for (const e of server.takeEvents()) if (e.type === 'data') (received.get(e.stream.id) ?? received.set(e.stream.id, []).get(e.stream.id))?.push(e.chunk)
        return
      }
      case 'T04':
        return settle(request, reject(IlpErrorCode.T04_INSUFFICIENT_LIQUIDITY))
      case 'R00':
      case 'expire': // the shell's answer to a Prepare unanswered by its expiry
        if (kind === 'expire') now = Math.max(now, request.prepare.expiresAt.getTime())
        return settle(request, reject(IlpErrorCode.R00_TRANSFER_TIMED_OUT))
      case 'F08': {
        // A connector whose limit is some fraction of this packet.
        const maximumAmount = (request.amount * BigInt(max)) / 100n
        return settle(request, reject(IlpErrorCode.F08_AMOUNT_TOO_LARGE, encodeAmountTooLargeData({ receivedAmount: request.amount, maximumAmount })))
      }
      case 'F99':
        return settle(request, reject(IlpErrorCode.F99_APPLICATION_ERROR))
    }
  }

  const check = (): void => {
    for (const stream of streams) {
      const book = books.get(stream) as Books
      // Conservation: what went out is fulfilled, refunded, or still in flight.
      expect(book.prepared).toBe(book.fulfilled + book.refunded + stream.inFlight)
      expect(stream.totalSent).toBe(book.fulfilled)
      expect(stream.totalDelivered).toBe(book.delivered)
      expect(stream.totalSent + stream.inFlight).toBeLessThanOrEqual(stream.sendMax)
      const remote = serverStreams.get(stream.id)
      // Both sides' books: what the sender counts delivered, the receiver counts received.
      expect(stream.totalDelivered).toBe(remote?.totalReceived ?? 0n)
      if (remote !== undefined) expect(remote.totalReceived).toBeLessThanOrEqual(remote.receiveMax)
      // Limits and offsets only grow (RFC 0029 §4.4.4).
      const before = seen.get(stream)
      if (before !== undefined) {
        expect(stream.outgoing.remoteMaxOffset).toBeGreaterThanOrEqual(before.remoteMaxOffset)
        expect(stream.remoteTotalReceived).toBeGreaterThanOrEqual(before.remoteTotalReceived)
        if (before.remoteReceiveMax !== MAX_UINT64) expect(stream.remoteReceiveMax).toBeGreaterThanOrEqual(before.remoteReceiveMax)
      }
      seen.set(stream, { remoteMaxOffset: stream.outgoing.remoteMaxOffset, remoteReceiveMax: stream.remoteReceiveMax, remoteTotalReceived: stream.remoteTotalReceived })
      // The bytes arrive in order, each once: a prefix of what was written, within the window.
      const got = (received.get(stream.id) ?? []).reduce((length, chunk) => length + chunk.length, 0)
      expect(got).toBeLessThanOrEqual(written.get(stream) as number)
      expect(got).toBe(remote?.incoming.readEnd ?? 0)
      if (remote !== undefined) expect(remote.incoming.readEnd).toBeLessThanOrEqual(remote.incoming.maxOffset)
    }
    expect(client.totalSent).toBe([...books.values()].reduce((sum, book) => sum + book.fulfilled, 0n))
    expect(client.totalDelivered).toBe(server.totalReceived)
    expect(client.inFlight).toBe(inFlight.reduce((sum, request) => sum + request.amount, 0n))
    // The sender never breaks the receiver's limits: the receiver never closes for it.
    if (server.status.type === 'closed') expect(server.status.error?.code).not.toBe(StreamErrorCode.FlowControlError)
  }

  for (const e of events) {
    switch (e.type) {
      case 'pump':
        pump()
        break
      case 'answer': {
        if (inFlight.length === 0) break
        const [request] = inFlight.splice(e.pick % inFlight.length, 1)
        answer(request as OutgoingRequest, e.answer, e.max)
        break
      }
      case 'time':
        now += e.ms
        break
      case 'send': {
        const stream = streams[e.stream] as StreamState
        client.setSendMax(stream, stream.sendMax + e.amount)
        break
      }
      case 'write': {
        const stream = streams[e.stream] as StreamState
        if (stream.localEnding) break
        client.write(stream, new Uint8Array(e.bytes).fill(e.stream))
        written.set(stream, (written.get(stream) as number) + e.bytes)
        break
      }
      case 'read': {
        const remote = serverStreams.get((streams[e.stream] as StreamState).id)
        if (remote === undefined) break
        const unread = remote.incoming.readEnd - remote.incoming.consumed
        if (unread > 0) server.consumed(remote, Math.min(unread, e.bytes))
        break
      }
      case 'raise': {
        const remote = serverStreams.get((streams[e.stream] as StreamState).id)
        if (remote === undefined || remote.receiveMax === MAX_UINT64) break
        server.setReceiveMax(remote, remote.receiveMax + e.amount)
        break
      }
    }
    check()
  }
  // Every Prepare still in flight comes back (forwarded): the books close exactly.
  for (const request of inFlight.splice(0)) answer(request, 'forward', 0)
  check()
  for (const stream of streams) expect(stream.inFlight).toBe(0n)
}

describe('ConnectionCore under random events', () => {
  it('conserves money, grows offsets only, and keeps every limit', () => {
    fc.assert(
      fc.property(path, fc.array(event, { minLength: 20, maxLength: 200, size: 'max' }), (options, events) => simulate(options, events)),
      { numRuns: 200 },
    )
  })
})
