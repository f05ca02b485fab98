// Rate probing (RFC 0029 §3.4) through real connectors, ilp-connector 23.0.2 and ilp-core's
// Connector: asset-scale changes, exchange rates, and F08 limits between the probe amounts.
// Slower than the unit tests: its own file.
import { randomBytes } from 'node:crypto'
import { IlpPacketType, MAX_UINT64, type PrepareHandler } from '@stack/ilp-core'
import { afterEach, describe, expect, it } from 'vitest'
import { createConnection, createServer, decodeStreamPacket, decrypt, encryptionKey, FrameType, RateProbeError, type Connection, type Server } from '../src/index.js'
import { startConnector, type AccountOptions, type ConnectorKind, type TestConnector } from './fixtures/connectors.js'

interface MoneyPacket {
  amount: bigint
  minDestination: bigint
  fulfilled: boolean
}

interface Path {
  connector: TestConnector
  server: Server
  /** Every money Prepare the client sent (not the probes), with its STREAM minimum. */
  money: MoneyPacket[]
  connect(options?: { maxInFlightPackets?: number }): Promise<Connection>
}

const running: TestConnector[] = []
afterEach(async () => {
  for (const connector of running.splice(0)) await connector.close()
})

async function path(kind: ConnectorKind, sender: AccountOptions, receiver: AccountOptions, spread: number): Promise<Path> {
  const connector = await startConnector(kind, { sender, receiver }, spread)
  running.push(connector)
  const server = await createServer({ serverSecret: new Uint8Array(randomBytes(32)), serverAddress: `${connector.address}.receiver`, assetDetails: receiver.asset })
  connector.serve('receiver', () => server.handlePrepare)
  const money: MoneyPacket[] = []
  const { destinationAccount, sharedSecret } = server.generateAddressAndSecret()
  const key = encryptionKey(sharedSecret)
  const send = connector.sender('sender')
  const recording: PrepareHandler = async (prepare) => {
    const packet = decodeStreamPacket(decrypt(key, prepare.data))
    const carriesMoney = packet.frames.some((frame) => frame.type === FrameType.StreamMoney)
    const reply = await send(prepare)
    if (carriesMoney) money.push({ amount: prepare.amount, minDestination: packet.prepareAmount, fulfilled: reply.type === IlpPacketType.Fulfill })
    return reply
  }
  return {
    connector,
    server,
    money,
    connect: (options = {}) => createConnection({ destinationAccount, sharedSecret, sendPrepare: recording, sourceAccount: '', retry: { initialDelay: 1, maxDelay: 10 }, ...options }),
  }
}

const USD = (scale: number, maxPacketAmount?: bigint): AccountOptions => ({ asset: { code: 'USD', scale }, maxPacketAmount })

describe.each<ConnectorKind>(['ilp-connector', 'ilp-core'])('rate probing through %s', (kind) => {
  it('measures the rate at the learned max packet amount when it lies between two probe amounts', async () => {
    // Scale 6 → 4 at 0.567: 1 000 units deliver 5 (a rate 12 % low), the path carries 999 999.
    const p = await path(kind, USD(6, 999_999n), USD(4), 0.433)
    const client = await p.connect()
    expect(client.maxPacketAmount).toBe(999_999n)
    expect(client.exchangeRate).toEqual({ sent: 999_999n, delivered: 5_669n })
    client.destroy()
  })

  it('never takes a probe that delivered nothing for the rate', async () => {
    // Scale 6 → 2 at 0.9: 1 and 1 000 units round to 0 cents; the path carries 50 000 (4 cents).
    const p = await path(kind, USD(6, 50_000n), USD(2), 0.1)
    const client = await p.connect()
    expect(client.exchangeRate).toEqual({ sent: 50_000n, delivered: 4n })
    client.destroy()
  })

  it('finds the rate when only packets near the UInt64 maximum carry a unit', async () => {
    // Scale 18 → 0: 10^18 units are worth 1.
    const p = await path(kind, USD(18), USD(0), 0)
    const client = await p.connect()
    expect(client.exchangeRate).toEqual({ sent: MAX_UINT64, delivered: MAX_UINT64 / 10n ** 18n })
    const outcome = await client.createStream().sendTotal(10n ** 19n)
    expect(outcome).toEqual({ type: 'sent', totalSent: 10n ** 19n, totalDelivered: 10n })
    client.destroy()
  })

  it('fails with a typed rate-rounds-to-zero when no amount the path carries delivers a unit', async () => {
    const p = await path(kind, USD(18, 10n ** 15n), USD(0), 0)
    const failure = await p.connect().catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(RateProbeError)
    expect(failure).toMatchObject({ reason: 'rate-rounds-to-zero' })
  })

  it('puts the minimum destination amount in every money packet and never overshoots the receiver limit', async () => {
    const p = await path(kind, USD(6, 50_000n), USD(2), 0.1)
    const received: bigint[] = []
    p.server.on('connection', (connection) =>
      connection.on('stream', (stream) => {
        stream.setReceiveMax(30n)
        stream.on('money', (amount) => received.push(amount))
      }),
    )
    // One packet at a time: the receiver's limit is known from the first reply on.
    const client = await p.connect({ maxInFlightPackets: 1 })
    const stream = client.createStream()
    const outcome = await stream.sendTotal(1_000_000n)
    // 50 000 units deliver 4 cents: 7 packets fill 28 of the 30, a smaller one the last 2.
    expect(outcome).toMatchObject({ type: 'failed', reason: 'receiver-limit', totalDelivered: 30n })
    expect(received.reduce((a, b) => a + b, 0n)).toBe(30n)
    expect(p.money.length).toBeGreaterThan(0)
    for (const packet of p.money) {
      // RFC 0029 §3.4: the rate less 1 % slippage, rounded down, and never nothing.
      const min = (packet.amount * 4n * 99n) / (50_000n * 100n)
      expect(packet.minDestination).toBe(min > 0n ? min : 1n)
      expect(packet.fulfilled).toBe(true)
    }
    expect(p.money.reduce((sum, packet) => sum + packet.amount, 0n)).toBe(stream.totalSent)
    client.destroy()
  })
})
