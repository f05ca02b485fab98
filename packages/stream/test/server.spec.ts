import { randomBytes } from 'node:crypto'
import { IlpErrorCode, IlpPacketType, type IlpReply } from '@stack/ilp-core'
import { describe, expect, it } from 'vitest'
import {
  ConnectionCore,
  createConnection,
  createServer,
  decodeStreamPacket,
  decrypt,
  encodeStreamPacket,
  encrypt,
  encryptionKey,
  FrameType,
  InvalidConnectionTagError,
  randomCondition,
  RateProbeError,
  verifyReceipt,
  type Connection,
} from '../src/index.js'
import { openConnectionToken } from '../src/server-token.js'

const secret = () => new Uint8Array(randomBytes(32))

describe('stateless connection details', () => {
  it('derives the shared secret from the address alone, tag included', async () => {
    const serverSecret = secret()
    const server = await createServer({ serverSecret, serverAddress: 'test.server' })
    const { destinationAccount, sharedSecret } = server.generateAddressAndSecret('order-42')
    expect(destinationAccount).toMatch(/^test\.server\.[A-Za-z0-9_-]{24}~order-42$/)
    const segment = destinationAccount.slice('test.server.'.length)
    expect(openConnectionToken(serverSecret, segment)?.sharedSecret).toEqual(sharedSecret)
    expect(openConnectionToken(serverSecret, segment.replace('~order-42', '~order-43'))?.sharedSecret).not.toEqual(sharedSecret)
    expect(() => server.generateAddressAndSecret('bad.tag')).toThrow(InvalidConnectionTagError)
  })

  it('lets another server with the same secret accept the first packet (no per-connection state)', async () => {
    const serverSecret = secret()
    const issuing = await createServer({ serverSecret, serverAddress: 'test.server' })
    const accepting = await createServer({ serverSecret, serverAddress: 'test.server' })
    const { destinationAccount, sharedSecret } = issuing.generateAddressAndSecret()
    const client = await createConnection({ destinationAccount, sharedSecret, sendPrepare: accepting.handlePrepare })
    expect(await client.createStream().sendTotal(10n)).toMatchObject({ type: 'sent', totalDelivered: 10n })
    expect(accepting.connectionCount).toBe(1)
  })

  it('answers F06 to data it cannot decrypt and F02 to other addresses', async () => {
    const server = await createServer({ serverSecret: secret(), serverAddress: 'test.server' })
    const { destinationAccount } = server.generateAddressAndSecret()
    const prepare = { amount: 1n, expiresAt: new Date(Date.now() + 1000), executionCondition: randomCondition(), destination: destinationAccount, data: new Uint8Array(40) }
    expect(await server.handlePrepare(prepare)).toMatchObject({ type: IlpPacketType.Reject, code: 'F06' })
    expect(await server.handlePrepare({ ...prepare, destination: 'test.other.x' })).toMatchObject({ code: 'F02' })
  })

  it('opens no connection for a Prepare that decrypts but is not a STREAM Prepare', async () => {
    const server = await createServer({ serverSecret: secret(), serverAddress: 'test.server' })
    const opened: Connection[] = []
    server.on('connection', (connection) => opened.push(connection))
    const { destinationAccount, sharedSecret } = server.generateAddressAndSecret()
    const key = encryptionKey(sharedSecret)
    const garbage = encrypt(key, new Uint8Array([0xff, 0x00, 0x01]))
    const onFulfill = encrypt(key, encodeStreamPacket({ ilpPacketType: IlpPacketType.Fulfill, sequence: 1n, prepareAmount: 0n, frames: [] }))
    for (const data of [garbage, onFulfill]) {
      const prepare = { amount: 1n, expiresAt: new Date(Date.now() + 1000), executionCondition: randomCondition(), destination: destinationAccount, data }
      expect(await server.handlePrepare(prepare)).toMatchObject({ type: IlpPacketType.Reject, code: 'F06' })
    }
    expect(opened).toEqual([])
    expect(server.connectionCount).toBe(0)
  })

  it('refuses the Prepares of a closed connection, telling ConnectionClose, instead of opening it again', async () => {
    const server = await createServer({ serverSecret: secret(), serverAddress: 'test.server' })
    const opened: Connection[] = []
    server.on('connection', (connection) => opened.push(connection))
    const details = server.generateAddressAndSecret()
    const client = await createConnection({ ...details, sendPrepare: server.handlePrepare })
    expect(await client.createStream().sendTotal(10n)).toMatchObject({ type: 'sent' })
    await client.end()
    expect(server.connectionCount).toBe(0)
    const again = await createConnection({ ...details, sendPrepare: server.handlePrepare }).catch((error: unknown) => error)
    expect(again).toBeInstanceOf(RateProbeError)
    expect(again).toMatchObject({ reason: 'connection-closed' })
    expect(opened).toHaveLength(1)
    expect(server.connectionCount).toBe(0)
  })

  it('answers an unfulfillable Prepare with F99 carrying the encrypted reply and the amount that arrived', () => {
    const sharedSecret = secret()
    const core = new ConnectionCore({ role: 'server', sharedSecret, canSend: false })
    const key = encryptionKey(sharedSecret)
    const data = encrypt(key, encodeStreamPacket({ ilpPacketType: IlpPacketType.Prepare, sequence: 7n, prepareAmount: 0n, frames: [] }))
    const reply = core.handlePrepare({ amount: 1234n, expiresAt: new Date(), executionCondition: randomCondition(), destination: 'test.server.x', data }, 0) as IlpReply & { type: IlpPacketType.Reject }
    expect(reply.code).toBe(IlpErrorCode.F99_APPLICATION_ERROR)
    const packet = decodeStreamPacket(decrypt(key, reply.data))
    expect(packet).toMatchObject({ ilpPacketType: IlpPacketType.Reject, sequence: 7n, prepareAmount: 1234n })
  })

  it('closes the connection when the client opens an even stream (RFC 0029 §4.4.1)', () => {
    const sharedSecret = secret()
    const core = new ConnectionCore({ role: 'server', sharedSecret, canSend: false })
    const key = encryptionKey(sharedSecret)
    const data = encrypt(key, encodeStreamPacket({ ilpPacketType: IlpPacketType.Prepare, sequence: 1n, prepareAmount: 0n, frames: [{ type: FrameType.StreamMoney, streamId: 2n, shares: 1n }] }))
    const reply = core.handlePrepare({ amount: 0n, expiresAt: new Date(), executionCondition: randomCondition(), destination: 'test.server.x', data }, 0)
    expect(reply.type).toBe(IlpPacketType.Reject)
    expect(decodeStreamPacket(decrypt(key, reply.data)).frames[0]).toMatchObject({ type: FrameType.ConnectionClose, errorCode: 0x08 })
    expect(core.status.type).toBe('closed')
  })
})

describe('receipts (RFC 0039)', () => {
  it('the receiver issues a receipt per Fulfill; the verifier checks it and the amount equals what the sender saw delivered', async () => {
    const server = await createServer({ serverSecret: secret(), serverAddress: 'test.server' })
    const receiptNonce = new Uint8Array(randomBytes(16))
    const receiptSecret = secret()
    const details = server.generateAddressAndSecret({ receiptNonce, receiptSecret })
    expect(details.receiptsEnabled).toBe(true)
    const client = await createConnection({ ...details, sendPrepare: server.handlePrepare })
    const stream = client.createStream()
    const receipts: Uint8Array[] = []
    stream.on('receipt', (receipt) => receipts.push(receipt))
    await stream.sendTotal(5_000n)
    expect(receipts.length).toBeGreaterThan(0)
    const receipt = verifyReceipt(stream.receipt as Uint8Array, receiptSecret)
    expect(receipt).toMatchObject({ streamId: 1n, totalReceived: stream.totalDelivered })
    expect(Buffer.from(receipt.nonce)).toEqual(Buffer.from(receiptNonce))
    expect(() => verifyReceipt(stream.receipt as Uint8Array, secret())).toThrow()
  })
})
