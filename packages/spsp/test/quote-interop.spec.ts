// Quotes next to @interledger/pay 0.2.2's, on the same paths through ilp-connector 23.0.2:
// asset-scale changes, exchange rates, F08 limits between probe amounts, and a rate that
// rounds to zero. Where its quote succeeds, ours must, at a rate inside its bounds. Slow: its own file.
import { randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import { IlpPacketType, type PrepareHandler } from '@stack/ilp-core'
import { createServer } from '@stack/stream'
import { afterEach, describe, expect, it } from 'vitest'
import { pay, querySpsp, quote, QuoteError, SpspServer, spspReceiver } from '../src/index.js'
import { startIlpConnector, type Account, type IlpConnector } from './fixtures/ilp-connector.js'

const require = createRequire(import.meta.url)
const interledgerPay = require('@interledger/pay') as typeof import('@interledger/pay')

interface Case {
  name: string
  source: Account
  destination: Account
  spread: number
  /** Source units to send (a whole number of the sender's units for @interledger/pay). */
  amount: bigint
}

const usd = (scale: number, maxPacketAmount?: bigint): Account => ({ asset: { code: 'USD', scale }, maxPacketAmount })
const eur = (scale: number): Account => ({ asset: { code: 'EUR', scale } })
// @interledger/pay's floor: 1 USD is worth at least 0.5 EUR, less its slippage (every path below beats it).
const prices = { USD: 1, EUR: 2 }

const cases: Case[] = [
  { name: 'scale 6 → 2 at 0.9, 1 and 1 000 units round to 0, max packet 100 000', source: usd(6, 100_000n), destination: eur(2), spread: 0.1, amount: 1_000_000n },
  { name: 'scale 6 → 4 at 0.567, max packet 999 999 between two probe amounts', source: usd(6, 999_999n), destination: eur(4), spread: 0.433, amount: 2_999_997n },
  { name: 'scale 2 → 6 at 0.5, max packet 500', source: usd(2, 500n), destination: eur(6), spread: 0.5, amount: 1_500n },
  { name: 'scale 12 → 0 at 1, no max packet: only probes from 10^12 carry a unit', source: usd(12), destination: eur(0), spread: 0, amount: 10n ** 13n },
]

const running: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const stop of running.splice(0).reverse()) await stop()
})

async function network(c: Pick<Case, 'source' | 'destination' | 'spread'>) {
  const connector: IlpConnector = await startIlpConnector({ pay: c.source, ours: c.source, receiver: c.destination }, c.spread)
  running.push(() => connector.close())
  const server = await createServer({ serverSecret: new Uint8Array(randomBytes(32)), serverAddress: 'test.ilpc.receiver', assetDetails: c.destination.asset })
  connector.serve('receiver', server.handlePrepare)
  let receivedTotal = 0n
  server.on('connection', (connection) => connection.on('stream', (stream) => stream.on('money', (amount) => (receivedTotal += amount))))
  const spsp = new SpspServer({ endpoints: { '/pay': spspReceiver({ streamServer: server }) } })
  await spsp.listen()
  running.push(() => spsp.close())
  // Our sender's books: what its connector account was charged (fulfilled Prepares).
  let charged = 0n
  const send = connector.sender('ours')
  const sendPrepare: PrepareHandler = async (prepare) => {
    const reply = await send(prepare)
    if (reply.type === IlpPacketType.Fulfill) charged += prepare.amount
    return reply
  }
  return { connector, url: `${spsp.url}/pay`, sendPrepare, charged: () => charged, received: () => receivedTotal }
}

async function payQuote(net: Awaited<ReturnType<typeof network>>, c: Pick<Case, 'source' | 'amount'>) {
  const plugin = net.connector.plugin('pay')
  await plugin.connect()
  running.push(() => plugin.disconnect())
  const { destinationAccount, sharedSecret } = await querySpsp(net.url, { allowInsecure: true })
  const amountToSend = (Number(c.amount) / 10 ** c.source.asset.scale).toString()
  return interledgerPay.quote({ plugin: plugin as never, destinationAddress: destinationAccount, sharedSecret: Buffer.from(sharedSecret), amountToSend, slippage: 0.01, prices })
}

describe('quotes where @interledger/pay quotes, through ilp-connector 23.0.2', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const net = await network(c)
      const theirs = await payQuote(net, c)
      await theirs.cancel()
      const q = await quote({ destination: net.url, spsp: { allowInsecure: true }, sendPrepare: net.sendPrepare, sourceAsset: c.source.asset, amountToSend: c.amount })
      expect(q.destinationAsset).toEqual(c.destination.asset)
      // Both measured the same rate: our probe bounds it to [delivered, delivered + 1) / sent,
      // which meets its bounds (in the assets' units; ours are in their smallest units).
      const [lower, upper] = theirs.estimatedExchangeRate.map((rate) => rate.toNumber())
      const shift = 10 ** (c.source.asset.scale - c.destination.asset.scale)
      const { sent, delivered } = q.probedRate
      expect((Number(delivered) / Number(sent)) * shift).toBeLessThanOrEqual(upper as number)
      expect((Number(delivered + 1n) / Number(sent)) * shift).toBeGreaterThanOrEqual(lower as number)
      // …as precisely: to 0.1 %, or as well as its bounds where the path carries less.
      expect(1 / Number(delivered)).toBeLessThanOrEqual(Math.max(1e-3, ((upper as number) - (lower as number)) / (lower as number)) * (1 + 1e-9))
      const result = await pay(q)
      expect(result).toMatchObject({ type: 'complete', amountSent: c.amount, inFlight: 0n })
      expect(result.amountDelivered).toBeGreaterThanOrEqual(q.minDeliveryAmount)
      // Both sides of the books: the connector charged what we sent, the receiver got what we were told.
      expect(net.charged()).toBe(result.amountSent)
      expect(net.received()).toBe(result.amountDelivered)
    })
  }

  it('quotes a path whose max packet delivers 4 units, which @interledger/pay refuses', async () => {
    const c = { source: usd(6, 50_000n), destination: eur(2), spread: 0.1, amount: 1_000_000n }
    const net = await network(c)
    await expect(payQuote(net, c)).rejects.toBe(interledgerPay.PaymentError.InsufficientExchangeRate)
    const q = await quote({ destination: net.url, spsp: { allowInsecure: true }, sendPrepare: net.sendPrepare, sourceAsset: c.source.asset, amountToSend: c.amount })
    expect(q.probedRate).toEqual({ sent: 50_000n, delivered: 4n })
    const result = await pay(q)
    expect(result).toMatchObject({ type: 'complete', amountSent: 1_000_000n, amountDelivered: 80n })
    expect(net.charged()).toBe(1_000_000n)
    expect(net.received()).toBe(80n)
  })

  it('fails with rate-rounds-to-zero where the largest packet delivers nothing, as @interledger/pay fails too', async () => {
    const c = { source: usd(9, 10n ** 8n), destination: eur(0), spread: 0, amount: 10n ** 9n }
    const net = await network(c)
    await expect(payQuote(net, c)).rejects.toBeDefined()
    const failure = await quote({ destination: net.url, spsp: { allowInsecure: true }, sendPrepare: net.sendPrepare, sourceAsset: c.source.asset, amountToSend: c.amount }).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(QuoteError)
    expect(failure).toMatchObject({ code: 'rate-rounds-to-zero' })
    expect(net.charged()).toBe(0n)
  })
})
