// Two limits a sender or a path imposes that must end a wait or refuse a packet promptly:
// the peer's maximum stream ID (RFC 0029 §4.4.1, §5.3.5–5.3.6) and a Prepare's expiry (RFC 0027).
import { randomBytes } from 'node:crypto'
import { conditionOf, IlpErrorCode, IlpPacketType } from '@stack/ilp-core'
import { describe, expect, it } from 'vitest'
import {
  createConnection,
  createServer,
  encodeStreamPacket,
  encrypt,
  encryptionKey,
  fulfillmentKey,
  fulfillmentOf,
  ConnectionError,
  FrameType,
  StreamErrorCode,
  type Connection,
  type Stream,
} from '../src/index.js'

const secret = () => new Uint8Array(randomBytes(32))
const text = (s: string) => new TextEncoder().encode(s)

describe("the peer's maximum stream ID", () => {
  it('settles a send on a stream past it (stream-id-limit), and sends once a stream closes and the peer raises it', async () => {
    // The server accepts one client stream at a time: stream IDs up to 2 (RFC 0029 §4.4.1).
    const server = await createServer({ serverSecret: secret(), serverAddress: 'test.server', maxRemoteStreams: 1, idleTimeout: 0 })
    const accepted = new Promise<Connection>((resolve) => server.once('connection', resolve))
    const remote: Stream[] = []
    server.on('connection', (connection) => connection.on('stream', (stream) => remote.push(stream)))
    const { destinationAccount, sharedSecret } = server.generateAddressAndSecret()
    // idleTimeout 0: no timer would ever end a wait that hangs.
    const client = await createConnection({ destinationAccount, sharedSecret, sendPrepare: server.handlePrepare, idleTimeout: 0 })
    const serverConnection = await accepted
    const first = client.createStream()
    expect(await first.sendTotal(10n)).toMatchObject({ type: 'sent', totalDelivered: 10n })
    const second = client.createStream()
    expect(second.id).toBe(3)
    // Told ConnectionStreamIdBlocked, the server answered with its maximum, unchanged: no wait for ever.
    expect(await second.sendTotal(20n)).toEqual({ type: 'failed', reason: 'stream-id-limit', totalSent: 0n, totalDelivered: 0n })
    expect(second.inFlight).toBe(0n)
    expect(serverConnection.totalReceived).toBe(10n)
    await first.end()
    // Stream 1 closed both ways: the server admits one more (ID 4 at most), stream 3 goes out.
    expect(await second.sendTotal(20n)).toEqual({ type: 'sent', totalSent: 20n, totalDelivered: 20n })
    expect(serverConnection.totalReceived).toBe(30n)
    expect(client.totalDelivered).toBe(30n)
    expect(remote.map((stream) => [stream.id, stream.totalReceived])).toEqual([
      [1, 10n],
      [3, 20n],
    ])
    client.destroy()
  })

  it('refuses a write on a stream past it with a typed error, drops its bytes, and writes once the peer raises it', async () => {
    const server = await createServer({ serverSecret: secret(), serverAddress: 'test.server', maxRemoteStreams: 1, idleTimeout: 0 })
    const accepted = new Promise<Connection>((resolve) => server.once('connection', resolve))
    const got = new Map<number, string>()
    server.on('connection', (connection) =>
      connection.on('stream', (stream) => stream.on('data', (chunk) => got.set(stream.id, (got.get(stream.id) ?? '') + new TextDecoder().decode(chunk)))),
    )
    const { destinationAccount, sharedSecret } = server.generateAddressAndSecret()
    const client = await createConnection({ destinationAccount, sharedSecret, sendPrepare: server.handlePrepare, idleTimeout: 0 })
    await accepted
    const first = client.createStream()
    await first.write(text('one'))
    const second = client.createStream()
    // Told ConnectionStreamIdBlocked, the server kept its maximum (2): the write fails, not waits for ever.
    const refused = await second.write(text('dropped')).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(ConnectionError)
    expect(refused).toMatchObject({ name: 'ConnectionError', code: StreamErrorCode.StreamIdError, remote: false })
    // A second try asks again, and fails the same way.
    await expect(second.write(text('dropped too'))).rejects.toMatchObject({ code: StreamErrorCode.StreamIdError })
    expect(client.closed).toBe(false)
    await first.end()
    // The server admits stream 3 now; the refused bytes never go out, the new ones do.
    await second.write(text('three'))
    expect(got).toEqual(
      new Map([
        [1, 'one'],
        [3, 'three'],
      ]),
    )
    client.destroy()
  })
})

describe("a Prepare's expiry", () => {
  function moneyPrepare(sharedSecret: Uint8Array, destination: string, expiresAt: Date, sequence: bigint) {
    const data = encrypt(
      encryptionKey(sharedSecret),
      encodeStreamPacket({ ilpPacketType: IlpPacketType.Prepare, sequence, prepareAmount: 1n, frames: [{ type: FrameType.StreamMoney, streamId: 1n, shares: 1n }] }),
    )
    return { amount: 100n, expiresAt, executionCondition: conditionOf(fulfillmentOf(fulfillmentKey(sharedSecret), data)), destination, data }
  }

  it('answers R00 to an expired Prepare and opens no connection for it', async () => {
    const server = await createServer({ serverSecret: secret(), serverAddress: 'test.server', idleTimeout: 0 })
    const opened: Connection[] = []
    server.on('connection', (connection) => opened.push(connection))
    const { destinationAccount, sharedSecret } = server.generateAddressAndSecret()
    const reply = server.receive(moneyPrepare(sharedSecret, destinationAccount, new Date(Date.now() - 1), 1n))
    expect(reply).toMatchObject({ type: IlpPacketType.Reject, code: IlpErrorCode.R00_TRANSFER_TIMED_OUT, data: new Uint8Array(0) })
    expect(opened).toEqual([])
    expect(server.connectionCount).toBe(0)
  })

  it('answers R00 to an expired Prepare on an open connection without crediting it or opening its stream', async () => {
    const server = await createServer({ serverSecret: secret(), serverAddress: 'test.server', idleTimeout: 0 })
    const accepted = new Promise<Connection>((resolve) => server.once('connection', resolve))
    const { destinationAccount, sharedSecret } = server.generateAddressAndSecret()
    const client = await createConnection({ destinationAccount, sharedSecret, sendPrepare: server.handlePrepare, idleTimeout: 0 })
    const serverConnection = await accepted
    const streams: Stream[] = []
    serverConnection.on('stream', (stream) => streams.push(stream))
    const expired = moneyPrepare(sharedSecret, destinationAccount, new Date(Date.now() - 1), 1_000n)
    expect(server.receive(expired)).toMatchObject({ type: IlpPacketType.Reject, code: IlpErrorCode.R00_TRANSFER_TIMED_OUT, data: new Uint8Array(0) })
    expect(serverConnection.totalReceived).toBe(0n)
    expect(streams).toEqual([])
    // The same packet before its expiry is fulfilled: the R00 came from the expiry alone.
    expect(server.receive({ ...expired, expiresAt: new Date(Date.now() + 10_000) })).toMatchObject({ type: IlpPacketType.Fulfill })
    expect(serverConnection.totalReceived).toBe(100n)
    client.destroy()
  })
})
