#!/usr/bin/env node
// The README's main job: one payment through every layer built so far, on loopback.
// Alice (USD) pays Bob (EUR) with STREAM; her packets cross a connector over BTP 2.0, which
// converts them at its exchange rate, keeps both peers' balances, and forwards them to Bob's
// STREAM server, whose address came from ILDCP. At the end it checks that value is
// conserved: what Alice sent is what the connector charged her, and what Bob received is
// what the connector owes him and what Alice's STREAM reports as delivered.
// (No ledger yet: the balances are the connector's books, not settled on any ledger.)
import { randomBytes } from 'node:crypto'
import type { Link } from '@stack/channel-core'
import { BtpClient, BtpServer } from '@stack/channel-btp'
import { Connector, ildcpFetch, RoutingTable, StaticRateBackend, type IldcpInfo } from '@stack/ilp-core'
import { createConnection, createServer } from '@stack/stream'
import { sendOver, serveOn } from './ilp-over-link.js'

const log = (who: string, line: string) => console.log(`${who.padEnd(9)} ${line}`)
const usd = { code: 'USD', scale: 2 }
const eur = { code: 'EUR', scale: 2 }

export interface DemoResult {
  aliceSent: bigint
  bobReceived: bigint
  delivered: bigint
  connectorOwesBob: bigint
  aliceOwesConnector: bigint
}

export async function runDemo(amount = 10_000n): Promise<DemoResult> {
  // The connector: two children over BTP, USD → EUR at 0.9 with a 1% spread.
  const routes = new RoutingTable()
  routes.setStatic('test.connie.alice', 'alice')
  routes.setStatic('test.connie.bob', 'bob')
  const connector = new Connector({
    address: 'test.connie',
    routes: { nextHop: (destination) => routes.lookup(destination)?.nextHop },
    rates: new StaticRateBackend({ USD: 1, EUR: 0.9 }),
    spread: '0.01',
  })
  const tokens = { alice: randomBytes(16).toString('hex'), bob: randomBytes(16).toString('hex') }
  const server = new BtpServer({ accounts: tokens })
  const port = await server.listen()
  connector.addPeer({ id: 'alice', relation: 'child', asset: usd, link: server.link('alice') })
  connector.addPeer({ id: 'bob', relation: 'child', asset: eur, link: server.link('bob') })
  log('connector', `test.connie on BTP 127.0.0.1:${port}; rate USD→EUR 0.9, spread 1%`)

  const links: Link[] = []
  const dial = async (who: 'alice' | 'bob'): Promise<{ link: Link; info: IldcpInfo }> => {
    const link = new BtpClient({ url: `btp+ws://${who}:${tokens[who]}@127.0.0.1:${port}`, reconnect: false })
    links.push(link)
    await link.connect()
    const info = await ildcpFetch((packet) => link.request(packet))
    log(who, `connected over BTP; ILDCP says I am ${info.clientAddress} (${info.assetCode}, scale ${info.assetScale})`)
    return { link, info }
  }

  try {
    // Bob: a STREAM server behind the connector.
    const bob = await dial('bob')
    const stream = await createServer({ serverSecret: randomBytes(32), serverAddress: bob.info.clientAddress })
    serveOn(bob.link, stream.handlePrepare)
    let bobReceived = 0n
    stream.on('connection', (connection) => {
      connection.on('stream', (incoming) => {
        incoming.on('money', (money: bigint) => {
          bobReceived += money
        })
      })
    })
    // Handed to Alice out of band here; SPSP (RFC 0009) will carry them.
    const { destinationAccount, sharedSecret } = stream.generateAddressAndSecret('invoice-1')
    log('bob', `STREAM server ready at ${destinationAccount.slice(0, 40)}…`)

    // Alice: a STREAM client; the connection probes the rate, then pays.
    const alice = await dial('alice')
    const connection = await createConnection({
      destinationAccount,
      sharedSecret,
      sendPrepare: sendOver(alice.link),
      slippage: 0.02,
    })
    const probe = connection.exchangeRate
    log('alice', `probed the path: ${probe?.sent} USD-cents arrive as ${probe?.delivered} EUR-cents`)
    const payment = connection.createStream()
    const outcome = await payment.sendTotal(amount)
    log('alice', `payment ${outcome.type}: sent ${payment.totalSent} USD-cents, delivered ${payment.totalDelivered} EUR-cents`)
    await connection.end()

    const result: DemoResult = {
      aliceSent: payment.totalSent,
      delivered: payment.totalDelivered,
      bobReceived,
      connectorOwesBob: connector.balance('bob').balance,
      aliceOwesConnector: -connector.balance('alice').balance,
    }
    log('summary', `bob received ${result.bobReceived} EUR-cents; connector owes bob ${result.connectorOwesBob}, alice owes it ${result.aliceOwesConnector} USD-cents`)
    if (result.aliceSent !== amount || result.aliceOwesConnector !== result.aliceSent) {
      throw new Error(`USD side does not balance: ${JSON.stringify(result, (_, v) => (typeof v === 'bigint' ? String(v) : v))}`)
    }
    if (result.bobReceived !== result.delivered || result.connectorOwesBob !== result.delivered) {
      throw new Error(`EUR side does not balance: ${JSON.stringify(result, (_, v) => (typeof v === 'bigint' ? String(v) : v))}`)
    }
    log('summary', 'conserved on both sides of the connector')
    return result
  } finally {
    await Promise.all(links.map((link) => link.close()))
    await server.close()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runDemo().catch((error: unknown) => {
    console.error(error)
    process.exitCode = 1
  })
}
