// The paying client end to end: SPSP over loopback HTTP, STREAM through a Connector over BTP
// 2.0 with exchange rates, value checked on both sides of the connector.
import { afterEach, describe, expect, it } from 'vitest'
import { pay, quote, QuoteError, type PaymentProgress } from '@stack/spsp'
import { connectUplink, type Uplink } from '../src/uplink.js'
import { startNetwork, startReceiver, type Network, type Receiver } from './fixtures/network.js'

const usd = { code: 'USD', scale: 2 }
const eur = { code: 'EUR', scale: 2 }
const fast = { retry: { initialDelay: 5, maxDelay: 50 } }

let cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of cleanup.reverse()) await close()
  cleanup = []
})

async function setUp(options: { receiveMax?: bigint; maxPacketAmount?: bigint } = {}): Promise<{ network: Network; receiver: Receiver; alice: Uplink }> {
  const network = await startNetwork({ alice: { asset: usd, ...(options.maxPacketAmount === undefined ? {} : { maxPacketAmount: options.maxPacketAmount }) }, bob: { asset: eur } })
  cleanup.push(() => network.close())
  const receiver = await startReceiver(network, 'bob', options)
  cleanup.push(() => receiver.close())
  const alice = await connectUplink(network.url('alice'))
  cleanup.push(() => alice.close())
  return { network, receiver, alice }
}

/** Conservation: what alice sent is what the connector charged her; what bob got is what it owes him and what her STREAM reports delivered. */
function expectConserved(network: Network, receiver: Receiver, sent: bigint, delivered: bigint): void {
  expect(-network.connector.balance('alice').balance).toBe(sent)
  expect(network.connector.balance('bob').balance).toBe(delivered)
  expect(receiver.received()).toBe(delivered)
}

describe('pay through a connector over BTP', () => {
  it('pays a fixed source amount, USD → EUR at 0.9 less a 1% spread', async () => {
    const { network, receiver, alice } = await setUp({ maxPacketAmount: 1000n })
    const q = await quote({ destination: receiver.url, spsp: { allowInsecure: true }, sendPrepare: alice.sendPrepare, sourceAsset: usd, amountToSend: '123.45', connection: fast })
    expect(q.target).toEqual({ type: 'fixed-send', amount: 12_345n })
    expect(q.destinationAsset).toEqual(eur)
    expect(q.maxSourceAmount).toBe(12_345n)
    expect(q.estimatedDeliveryAmount).toBeGreaterThan(10_900n)
    const seen: PaymentProgress[] = []
    const result = await pay(q, { onProgress: (p) => seen.push(p), progressIntervalMs: 5 })
    expect(result.type).toBe('complete')
    expect(result.amountSent).toBe(12_345n)
    expect(result.inFlight).toBe(0n)
    expect(result.amountDelivered).toBeGreaterThanOrEqual(q.minDeliveryAmount)
    expect(seen.length).toBeGreaterThan(1)
    expect(seen.at(-1)).toEqual({ amountSent: 12_345n, amountDelivered: result.amountDelivered, inFlight: 0n })
    expectConserved(network, receiver, 12_345n, result.amountDelivered)
  })

  it('pays a fixed delivery amount: the receiver gets the target, the sender never more than the quote allows', async () => {
    const { network, receiver, alice } = await setUp({ maxPacketAmount: 700n })
    const q = await quote({ destination: receiver.url, spsp: { allowInsecure: true }, sendPrepare: alice.sendPrepare, sourceAsset: usd, amountToDeliver: '50.00', slippage: '0.02', connection: fast })
    expect(q.target).toEqual({ type: 'fixed-delivery', amount: 5_000n })
    const result = await pay(q)
    expect(result.type).toBe('complete')
    expect(result.amountDelivered).toBeGreaterThanOrEqual(5_000n)
    expect(result.amountDelivered).toBeLessThanOrEqual(5_001n)
    expect(result.amountSent).toBeLessThanOrEqual(q.maxSourceAmount)
    expectConserved(network, receiver, result.amountSent, result.amountDelivered)
  })

  it('refuses before sending when the probed rate is below the caller\'s minimum', async () => {
    const { network, receiver, alice } = await setUp()
    const attempt = quote({ destination: receiver.url, spsp: { allowInsecure: true }, sendPrepare: alice.sendPrepare, sourceAsset: usd, amountToSend: 1000n, minExchangeRate: '0.95' })
    await expect(attempt).rejects.toMatchObject({ name: 'QuoteError', code: 'exchange-rate-too-low' })
    await expect(attempt).rejects.toBeInstanceOf(QuoteError)
    expectConserved(network, receiver, 0n, 0n)
  })

  it('stops when the rate falls below the minimum mid-payment; nothing lost on either side', async () => {
    const { network, receiver, alice } = await setUp({ maxPacketAmount: 100n })
    const q = await quote({ destination: receiver.url, spsp: { allowInsecure: true }, sendPrepare: alice.sendPrepare, sourceAsset: usd, amountToSend: 100_000n, slippage: '0.01', connection: fast })
    const result = await pay(q, {
      progressIntervalMs: 5,
      onProgress: (p) => {
        if (p.amountSent >= 2_000n) network.setRates({ USD: 1, EUR: 0.5 })
      },
    })
    expect(result).toMatchObject({ type: 'failed', reason: 'exchange-rate-too-low', inFlight: 0n })
    expect(result.amountSent).toBeGreaterThanOrEqual(2_000n)
    expect(result.amountSent).toBeLessThan(100_000n)
    expectConserved(network, receiver, result.amountSent, result.amountDelivered)
  })

  it('reports a partial payment exactly when the receiver\'s limit is reached', async () => {
    const { network, receiver, alice } = await setUp({ receiveMax: 3_000n, maxPacketAmount: 500n })
    const q = await quote({ destination: receiver.url, spsp: { allowInsecure: true }, sendPrepare: alice.sendPrepare, sourceAsset: usd, amountToSend: 10_000n, connection: fast })
    const result = await pay(q)
    expect(result).toMatchObject({ type: 'failed', reason: 'receiver-limit', inFlight: 0n })
    expect(result.amountDelivered).toBeLessThanOrEqual(3_000n)
    expect(result.amountDelivered).toBeGreaterThan(2_900n)
    expectConserved(network, receiver, result.amountSent, result.amountDelivered)
  })

  it('accounts exactly for what was delivered when the receiver goes away mid-payment', async () => {
    const { network, receiver, alice } = await setUp({ maxPacketAmount: 100n })
    const q = await quote({ destination: receiver.url, spsp: { allowInsecure: true }, sendPrepare: alice.sendPrepare, sourceAsset: usd, amountToSend: 1_000_000n, connection: fast })
    let closing: Promise<void> | undefined
    const result = await pay(q, {
      progressIntervalMs: 5,
      stallTimeoutMs: 1_000,
      onProgress: (p) => {
        if (p.amountSent >= 1_000n) closing ??= receiver.uplink.close()
      },
    })
    await closing
    expect(result.type).toBe('failed')
    // The connector answers T01 for a peer whose link is down: retried until the stall timeout.
    expect(result).toMatchObject({ type: 'failed', reason: 'stalled' })
    if (result.type === 'failed') expect(result.message).toMatch(/T01 from test\.connie: peer bob unreachable/)
    expect(result.inFlight).toBe(0n)
    expect(result.amountSent).toBeGreaterThanOrEqual(1_000n)
    expect(result.amountSent).toBeLessThan(1_000_000n)
    // The sender's account is exact: it paid what the connector charged, and "delivered" is
    // what the connector owes the receiver.
    expect(-network.connector.balance('alice').balance).toBe(result.amountSent)
    expect(network.connector.balance('bob').balance).toBe(result.amountDelivered)
    // A receiver that drops its link may have credited Fulfills that never reached the
    // connector: those were rejected back to the sender and are not paid.
    expect(receiver.received()).toBeGreaterThanOrEqual(result.amountDelivered)
  })

  it('cancels on the caller\'s signal, settling what is in flight', async () => {
    const { network, receiver, alice } = await setUp({ maxPacketAmount: 10n })
    const q = await quote({ destination: receiver.url, spsp: { allowInsecure: true }, sendPrepare: alice.sendPrepare, sourceAsset: usd, amountToSend: 1_000_000n, connection: fast })
    const controller = new AbortController()
    const result = await pay(q, { signal: controller.signal, progressIntervalMs: 5, onProgress: (p) => p.amountSent > 200n && controller.abort() })
    expect(result).toMatchObject({ type: 'failed', reason: 'cancelled', inFlight: 0n })
    expectConserved(network, receiver, result.amountSent, result.amountDelivered)
  })
})
