// RFC 0029 §4.3.2: an address announced in ConnectionNewAddress is validated by one packet
// with no money and no data, and used only once its authenticated reply came back.
import { randomBytes } from 'node:crypto'
import { IlpErrorCode, IlpPacketType, type IlpPrepare, type IlpReply } from '@stack/ilp-core'
import { describe, expect, it } from 'vitest'
import { ConnectionCore, encodeStreamPacket, encrypt, encryptionKey, executionConditionOf, FrameType, fulfillmentKey, type Frame, type OutgoingRequest } from '../src/index.js'

const sharedSecret = new Uint8Array(randomBytes(32))
const key = encryptionKey(sharedSecret)
const now = 0

/** A Prepare from the client, sealed with the connection's secret. */
function fromClient(sequence: bigint, frames: Frame[]): IlpPrepare {
  const data = encrypt(key, encodeStreamPacket({ ilpPacketType: IlpPacketType.Prepare, sequence, prepareAmount: 0n, frames }))
  return { amount: 0n, expiresAt: new Date(30_000), executionCondition: executionConditionOf(fulfillmentKey(sharedSecret), data), destination: 'test.server.x', data }
}

/** The client's authenticated Fulfill of one of the server's Prepares. */
function fulfill(request: OutgoingRequest): IlpReply {
  const data = encrypt(key, encodeStreamPacket({ ilpPacketType: IlpPacketType.Fulfill, sequence: request.sequence, prepareAmount: request.prepare.amount, frames: [] }))
  return { type: IlpPacketType.Fulfill, fulfillment: request.fulfillment as Uint8Array, data }
}

const announce = (address: string): Frame => ({ type: FrameType.ConnectionNewAddress, sourceAccount: address })

function next(core: ConnectionCore): OutgoingRequest | undefined {
  const step = core.nextRequest(now)
  return step.type === 'send' ? step.request : undefined
}

function serverWithData() {
  const core = new ConnectionCore({ role: 'server', sharedSecret, canSend: true, sourceAccount: 'test.server.x' })
  const stream = core.openStream()
  stream.outgoing.write(new Uint8Array(10).fill(7))
  return { core, stream }
}

describe('a new address of the other end (RFC 0029 §4.3.2)', () => {
  it('gets one packet with no money and no data, and nothing else until its authenticated reply', () => {
    const { core } = serverWithData()
    expect(core.handlePrepare(fromClient(1n, [announce('test.client.a')]), now).type).toBe(IlpPacketType.Fulfill)
    const validation = next(core) as OutgoingRequest
    expect(validation.prepare).toMatchObject({ destination: 'test.client.a', amount: 0n })
    expect(validation.data).toEqual([])
    expect(next(core)).toBeUndefined()
    expect(core.destinationAccount).toBeUndefined()
    core.applyReply(validation, fulfill(validation), now)
    expect(core.destinationAccount).toBe('test.client.a')
    const data = next(core) as OutgoingRequest
    expect(data.prepare.destination).toBe('test.client.a')
    expect(data.data.map(({ segment }) => segment.data.length)).toEqual([10])
  })

  it('keeps the validated address while another is validated, and drops one whose validation is refused', () => {
    const { core, stream } = serverWithData()
    core.handlePrepare(fromClient(1n, [announce('test.client.a')]), now)
    const first = next(core) as OutgoingRequest
    core.applyReply(first, fulfill(first), now)
    const data = next(core) as OutgoingRequest
    core.applyReply(data, fulfill(data), now)

    core.handlePrepare(fromClient(2n, [announce('test.client.b')]), now)
    const validation = next(core) as OutgoingRequest
    expect(validation.prepare.destination).toBe('test.client.b')
    stream.outgoing.write(new Uint8Array(5))
    expect((next(core) as OutgoingRequest).prepare.destination).toBe('test.client.a')
    // The path to b does not exist: that ends nothing but the candidate.
    core.applyReply(validation, { type: IlpPacketType.Reject, code: IlpErrorCode.F02_UNREACHABLE, triggeredBy: 'test.connector', message: '', data: new Uint8Array(0) }, now)
    expect(core.status.type).toBe('open')
    expect(core.destinationAccount).toBe('test.client.a')
  })

  it('never validates an address under our own', () => {
    const { core } = serverWithData()
    core.handlePrepare(fromClient(1n, [announce('test.server.x.loop')]), now)
    expect(next(core)).toBeUndefined()
    expect(core.destinationAccount).toBeUndefined()
  })
})
