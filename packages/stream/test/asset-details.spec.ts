import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createConnection, createServer } from '../src/index.js'

async function serverWithAsset() {
  const server = await createServer({ serverSecret: new Uint8Array(randomBytes(32)), serverAddress: 'test.server', assetDetails: { code: 'EUR', scale: 2 } })
  return { server, ...server.generateAddressAndSecret() }
}

describe('asset details and the receiver limit, seen by the sender', () => {
  it('a server answers ConnectionNewAddress with its asset details (RFC 0029 §4.3.3)', async () => {
    const { server, destinationAccount, sharedSecret } = await serverWithAsset()
    const connection = await createConnection({ destinationAccount, sharedSecret, sendPrepare: server.handlePrepare, sourceAccount: 'test.client' })
    expect(connection.destinationAsset).toEqual({ code: 'EUR', scale: 2 })
    connection.destroy()
  })

  it('an empty ConnectionNewAddress asks for the asset without telling an address', async () => {
    const { server, destinationAccount, sharedSecret } = await serverWithAsset()
    const connection = await createConnection({ destinationAccount, sharedSecret, sendPrepare: server.handlePrepare, sourceAccount: '' })
    expect(connection.destinationAsset).toEqual({ code: 'EUR', scale: 2 })
    connection.destroy()
  })

  it('without ConnectionNewAddress the asset stays unknown', async () => {
    const { server, destinationAccount, sharedSecret } = await serverWithAsset()
    const connection = await createConnection({ destinationAccount, sharedSecret, sendPrepare: server.handlePrepare })
    expect(connection.destinationAsset).toBeUndefined()
    connection.destroy()
  })

  it('stream.remoteLimit reports the receiver StreamMaxMoney and what it received', async () => {
    const { server, destinationAccount, sharedSecret } = await serverWithAsset()
    server.on('connection', (connection) => connection.on('stream', (stream) => stream.setReceiveMax(500n)))
    const connection = await createConnection({ destinationAccount, sharedSecret, sendPrepare: server.handlePrepare, sourceAccount: '', retry: { initialDelay: 1, maxDelay: 10 } })
    const stream = connection.createStream()
    expect(stream.remoteLimit).toEqual({ receiveMax: undefined, totalReceived: 0n })
    stream.setSendMax(1000n)
    for (let i = 0; i < 200 && stream.totalSent < 500n; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    expect(stream.totalSent).toBe(500n)
    expect(stream.remoteLimit).toEqual({ receiveMax: 500n, totalReceived: 500n })
    connection.destroy()
  })
})

describe('asset details across a path that drops the smallest probe', () => {
  it('learns the receiver asset by the end of probing even when the 1-unit probe never arrives', async () => {
    const { server, destinationAccount, sharedSecret } = await serverWithAsset()
    const { IlpErrorCode, IlpPacketType } = await import('@stack/ilp-core')
    // A connector that rounds 1 unit to nothing rejects it itself (the receiver never sees it).
    const connection = await createConnection({
      destinationAccount,
      sharedSecret,
      sourceAccount: '',
      sendPrepare: async (prepare) =>
        prepare.amount <= 1n
          ? { type: IlpPacketType.Reject, code: IlpErrorCode.R01_INSUFFICIENT_SOURCE_AMOUNT, triggeredBy: 'test.connector', message: '', data: new Uint8Array(0) }
          : server.handlePrepare(prepare),
    })
    expect(connection.destinationAsset).toEqual({ code: 'EUR', scale: 2 })
    connection.destroy()
  })
})
