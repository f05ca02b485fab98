// Interop both ways, through our Connector over BTP: @interledger/pay 0.2.2 pays our SPSP
// receiver; our client pays an ilp-protocol-stream 2.7.1 server behind our SpspServer.
import { randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import { BtpClient } from '@stack/channel-btp'
import { pluginFromLink } from '@stack/channel-core'
import { pay, quote, querySpsp, SpspServer } from '@stack/spsp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectUplink } from '../src/uplink.js'
import { startNetwork, startReceiver, type Network, type Receiver } from './fixtures/network.js'
import { reference } from './fixtures/reference-stream.js'

const require = createRequire(import.meta.url)
const interledgerPay = require('@interledger/pay') as typeof import('@interledger/pay')

let network: Network
beforeAll(async () => {
  network = await startNetwork({ alice: { asset: { code: 'USD', scale: 2 }, maxPacketAmount: 1000n }, bob: { asset: { code: 'EUR', scale: 2 } }, ref: { asset: { code: 'EUR', scale: 2 } } })
})
afterAll(() => network.close())

describe('interop', () => {
  it('@interledger/pay pays our SPSP receiver through our connector', async () => {
    const receiver: Receiver = await startReceiver(network, 'bob')
    const link = new BtpClient({ url: network.url('alice'), reconnect: false })
    const plugin = pluginFromLink(link)
    try {
      await plugin.connect()
      // Its SPSP client insists on https pointers: hand it what our endpoint answers.
      const { destinationAccount, sharedSecret } = await querySpsp(receiver.url, { allowInsecure: true })
      const q = await interledgerPay.quote({ plugin: plugin as never, destinationAddress: destinationAccount, sharedSecret: Buffer.from(sharedSecret), amountToSend: '50', slippage: 0.02, prices: { USD: 1, EUR: 1.1111 } })
      expect(q.destinationAccount).toMatchObject({ assetCode: 'EUR', assetScale: 2 })
      const receipt = await q.pay()
      expect(receipt.error).toBeUndefined()
      // @interledger/pay 0.2 counts in the assets' units (scale 2 here), we in smallest units.
      expect(receipt.amountSent.toString()).toBe('50')
      expect(-network.connector.balance('alice').balance).toBe(5000n)
      expect(receipt.amountDelivered.shiftedBy(2).toString()).toBe(receiver.received().toString())
      expect(network.connector.balance('bob').balance).toBe(receiver.received())
    } finally {
      await plugin.disconnect()
      await receiver.close()
    }
  })

  it('our client pays an ilp-protocol-stream server behind our SpspServer', async () => {
    const link = new BtpClient({ url: network.url('ref'), reconnect: false })
    const plugin = pluginFromLink(link)
    await plugin.connect()
    const server = await reference.createServer({ plugin: plugin as never, serverSecret: randomBytes(32) })
    let received = 0n
    server.on('connection', (connection: { on(event: string, listener: (stream: { setReceiveMax(n: number): void; on(e: string, l: (amount: string) => void): void }) => void): void }) => {
      connection.on('stream', (stream) => {
        stream.setReceiveMax(1e15)
        stream.on('money', (amount) => {
          received += BigInt(amount)
        })
      })
    })
    const spsp = new SpspServer({ endpoints: { '/.well-known/pay': () => server.generateAddressAndSecret() } })
    await spsp.listen()
    const alice = await connectUplink(network.url('alice'))
    try {
      const q = await quote({ destination: `${spsp.url}/.well-known/pay`, spsp: { allowInsecure: true }, sendPrepare: alice.sendPrepare, sourceAsset: { code: 'USD', scale: 2 }, amountToSend: '30.00' })
      expect(q.destinationAsset).toEqual({ code: 'EUR', scale: 2 })
      const result = await pay(q)
      expect(result).toMatchObject({ type: 'complete', amountSent: 3000n, inFlight: 0n })
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(received).toBe(result.amountDelivered)
      expect(network.connector.balance('ref').balance).toBe(result.amountDelivered)
    } finally {
      await alice.close()
      await spsp.close()
      await server.close()
      await plugin.disconnect()
    }
  })
})
