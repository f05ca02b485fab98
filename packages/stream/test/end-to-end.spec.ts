import { randomBytes } from 'node:crypto'
import type { PrepareHandler } from '@stack/ilp-core'
import { describe, expect, it } from 'vitest'
import { createConnection, createServer, type Connection, type Stream } from '../src/index.js'
import { faultyPath, type FaultyPathOptions } from './fixtures/faulty-path.js'

const serverSecret = () => new Uint8Array(randomBytes(32))

async function pair(pathOptions: FaultyPathOptions = {}, back: FaultyPathOptions = {}) {
  const peer: { client?: Connection } = {}
  const toClient = faultyPath(() => (peer.client as Connection).handlePrepare, back)
  const server = await createServer({ serverSecret: serverSecret(), serverAddress: 'test.server', sendPrepare: toClient.handler, retry: { initialDelay: 1, maxDelay: 20 } })
  const toServer = faultyPath(() => server.handlePrepare, pathOptions)
  const accepted = new Promise<Connection>((resolve) => server.once('connection', resolve))
  const { destinationAccount, sharedSecret } = server.generateAddressAndSecret()
  const client = (peer.client = await createConnection({
    destinationAccount,
    sharedSecret,
    sendPrepare: toServer.handler,
    sourceAccount: 'test.client',
    retry: { initialDelay: 1, maxDelay: 20 },
  }))
  return { server, client, serverConnection: await accepted, toServer, toClient }
}

function receivedOn(connection: Connection): Promise<Stream> {
  return new Promise((resolve) => connection.once('stream', resolve))
}

describe('end to end over an in-memory path', () => {
  it('sends money from client to server at the path rate, split by the max packet amount', async () => {
    const { client, serverConnection, toServer } = await pair({ rate: { numerator: 9n, denominator: 10n }, maxPacketAmount: 1000n })
    const incoming = receivedOn(serverConnection)
    const stream = client.createStream()
    const outcome = await stream.sendTotal(100_000n)
    expect(outcome).toEqual({ type: 'sent', totalSent: 100_000n, totalDelivered: 90_000n })
    const remote = await incoming
    expect(remote.totalReceived).toBe(90_000n)
    expect(serverConnection.totalReceived).toBe(client.totalDelivered)
    expect(client.maxPacketAmount).toBe(1000n)
    expect(toServer.counts.forwarded).toBeGreaterThanOrEqual(100)
  })

  it('sends money both ways on one stream', async () => {
    const { client, serverConnection } = await pair()
    const incoming = receivedOn(serverConnection)
    const stream = client.createStream()
    await stream.sendTotal(500n)
    const remote = await incoming
    const back = new Promise<bigint>((resolve) => stream.on('money', resolve))
    expect(await remote.sendTotal(300n)).toMatchObject({ type: 'sent', totalSent: 300n })
    expect(await back).toBeGreaterThan(0n)
    expect(stream.totalReceived).toBe(300n)
    expect(remote.totalReceived).toBe(500n)
  })
})

describe('end to end: data, streams, close, receipts', () => {
  it('carries data both ways on several streams, reassembled in order', async () => {
    const { client, serverConnection } = await pair({ maxDelay: 3, seed: 7 })
    const big = new Uint8Array(randomBytes(100_000))
    const got = new Map<number, Uint8Array[]>()
    serverConnection.on('stream', (stream) => {
      got.set(stream.id, [])
      stream.on('data', (chunk) => got.get(stream.id)?.push(chunk))
    })
    const streams = [client.createStream(), client.createStream(), client.createStream()]
    expect(streams.map((s) => s.id)).toEqual([1, 3, 5])
    await Promise.all(streams.map((s, i) => s.write(big.subarray(i * 1000, 60_000 + i * 1000))))
    for (const [i, s] of streams.entries()) {
      expect(Buffer.concat(got.get(s.id) ?? [])).toEqual(Buffer.from(big.subarray(i * 1000, 60_000 + i * 1000)))
    }
    const back = serverConnection.createStream()
    expect(back.id).toBe(2)
    const incoming = receivedOn(client)
    await back.write(new TextEncoder().encode('hello client'))
    const chunks: Uint8Array[] = []
    const remote = await incoming
    const reading = (async () => {
      for await (const chunk of remote) chunks.push(chunk)
    })()
    await back.end()
    await reading
    expect(new TextDecoder().decode(Buffer.concat(chunks))).toBe('hello client')
  })

  it('half-closes and fully closes streams and the connection', async () => {
    const { client, serverConnection } = await pair()
    const incoming = receivedOn(serverConnection)
    const stream = client.createStream()
    await stream.sendTotal(10n)
    const remote = await incoming
    const ended = new Promise<void>((resolve) => remote.once('end', () => resolve()))
    const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()))
    await stream.end()
    await ended
    await closed
    expect(stream.closed).toBe(true)
    const serverClosed = new Promise<void>((resolve) => serverConnection.once('close', () => resolve()))
    await client.end()
    await serverClosed
    expect(client.closed && serverConnection.closed).toBe(true)
  })

  it('closes a stream by Prepare that ended before the server could send any (its address not yet validated)', async () => {
    // The server's Prepares wait at a gate: it cannot validate the client's address, so its stream's bytes and close wait too.
    const held: Array<() => void> = []
    let open = false
    const peer: { client?: Connection } = {}
    const toClient: PrepareHandler = (prepare) =>
      open ? (peer.client as Connection).handlePrepare(prepare) : new Promise((resolve) => held.push(() => resolve((peer.client as Connection).handlePrepare(prepare))))
    const server = await createServer({ serverSecret: serverSecret(), serverAddress: 'test.server', sendPrepare: toClient })
    const remote = new Promise<Stream>((resolve) => server.once('connection', (connection) => connection.once('stream', resolve)))
    const { destinationAccount, sharedSecret } = server.generateAddressAndSecret()
    const client = (peer.client = await createConnection({ destinationAccount, sharedSecret, sendPrepare: server.handlePrepare, sourceAccount: 'test.client' }))
    const stream = client.createStream()
    await stream.write(new TextEncoder().encode('request'))
    const back = await remote
    const sent = back.write(new TextEncoder().encode('response'))
    const chunks: Uint8Array[] = []
    stream.on('data', (chunk) => chunks.push(chunk))
    const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()))
    const backClosed = new Promise<void>((resolve) => back.once('close', () => resolve()))
    // Our StreamClose reaches the server while it still has bytes it cannot send: its close cannot ride on the reply.
    const heard = new Promise<void>((resolve) => back.once('end', () => resolve()))
    const ending = stream.end()
    await heard
    expect(held.length).toBeGreaterThan(0)
    open = true
    for (const release of held.splice(0)) release()
    await Promise.all([sent, ending, closed, backClosed])
    expect(new TextDecoder().decode(Buffer.concat(chunks))).toBe('response')
    await client.end()
  }, 20_000)

  it("resolves end() once our half is closed while the other side's half stays open, and forgets the stream once both are", async () => {
    // The client reads nothing yet: the server's bytes cannot all go, so its half stays open.
    const { client, serverConnection } = await pair()
    const incoming = receivedOn(serverConnection)
    const stream = client.createStream()
    await stream.write(new TextEncoder().encode('request'))
    const remote = await incoming
    const ended = new Promise<void>((resolve) => remote.once('end', () => resolve()))
    const big = new Uint8Array(randomBytes(200_000))
    const sent = remote.write(big)
    await stream.end()
    await ended
    expect(stream.closed).toBe(false)
    // The server's half goes on: everything it queued arrives, then its StreamClose.
    const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()))
    const chunks: Uint8Array[] = []
    for await (const chunk of stream) chunks.push(chunk)
    await sent
    await closed
    expect(Buffer.concat(chunks)).toEqual(Buffer.from(big))
    expect(remote.closed).toBe(true)
    expect(client.streams).toEqual([])
    expect(serverConnection.streams).toEqual([])
    await client.end()
  }, 20_000)

  it('settles a send the receiver limit blocks at once, and resumes when the receiver raises it', async () => {
    const { client, serverConnection } = await pair({ maxPacketAmount: 100n })
    const opened = new Promise<Stream>((resolve) =>
      serverConnection.on('stream', (stream) => {
        stream.setReceiveMax(1_000n)
        resolve(stream)
      }),
    )
    const stream = client.createStream()
    // RFC 0029 §4.4.4: blocked, told the receiver (StreamMoneyBlocked), its answer kept the limit.
    expect(await stream.sendTotal(5_000n)).toEqual({ type: 'failed', reason: 'receiver-limit', totalSent: 1_000n, totalDelivered: 1_000n })
    expect(stream.inFlight).toBe(0n)
    const remote = await opened
    expect(remote.totalReceived).toBe(1_000n)
    remote.setReceiveMax(10_000n)
    expect(await stream.sendTotal(5_000n)).toEqual({ type: 'sent', totalSent: 5_000n, totalDelivered: 5_000n })
    expect(serverConnection.totalReceived).toBe(5_000n)
  })

  it('keeps a receive buffer below the initial window from being broken before the sender hears it', async () => {
    // A sender may send 16 384 bytes per stream before the first StreamMaxData (RFC 0029 §4.4.4).
    const server = await createServer({ serverSecret: serverSecret(), serverAddress: 'test.server', streamBufferSize: 1_000 })
    const got: Uint8Array[] = []
    server.on('connection', (connection) => connection.on('stream', (stream) => stream.on('data', (chunk) => got.push(chunk))))
    const { destinationAccount, sharedSecret } = server.generateAddressAndSecret()
    const client = await createConnection({ destinationAccount, sharedSecret, sendPrepare: server.handlePrepare })
    await client.createStream().write(new Uint8Array(5_000).fill(5))
    expect(Buffer.concat(got)).toEqual(Buffer.alloc(5_000, 5))
    expect(client.closed).toBe(false)
    client.destroy()
  })

  it('fails a send whose exchange rate is below the minimum', async () => {
    const server = await createServer({ serverSecret: serverSecret(), serverAddress: 'test.server' })
    const path = faultyPath(() => server.handlePrepare, { rate: { numerator: 1n, denominator: 2n } })
    const { destinationAccount, sharedSecret } = server.generateAddressAndSecret()
    const client = await createConnection({ destinationAccount, sharedSecret, sendPrepare: path.handler, minExchangeRate: '0.6' })
    const outcome = await client.createStream().sendTotal(1000n)
    expect(outcome).toEqual({ type: 'failed', reason: 'exchange-rate-too-low', totalSent: 0n, totalDelivered: 0n })
  })
})
