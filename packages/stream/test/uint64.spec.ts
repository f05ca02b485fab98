// Amounts at the UInt64 maximum (RFC 0029 §5.1.4): the wire carries no VarUInt above it, so a
// limit or a total past it is sent as MaxUInt64, a stream receives at most that much, and no
// packet asks for a minimum past it. Nothing may throw out of the connection, and the books
// of both ends agree.
import { randomBytes } from 'node:crypto'
import { IlpErrorCode, IlpPacketType, MAX_UINT64, type PrepareHandler } from '@stack/ilp-core'
import { describe, expect, it } from 'vitest'
import { createConnection, createServer, type Connection, type Stream } from '../src/index.js'

const secret = () => new Uint8Array(randomBytes(32))

/** A server whose streams take `receiveMax`, and a client of it over `path` (the server's handler by default). */
async function pair(receiveMax: bigint, path?: (server: PrepareHandler) => PrepareHandler) {
  const server = await createServer({ serverSecret: secret(), serverAddress: 'test.server', idleTimeout: 0 })
  const remote: Stream[] = []
  const accepted = new Promise<Connection>((resolve) => server.once('connection', resolve))
  server.on('connection', (connection) =>
    connection.on('stream', (stream) => {
      stream.setReceiveMax(receiveMax)
      remote.push(stream)
    }),
  )
  const { destinationAccount, sharedSecret } = server.generateAddressAndSecret()
  const sendPrepare = path === undefined ? server.handlePrepare : path(server.handlePrepare)
  const client = await createConnection({ destinationAccount, sharedSecret, sendPrepare, idleTimeout: 0, retry: { initialDelay: 1, maxDelay: 5 } })
  return { client, serverConnection: await accepted.catch(() => undefined), remote }
}

describe('amounts at the UInt64 maximum', () => {
  it('takes a receive limit above it as the maximum: the whole of it arrives once, credited once', async () => {
    const { client, remote } = await pair(MAX_UINT64 * 8n)
    const stream = client.createStream()
    expect(await stream.sendTotal(MAX_UINT64)).toEqual({ type: 'sent', totalSent: MAX_UINT64, totalDelivered: MAX_UINT64 })
    expect(remote[0]?.receiveMax).toBe(MAX_UINT64)
    expect(remote[0]?.totalReceived).toBe(MAX_UINT64)
    expect(client.totalDelivered).toBe(MAX_UINT64)
    client.destroy()
  })

  it('tells a receiver limit it wants to send more than the maximum (StreamMoneyBlocked), and stops at the limit', async () => {
    const { client, remote, serverConnection } = await pair(1_000n)
    const stream = client.createStream()
    expect(await stream.sendTotal(MAX_UINT64 * 4n)).toEqual({ type: 'failed', reason: 'receiver-limit', totalSent: 1_000n, totalDelivered: 1_000n })
    expect(remote[0]?.totalReceived).toBe(1_000n)
    expect(serverConnection?.totalReceived).toBe(1_000n)
    client.destroy()
  })

  it('asks no minimum past the maximum, at a rate above 1, on a path that cannot convert the largest amounts', async () => {
    // Rate 3; the path answers T04 to what it cannot convert into a UInt64 (the largest probe too).
    const path = (next: PrepareHandler): PrepareHandler => async (prepare) => {
      const amount = prepare.amount * 3n
      if (amount > MAX_UINT64) return { type: IlpPacketType.Reject, code: IlpErrorCode.T04_INSUFFICIENT_LIQUIDITY, triggeredBy: 'test.path', message: '', data: new Uint8Array(0) }
      return next({ ...prepare, amount })
    }
    const { client, remote, serverConnection } = await pair(MAX_UINT64, path)
    const stream = client.createStream()
    // Three times it is more than a stream can receive: the receiver refuses the rest.
    const outcome = await stream.sendTotal(MAX_UINT64 / 2n)
    expect(outcome).toMatchObject({ type: 'failed', reason: 'rejected-by-receiver' })
    expect(stream.totalDelivered).toBe(stream.totalSent * 3n)
    expect(stream.totalDelivered).toBeLessThanOrEqual(MAX_UINT64)
    expect(stream.totalDelivered).toBeGreaterThan(MAX_UINT64 / 2n)
    expect(remote[0]?.totalReceived).toBe(stream.totalDelivered)
    expect(serverConnection?.totalReceived).toBe(stream.totalDelivered)
    client.destroy()
  })
})
