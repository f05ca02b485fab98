// Interop with the published reference, ilp-protocol-stream 2.7.1, in both directions:
// money and data, several streams, close. Slower: its own file.
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createConnection, createServer, StreamErrorCode, type Connection, type Stream } from '../src/index.js'
import { PreparePlugin } from './fixtures/prepare-plugin.js'
import { reference } from './fixtures/reference-stream.js'

type RefStream = import('ilp-protocol-stream').DataAndMoneyStream
type RefConnection = import('ilp-protocol-stream').Connection

const text = (s: string) => new TextEncoder().encode(s)
const waitFor = async (check: () => boolean, ms = 5000) => {
  const until = Date.now() + ms
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** Our client, connected to a reference server over a PreparePlugin; the bytes of the server's streams kept by ID. */
async function ourClientToItsServer(serverOptions: { maxRemoteStreams?: number } = {}) {
  const peer: { client?: Connection } = {}
  const plugin = new PreparePlugin('test.ref', (prepare) => (peer.client as Connection).handlePrepare(prepare))
  const refServer = await reference.createServer({ plugin: plugin as never, serverSecret: randomBytes(32), ...serverOptions })
  const refStreams: RefStream[] = []
  const refData = new Map<number, Buffer[]>()
  const refConnections: RefConnection[] = []
  refServer.on('connection', (connection: RefConnection) => {
    refConnections.push(connection)
    connection.on('stream', (stream: RefStream) => {
      stream.setReceiveMax(1_000_000)
      refStreams.push(stream)
      refData.set(stream.id, [])
      stream.on('data', (chunk: Buffer) => refData.get(stream.id)?.push(chunk))
    })
  })
  const { destinationAccount, sharedSecret } = refServer.generateAddressAndSecret()
  const client = (peer.client = await createConnection({
    destinationAccount,
    sharedSecret: new Uint8Array(sharedSecret),
    sendPrepare: plugin.handlePrepare,
    sourceAccount: 'test.ours',
    assetDetails: { code: 'XYZ', scale: 9 },
  }))
  const refText = (id: number) => Buffer.concat(refData.get(id) ?? []).toString()
  return { client, refServer, refStreams, refText, refConnection: () => refConnections[0] as RefConnection }
}

describe('interop with ilp-protocol-stream 2.7.1', () => {
  it('our client ↔ its server: money and data on several streams, both ways, then close', async () => {
    const { client, refServer, refStreams, refText, refConnection } = await ourClientToItsServer()
    const ours = [client.createStream(), client.createStream()]
    const outcomes = await Promise.all([ours[0]!.sendTotal(12_345n), ours[1]!.sendTotal(6_789n)])
    expect(outcomes.map((o) => o.type)).toEqual(['sent', 'sent'])
    await Promise.all([ours[0]!.write(text('hello from ours, stream 1')), ours[1]!.write(text('and stream 3'))])
    expect(refStreams.map((s) => [s.id, s.totalReceived])).toEqual([
      [1, '12345'],
      [3, '6789'],
    ])
    expect(client.totalDelivered).toBe(12_345n + 6_789n)
    await waitFor(() => refText(1) === 'hello from ours, stream 1')
    await waitFor(() => refText(3) === 'and stream 3')

    // Back: the reference server sends money and data to our client on our stream 1.
    const back = ours[0] as Stream
    const got: Uint8Array[] = []
    back.on('data', (chunk) => got.push(chunk))
    await (refStreams[0] as RefStream).sendTotal(777)
    ;(refStreams[0] as RefStream).write('reply')
    await waitFor(() => back.totalReceived === 777n && Buffer.concat(got).toString() === 'reply')

    // And a stream the reference opens (even ID).
    const opened = new Promise<Stream>((resolve) => client.once('stream', resolve))
    const refOpened = refConnection().createStream()
    await refOpened.sendTotal(50)
    expect((await opened).id % 2).toBe(0)

    const closed = new Promise<void>((resolve) => refConnection().once('end', () => resolve()))
    await client.end()
    await closed
    expect(client.closed).toBe(true)
    await refServer.close()
  }, 20_000)

  it("our client past its server's maximum stream ID: the write fails typed, and goes once a stream closes", async () => {
    // One client stream at a time: stream IDs up to 2.
    const { client, refServer, refText, refConnection } = await ourClientToItsServer({ maxRemoteStreams: 1 })
    const first = client.createStream()
    await first.write(text('one'))
    const second = client.createStream()
    // It hears ConnectionStreamIdBlocked and keeps its maximum; it would close the connection on a frame naming stream 3.
    await expect(second.write(text('dropped'))).rejects.toMatchObject({ name: 'ConnectionError', code: StreamErrorCode.StreamIdError })
    expect(client.closed).toBe(false)
    // Our StreamClose frees stream 1 there (it keeps no half-open stream, RFC 0029 §5.3.7): its
    // reply raises its maximum (ConnectionMaxStreamId 4), and stream 3 goes out.
    const ended = first.end()
    await second.write(text('three'))
    await waitFor(() => refText(3) === 'three')
    expect(refText(1)).toBe('one')
    const closed = new Promise<void>((resolve) => refConnection().once('end', () => resolve()))
    await client.end()
    await Promise.all([closed, ended])
    await refServer.close()
  }, 20_000)

  it('our stream ends against its server: end() resolves once our StreamClose is acknowledged (it keeps no half-open stream)', async () => {
    const { client, refServer, refStreams, refText } = await ourClientToItsServer()
    const stream = client.createStream()
    await stream.sendTotal(1_000n)
    await stream.write(text('all of it'))
    const refClosed = new Promise<void>((resolve) => (refStreams[0] as RefStream).once('close', () => resolve()))
    // RFC 0029 §5.3.7: it closes its side at once and sends no StreamClose back; our half is done all the same.
    await stream.end()
    await refClosed
    expect(refText(1)).toBe('all of it')
    expect((refStreams[0] as RefStream).totalReceived).toBe('1000')
    expect(stream.totalSent).toBe(1_000n)
    expect(client.closed).toBe(false)
    await client.end()
    await refServer.close()
  }, 20_000)

  it('its stream ends toward our client: we hear end, close our half, and both forget the stream', async () => {
    const { client, refServer, refStreams } = await ourClientToItsServer()
    const stream = client.createStream()
    await stream.sendTotal(500n)
    const ended = new Promise<void>((resolve) => stream.once('end', () => resolve()))
    const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()))
    ;(refStreams[0] as RefStream).end()
    await ended
    await stream.end()
    await closed
    expect(stream.closed).toBe(true)
    expect(client.streams).toEqual([])
    expect(stream.totalSent).toBe(500n)
    expect((refStreams[0] as RefStream).totalReceived).toBe('500')
    await client.end()
    await refServer.close()
  }, 20_000)

  it('its client ↔ our server: money and data on several streams, both ways, then close', async () => {
    const ref: { plugin?: PreparePlugin } = {}
    const server = await createServer({
      serverSecret: new Uint8Array(randomBytes(32)),
      serverAddress: 'test.ours',
      sendPrepare: (prepare) => ref.plugin!.handlePrepare(prepare),
    })
    const received = new Map<number, bigint>()
    const data = new Map<number, Uint8Array[]>()
    const ourStreams: Stream[] = []
    let ourConnection: Connection | undefined
    server.on('connection', (connection) => {
      ourConnection = connection
      connection.on('stream', (stream) => {
        ourStreams.push(stream)
        data.set(stream.id, [])
        stream.on('money', (amount) => received.set(stream.id, (received.get(stream.id) ?? 0n) + amount))
        stream.on('data', (chunk) => data.get(stream.id)?.push(chunk))
      })
    })
    const refPlugin = (ref.plugin = new PreparePlugin('test.refclient', server.handlePrepare))
    const { destinationAccount, sharedSecret } = server.generateAddressAndSecret('tag-1')
    const refClient: RefConnection = await reference.createConnection({ plugin: refPlugin as never, destinationAccount, sharedSecret: Buffer.from(sharedSecret) })
    refClient.on('stream', (stream: RefStream) => stream.setReceiveMax(1_000_000))
    const a = refClient.createStream()
    const b = refClient.createStream()
    a.setReceiveMax(1_000_000)
    await Promise.all([a.sendTotal(4_000), b.sendTotal(2_500)])
    a.write('from the reference, a')
    b.write('and b')
    await waitFor(() => Buffer.concat(data.get(1) ?? []).toString() === 'from the reference, a' && Buffer.concat(data.get(3) ?? []).toString() === 'and b')
    expect(received.get(1)).toBe(4_000n)
    expect(received.get(3)).toBe(2_500n)
    expect(ourConnection!.connectionTag).toBe('tag-1')

    // Back: our server sends on the reference's stream and on one it opens.
    await expect(ourStreams[0]!.sendTotal(300n)).resolves.toMatchObject({ type: 'sent', totalSent: 300n, totalDelivered: 300n })
    await ourStreams[0]!.write(text('pong'))
    const refGot: Buffer[] = []
    a.on('data', (chunk: Buffer) => refGot.push(chunk))
    await waitFor(() => a.totalReceived === '300' && Buffer.concat(refGot).toString() === 'pong')
    const mine = ourConnection!.createStream()
    const refOpened = new Promise<RefStream>((resolve) => refClient.once('stream', resolve))
    await expect(mine.sendTotal(40n)).resolves.toMatchObject({ type: 'sent', totalDelivered: 40n })
    expect((await refOpened).id).toBe(2)

    const closed = new Promise<void>((resolve) => ourConnection!.once('close', () => resolve()))
    await refClient.end()
    await closed
    expect(ourConnection!.closed).toBe(true)
  }, 20_000)
})
