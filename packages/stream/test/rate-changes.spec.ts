// The rate after the probe (RFC 0029 §3.4): re-probed after F04 and after an F08 that lowers
// the limit, never paying for nothing, the books equal on both sides.
import { randomBytes } from 'node:crypto'
import { IlpErrorCode, IlpPacketType, encodeAmountTooLargeData, type IlpReply, type PrepareHandler } from '@stack/ilp-core'
import { describe, expect, it } from 'vitest'
import { createConnection, createServer } from '../src/index.js'

interface Hop {
  /** floor(amount × numerator / denominator) for the next Prepare; may change as packets pass. */
  rate: { numerator: bigint; denominator: bigint }
  maxPacketAmount: bigint | undefined
  /** Fulfilled money Prepares, in order (what the sender's account is charged). */
  fulfilled: bigint[]
  rejects: string[]
}

async function connect(hop: Hop, onPrepare: () => void = () => undefined) {
  const server = await createServer({ serverSecret: new Uint8Array(randomBytes(32)), serverAddress: 'test.server' })
  let received = 0n
  server.on('connection', (connection) => connection.on('stream', (stream) => stream.on('money', (amount) => (received += amount))))
  const handler: PrepareHandler = async (prepare) => {
    onPrepare()
    let reply: IlpReply
    if (hop.maxPacketAmount !== undefined && prepare.amount > hop.maxPacketAmount) {
      const data = encodeAmountTooLargeData({ receivedAmount: prepare.amount, maximumAmount: hop.maxPacketAmount })
      reply = { type: IlpPacketType.Reject, code: IlpErrorCode.F08_AMOUNT_TOO_LARGE, triggeredBy: 'test.hop', message: '', data }
    } else {
      reply = await server.handlePrepare({ ...prepare, amount: (prepare.amount * hop.rate.numerator) / hop.rate.denominator })
    }
    if (reply.type === IlpPacketType.Fulfill) hop.fulfilled.push(prepare.amount)
    else hop.rejects.push(reply.code)
    return reply
  }
  const { destinationAccount, sharedSecret } = server.generateAddressAndSecret()
  // One packet at a time, so that which packet meets which rate is fixed.
  const client = await createConnection({ destinationAccount, sharedSecret, sendPrepare: handler, maxInFlightPackets: 1, retry: { initialDelay: 1, maxDelay: 5 } })
  return { client, received: () => received }
}

const hop = (rate: Hop['rate'], maxPacketAmount?: bigint): Hop => ({ rate, maxPacketAmount, fulfilled: [], rejects: [] })
const sum = (amounts: bigint[]) => amounts.reduce((a, b) => a + b, 0n)

describe('the rate after the probe', () => {
  it('re-probes after an F04 and goes on when the rate is back', async () => {
    const path = hop({ numerator: 1n, denominator: 1n }, 1_000n)
    let paying = false
    let packets = 0
    const { client, received } = await connect(path, () => {
      // The third packet of the payment crosses a connector whose rate dipped by half, once.
      path.rate = paying && ++packets === 3 ? { numerator: 1n, denominator: 2n } : { numerator: 1n, denominator: 1n }
    })
    paying = true
    const outcome = await client.createStream().sendTotal(5_000n)
    expect(outcome).toEqual({ type: 'sent', totalSent: 5_000n, totalDelivered: 5_000n })
    expect(path.rejects.filter((code) => code === IlpErrorCode.F04_INSUFFICIENT_DESTINATION_AMOUNT)).toHaveLength(1)
    expect(sum(path.fulfilled)).toBe(5_000n)
    expect(received()).toBe(5_000n)
  })

  it('never pays for nothing: a remainder that rounds to 0 is refused, the stream stops, the books agree', async () => {
    // Scale 6 → 2 at 0.9: 100 000 units deliver 9; the last 5 000 would deliver 0.45 → 0.
    const path = hop({ numerator: 9n, denominator: 100_000n }, 100_000n)
    const { client, received } = await connect(path)
    const outcome = await client.createStream().sendTotal(1_005_000n)
    expect(outcome).toEqual({ type: 'failed', reason: 'exchange-rate-too-low', totalSent: 1_000_000n, totalDelivered: 90n })
    expect(sum(path.fulfilled)).toBe(1_000_000n)
    expect(received()).toBe(90n)
  })

  it('re-probes when an F08 lowers the limit, and sends nothing at a size that delivers nothing', async () => {
    const path = hop({ numerator: 9n, denominator: 100_000n }, 1_000_000n)
    const { client, received } = await connect(path, () => {
      // Once the first money packet is through, a connector lowers its limit to 10 000 (0.9 → 0).
      if (path.fulfilled.length === 1) path.maxPacketAmount = 10_000n
    })
    expect(client.exchangeRate).toEqual({ sent: 1_000_000n, delivered: 90n })
    const outcome = await client.createStream().sendTotal(10_000_000n)
    expect(outcome).toEqual({ type: 'failed', reason: 'exchange-rate-too-low', totalSent: 1_000_000n, totalDelivered: 90n })
    expect(client.maxPacketAmount).toBe(10_000n)
    expect(path.fulfilled).toEqual([1_000_000n])
    expect(received()).toBe(90n)
  })
})
