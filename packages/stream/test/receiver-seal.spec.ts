// The receiver credits a packet only with the Fulfill that says so (RFC 0029 §4.2): if building
// its reply fails, the sender sees no Fulfill and sends the money again, so nothing may stay
// credited from the failed attempt.
import { randomBytes } from 'node:crypto'
import { IlpPacketType, type PrepareHandler } from '@stack/ilp-core'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { PacketSealer } from '../src/core/packet-seal.js'
import { createConnection, createServer, type Connection, type Stream } from '../src/index.js'

const secret = () => new Uint8Array(randomBytes(32))

afterEach(() => void vi.restoreAllMocks())

describe('a Fulfill that cannot be sealed', () => {
  it('credits nothing for it: the retried packet is credited once, and both books agree', async () => {
    const server = await createServer({ serverSecret: secret(), serverAddress: 'test.server', idleTimeout: 0 })
    const remote: Stream[] = []
    const accepted = new Promise<Connection>((resolve) => server.once('connection', resolve))
    server.on('connection', (connection) =>
      connection.on('stream', (stream) => {
        stream.setReceiveMax(1_000_000n)
        remote.push(stream)
      }),
    )

    // The first Fulfill with money fails to seal (an injected failure); every other seals.
    const seal = PacketSealer.prototype.sealReply
    let failures = 0
    vi.spyOn(PacketSealer.prototype, 'sealReply').mockImplementation(function (this: PacketSealer, type, sequence, amount, frames) {
      if (type === IlpPacketType.Fulfill && amount > 0n && failures === 0) {
        failures++
        throw new Error('injected: cannot seal')
      }
      return seal.call(this, type, sequence, amount, frames)
    })
    // What the receiver had credited when the failed attempt came back to the sender.
    let creditedAtFailure: { connection: bigint | undefined; stream: bigint | undefined } | undefined
    let serverConnection: Connection | undefined
    const path: PrepareHandler = async (prepare) => {
      const before = failures
      try {
        return await server.handlePrepare(prepare)
      } finally {
        if (failures > before) creditedAtFailure = { connection: serverConnection?.totalReceived, stream: remote[0]?.totalReceived }
      }
    }
    void accepted.then((connection) => (serverConnection = connection))

    const { destinationAccount, sharedSecret } = server.generateAddressAndSecret()
    const client = await createConnection({ destinationAccount, sharedSecret, sendPrepare: path, idleTimeout: 0, retry: { initialDelay: 1, maxDelay: 5 } })
    serverConnection = await accepted
    const stream = client.createStream()
    const outcome = await stream.sendTotal(5_000n)

    expect(failures).toBe(1)
    expect(creditedAtFailure).toEqual({ connection: 0n, stream: 0n })
    expect(outcome).toEqual({ type: 'sent', totalSent: 5_000n, totalDelivered: 5_000n })
    expect(remote[0]?.totalReceived).toBe(5_000n)
    expect(serverConnection.totalReceived).toBe(5_000n)
    client.destroy()
  })
})
