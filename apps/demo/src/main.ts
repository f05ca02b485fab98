#!/usr/bin/env node
// The README's main job. Until the connector, ledgers and STREAM land, it runs the most
// end-to-end path built so far: a child node dials its parent over BTP on loopback,
// learns its address by ILDCP, and pays a receiver behind the parent in ILP packets,
// each fulfillment checked against its condition; then it proves nothing was lost.
import { randomBytes } from 'node:crypto'
import { BtpClient, BtpServer } from '@stack/channel-btp'
import { conditionOf, decodeReply, encodePrepare, ildcpFetch, IlpPacketType, verifyFulfillment } from '@stack/ilp-core'
import { createParent } from './parent.js'
import { createReceiver, fulfillmentFor } from './receiver.js'

const log = (line: string) => console.log(line)

export async function runDemo(packets = 10): Promise<{ fulfilled: bigint; received: bigint; rejected: number }> {
  const secret = randomBytes(32)
  const receiverAddress = 'test.parent.bob'
  const receiver = createReceiver(receiverAddress, secret)

  const token = randomBytes(16).toString('hex')
  const server = new BtpServer({ accounts: { alice: token } })
  const port = await server.listen()
  server.link('alice').setRequestHandler(
    createParent({
      address: 'test.parent',
      child: { clientAddress: 'test.parent.alice', assetCode: 'USD', assetScale: 2 },
      receiverAddress,
      receiver: receiver.handle,
    }),
  )
  log(`parent   test.parent listening for BTP on 127.0.0.1:${port}`)

  const alice = new BtpClient({ url: `btp+ws://alice:${token}@127.0.0.1:${port}`, reconnect: false })
  try {
    await alice.connect()
    log('alice    connected and authenticated over BTP 2.0')

    const info = await ildcpFetch((packet) => alice.request(packet))
    log(`alice    ILDCP: my address is ${info.clientAddress}, asset ${info.assetCode} scale ${info.assetScale}`)

    let fulfilled = 0n
    let rejected = 0
    for (let i = 1; i <= packets; i++) {
      const data = randomBytes(16)
      // The last packet carries a condition the receiver cannot fulfill: it must come back rejected.
      const fulfillment = i === packets ? randomBytes(32) : fulfillmentFor(secret, data)
      const amount = BigInt(i * 100)
      const reply = decodeReply(
        await alice.request(
          encodePrepare({
            amount,
            expiresAt: new Date(Date.now() + 30_000),
            executionCondition: conditionOf(fulfillment),
            destination: receiverAddress,
            data,
          }),
        ),
      )
      if (reply.type === IlpPacketType.Fulfill && verifyFulfillment(reply.fulfillment, conditionOf(fulfillment))) {
        fulfilled += amount
        log(`alice    packet ${i}: ${amount} units fulfilled`)
      } else if (reply.type === IlpPacketType.Reject) {
        rejected++
        log(`alice    packet ${i}: ${amount} units rejected ${reply.code} by ${reply.triggeredBy}: ${reply.message}`)
      }
    }
    const received = receiver.received()
    log(`summary  alice saw ${fulfilled} units fulfilled, bob received ${received}, ${rejected} rejected`)
    if (fulfilled !== received) throw new Error(`money not conserved: sent ${fulfilled}, received ${received}`)
    log('summary  conserved: every fulfilled unit reached bob, nothing else did')
    return { fulfilled, received, rejected }
  } finally {
    await alice.close()
    await server.close()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runDemo().catch((error: unknown) => {
    console.error(error)
    process.exitCode = 1
  })
}
