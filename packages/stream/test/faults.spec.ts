// Money invariants under a hostile path: random T04/F08/R00 rejects and delays, a rate and
// a max packet amount. What the receiver got must equal what the sender reports delivered.
import { randomBytes } from 'node:crypto'
import { encodeAmountTooLargeData, IlpPacketType, type IlpReply, type PrepareHandler } from '@stack/ilp-core'
import { describe, expect, it } from 'vitest'
import { createConnection, createServer, type Stream } from '../src/index.js'
import { faultyPath } from './fixtures/faulty-path.js'

describe('faults on the path', () => {
  for (const seed of [1, 2, 3]) {
    it(`keeps receiver total = sender delivered, sent ≤ sendMax (seed ${seed})`, async () => {
      const server = await createServer({ serverSecret: new Uint8Array(randomBytes(32)), serverAddress: 'test.server' })
      const path = faultyPath(() => server.handlePrepare, {
        seed,
        rate: { numerator: 7n, denominator: 3n },
        maxPacketAmount: 300n,
        t04: 0.1,
        r00: 0.05,
        f08: 0.05,
        maxDelay: 2,
      })
      const received = new Map<number, bigint>()
      server.on('connection', (connection) =>
        connection.on('stream', (stream) => stream.on('money', (amount) => received.set(stream.id, (received.get(stream.id) ?? 0n) + amount))),
      )
      const { destinationAccount, sharedSecret } = server.generateAddressAndSecret()
      const client = await createConnection({ destinationAccount, sharedSecret, sendPrepare: path.handler, retry: { initialDelay: 1, maxDelay: 10 } })
      const streams: Stream[] = [client.createStream(), client.createStream(), client.createStream()]
      const targets = [5_000n, 1_777n, 3_345n]
      const outcomes = await Promise.all(streams.map((s, i) => s.sendTotal(targets[i] as bigint)))
      for (const [i, s] of streams.entries()) {
        expect(outcomes[i]?.type).toBe('sent')
        expect(s.totalSent).toBe(targets[i])
        expect(s.totalSent).toBeLessThanOrEqual(s.sendMax)
        expect(s.inFlight).toBe(0n)
        expect(received.get(s.id)).toBe(s.totalDelivered)
        // At the path's rate, floor per packet: never more than the rate allows.
        expect(s.totalDelivered).toBeLessThanOrEqual((s.totalSent * 7n) / 3n)
      }
      expect([...received.values()].reduce((a, b) => a + b, 0n)).toBe(client.totalDelivered)
      expect(client.totalSent).toBe(targets.reduce((a, b) => a + b, 0n))
      expect(path.counts.t04 + path.counts.r00 + path.counts.f08).toBeGreaterThan(0)
    }, 20_000)
  }

  it('never exceeds a lowered sendMax, with packets in flight', async () => {
    const server = await createServer({ serverSecret: new Uint8Array(randomBytes(32)), serverAddress: 'test.server' })
    const path = faultyPath(() => server.handlePrepare, { seed: 9, maxPacketAmount: 100n, maxDelay: 2, t04: 0.1 })
    const { destinationAccount, sharedSecret } = server.generateAddressAndSecret()
    const client = await createConnection({ destinationAccount, sharedSecret, sendPrepare: path.handler, retry: { initialDelay: 1, maxDelay: 5 } })
    const stream = client.createStream()
    const outcome = stream.sendTotal(100_000n)
    await new Promise((resolve) => setTimeout(resolve, 15))
    stream.setSendMax(stream.totalSent + stream.inFlight)
    const cap = stream.sendMax
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(stream.totalSent).toBeLessThanOrEqual(cap)
    expect(stream.inFlight).toBe(0n)
    stream.setSendMax(100_000n)
    expect((await outcome).type).toBe('sent')
  }, 20_000)

  it('settles a send when the path stops answering mid-payment: the connection closes idle, the books final on both sides', async () => {
    const server = await createServer({ serverSecret: new Uint8Array(randomBytes(32)), serverAddress: 'test.server', idleTimeout: 0 })
    let received = 0n
    server.on('connection', (connection) => connection.on('stream', (stream) => stream.on('money', (amount) => (received += amount))))
    const { destinationAccount, sharedSecret } = server.generateAddressAndSecret()
    let fulfilled = 0
    const path: PrepareHandler = async (prepare) => {
      // Five packets of 100 units at most get through, then nothing is ever answered again.
      if (fulfilled >= 5) return new Promise<IlpReply>(() => undefined)
      if (prepare.amount > 100n) return { type: IlpPacketType.Reject, code: 'F08', triggeredBy: 'test.path', message: '', data: encodeAmountTooLargeData({ receivedAmount: prepare.amount, maximumAmount: 100n }) }
      const reply = await server.handlePrepare(prepare)
      if (reply.type === IlpPacketType.Fulfill) fulfilled++
      return reply
    }
    const client = await createConnection({ destinationAccount, sharedSecret, sendPrepare: path, packetLifetime: 200, idleTimeout: 500 })
    const stream = client.createStream()
    const outcome = await stream.sendTotal(1_000_000n)
    expect(client.closed).toBe(true)
    expect(outcome).toMatchObject({ type: 'failed', reason: 'connection-closed' })
    expect(stream.inFlight).toBe(0n)
    expect(outcome.totalSent).toBe(received)
    expect(outcome.totalDelivered).toBe(received)
    expect(client.totalDelivered).toBe(received)
  }, 20_000)
})
