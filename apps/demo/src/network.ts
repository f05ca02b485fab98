import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { BtpClient, BtpServer } from '@stack/channel-btp'
import { SqliteChannel, SqliteClaimStore } from '@stack/channel-sqlite'
import { createConnectorNode, silentLogger, StaticRateBackend, waitFor } from '@stack/ilp-connector'
import { ildcpFetch, sendOverLink, type Asset, type PrepareHandler } from '@stack/ilp-core'
import { SqliteLedger } from '@stack/ledger-sqlite'
import type { QuerySpspOptions } from '@stack/spsp'
import { servePayee } from './payee.js'
import { settleAsSent } from '@stack/channel-core'

export const USD: Asset = { code: 'USD', scale: 2 }
export const EUR: Asset = { code: 'EUR', scale: 2 }
const MINTED = { alice: 50_000n, connectorA: 50_000n, connectorB: 50_000n } // 500.00 each
const SETTLE_DELAY_MS = 60_000
type Log = (who: string, line: string) => void

/** An amount of a scale-2 asset in its units, exactly (no floating point for money). */
export function cents(amount: bigint): string {
  const sign = amount < 0n ? '-' : ''
  const text = (amount < 0n ? -amount : amount).toString().padStart(3, '0')
  return `${sign}${text.slice(0, -2)}.${text.slice(-2)}`
}

export interface Network {
  alice: { sendPrepare: PrepareHandler; settleUpTo(amountSent: bigint): void }
  pointer: string
  spsp: QuerySpspOptions
  settleAndClose(aliceSent: bigint): Promise<{ who: string; asset: string; redeemed: bigint }[]>
  report(): Promise<Report>
  stop(): Promise<void>
}

interface Report {
  lines: string[]
  balances: { usd: Map<string, bigint>; eur: Map<string, bigint> }
  minted: typeof MINTED
  audits: { usd: boolean; eur: boolean }
  booksSquare: boolean
}

/**
 * Two embedded ledgers, two connectors peered over BTP, payment channels on every hop, and Bob's
 * STREAM receiver behind an SPSP endpoint: everything the demo pays through, on loopback.
 */
export async function buildNetwork(dir: string, log: Log): Promise<Network> {
  const usd = SqliteLedger.create(join(dir, 'usd.ledger'), { asset: USD })
  const eur = SqliteLedger.create(join(dir, 'eur.ledger'), { asset: EUR })
  for (const id of ['alice', 'connector-a']) await usd.createAccount(id)
  for (const id of ['connector-a', 'connector-b', 'bob']) await eur.createAccount(id)
  await usd.mint({ account: 'alice', amount: MINTED.alice })
  await eur.mint({ account: 'connector-a', amount: MINTED.connectorA })
  await eur.mint({ account: 'connector-b', amount: MINTED.connectorB })
  log('ledgers', `USD ledger: alice 500.00; EUR ledger: connector-a 500.00, connector-b 500.00, bob 0.00`)

  const stops: (() => Promise<void> | void)[] = []
  const channels: { who: string; asset: string; channel: SqliteChannel; ledger: SqliteLedger }[] = []
  const channel = (who: string, asset: string, ledger: SqliteLedger, account: string, peerAccount: string, carrier: ConstructorParameters<typeof SqliteChannel>[0]['carrier'], pays: boolean) => {
    const made = new SqliteChannel({
      ledger,
      account,
      peerAccount,
      carrier,
      store: SqliteClaimStore.open(join(dir, `${who}.claims`), { account, peerAccount }),
      ...(pays ? { funding: { deposit: 20_000n, topUpBelow: 5_000n, settleDelayMs: SETTLE_DELAY_MS } } : {}),
    })
    channels.push({ who, asset, channel: made, ledger })
    return made
  }
  const token = () => randomBytes(16).toString('hex')

  // Connector B (EUR): Bob is its child, connector A its peer.
  const tokensB = { a: token(), bob: token() }
  const serverB = new BtpServer({ accounts: tokensB })
  const portB = await serverB.listen()
  stops.push(() => serverB.close())
  const connectorB = await createConnectorNode({
    address: 'test.b',
    peers: [
      { id: 'a', relation: 'peer', asset: EUR, link: serverB.link('a'), dial: false, channel: channel('connector-b ← a', 'EUR', eur, 'connector-b', 'connector-a', serverB.link('a'), false) },
      { id: 'bob', relation: 'child', asset: EUR, link: serverB.link('bob'), dial: false, channel: channel('connector-b → bob', 'EUR', eur, 'connector-b', 'bob', serverB.link('bob'), true), settleThreshold: 1n, settleTo: 0n },
    ],
    logger: silentLogger,
  })
  stops.push(() => connectorB.stop())

  // Connector A (USD in, EUR out): Alice is its child, connector B its peer; USD → EUR at 0.9, 1% spread.
  const tokensA = { alice: token() }
  const serverA = new BtpServer({ accounts: tokensA })
  const portA = await serverA.listen()
  stops.push(() => serverA.close())
  const uplinkAB = new BtpClient({ url: `btp+ws://a:${tokensB.a}@127.0.0.1:${portB}`, reconnect: false })
  stops.push(() => uplinkAB.close())
  const connectorA = await createConnectorNode({
    address: 'test.a',
    peers: [
      // Alice gets 20.00 USD of credit: past it her packets wait (T04) until her claims arrive.
      { id: 'alice', relation: 'child', asset: USD, link: serverA.link('alice'), dial: false, channel: channel('connector-a ← alice', 'USD', usd, 'connector-a', 'alice', serverA.link('alice'), false), minBalance: -2_000n, maxPacketAmount: 200n },
      { id: 'b', relation: 'peer', asset: EUR, link: uplinkAB, channel: channel('connector-a → b', 'EUR', eur, 'connector-a', 'connector-b', uplinkAB, true), settleThreshold: 1n, settleTo: 0n },
    ],
    rates: new StaticRateBackend({ USD: 1, EUR: 0.9 }),
    spread: '0.01',
    logger: silentLogger,
  })
  stops.push(() => connectorA.stop())
  // A and B exchange routes by CCP once connected: A learns test.b, B learns test.a.
  await connectorA.whenConnected(10_000, ['b'])
  await waitFor(
    () => connectorA.routingTable.lookup('test.b')?.nextHop === 'b' && connectorB.routingTable.lookup('test.a')?.nextHop === 'a' && connectorA.ccp.inSync() && connectorB.ccp.inSync(),
    5_000,
    'the connectors to exchange routes',
  )
  log('connectors', `A (test.a, BTP :${portA}) and B (test.b, BTP :${portB}) peered over BTP, routes by CCP; A converts USD → EUR at 0.9 less 1%`)

  // Bob: child of B, a STREAM server behind an SPSP endpoint, paid by B over an EUR channel.
  const bobLink = new BtpClient({ url: `btp+ws://bob:${tokensB.bob}@127.0.0.1:${portB}`, reconnect: false })
  await bobLink.connect()
  stops.push(() => bobLink.close())
  const bobInfo = await ildcpFetch(sendOverLink(bobLink, { triggeredBy: '', peer: 'connector-b' }))
  const bobChannel = channel('bob ← connector-b', 'EUR', eur, 'bob', 'connector-b', bobLink, false)
  bobChannel.setValueHandler(() => undefined) // Bob's wallet: the claims are his money
  const payee = await servePayee(bobLink, bobInfo.clientAddress, EUR)
  stops.push(() => payee.close())
  log('bob', `${bobInfo.clientAddress} (EUR), paid over a channel by B; SPSP for ${payee.pointer} at ${payee.url}`)

  // Alice: child of A; pays A with claims on her USD channel as her packets are fulfilled.
  const aliceLink = new BtpClient({ url: `btp+ws://alice:${tokensA.alice}@127.0.0.1:${portA}`, reconnect: false })
  await aliceLink.connect()
  stops.push(() => aliceLink.close())
  const aliceInfo = await ildcpFetch(sendOverLink(aliceLink, { triggeredBy: '', peer: 'connector-a' }))
  const aliceChannel = channel('alice → connector-a', 'USD', usd, 'alice', 'connector-a', aliceLink, true)
  log('alice', `${aliceInfo.clientAddress} (USD), 20.00 USD of credit with A, settles by claims`)
  const { settleUpTo, settled } = settleAsSent(aliceChannel)

  return {
    alice: { sendPrepare: sendOverLink(aliceLink, { triggeredBy: aliceInfo.clientAddress, peer: 'connector-a' }), settleUpTo },
    pointer: payee.pointer,
    spsp: payee.spsp,
    async settleAndClose(aliceSent) {
      settleUpTo(aliceSent)
      await settled()
      await connectorA.connector.settle('b')
      await connectorB.connector.settle('bob')
      // Receivers redeem their best claims, then close the channels at once (a receiver's
      // close pays its claim and returns the rest of the deposit to the sender).
      const redeemed: { who: string; asset: string; redeemed: bigint }[] = []
      for (const { who, asset, channel: c, ledger } of channels) {
        const incoming = c.summary().incoming
        const amount = await c.redeem()
        if (incoming.length > 0) redeemed.push({ who: who.split(' ')[0] ?? who, asset, redeemed: amount })
        for (const { channelId } of incoming) await ledger.requestChannelClose({ channelId, by: 'receiver' })
      }
      return redeemed
    },
    async report() {
      const balances = async (ledger: SqliteLedger) =>
        new Map((await ledger.listAccounts()).map((a) => [a.id, a.balance] as const))
      const usdBalances = await balances(usd)
      const eurBalances = await balances(eur)
      const fmt = (m: Map<string, bigint>) => [...m].map(([id, b]) => `${id} ${cents(b)}`).join(', ')
      const lines = [`ledger USD  ${fmt(usdBalances)}`, `ledger EUR  ${fmt(eurBalances)}`]
      for (const [code, ledger] of [['USD', usd], ['EUR', eur]] as const) {
        for (const c of await ledger.listChannels()) {
          lines.push(`channel     ${c.sender} → ${c.receiver}: deposit ${cents(c.deposit)} ${code}, claimed ${cents(c.claimed)} ${code}, ${c.status}`)
        }
      }
      const books = [connectorA.connector.balances(), connectorB.connector.balances()]
      for (const [name, b] of [['A', books[0]], ['B', books[1]]] as const) {
        lines.push(`books ${name}     ${Object.entries(b ?? {}).map(([peer, s]) => `${peer} ${s.balance}`).join(', ')}`)
      }
      const booksSquare = books.every((b) => Object.values(b).every((s) => s.balance === 0n && s.pendingDebit === 0n && s.pendingCredit === 0n))
      return { lines, balances: { usd: usdBalances, eur: eurBalances }, minted: MINTED, audits: { usd: usd.audit().ok, eur: eur.audit().ok }, booksSquare }
    },
    async stop() {
      for (const { channel: c } of channels) await c.stop().catch(() => undefined)
      for (const stop of stops.reverse()) await stop()
      usd.close()
      eur.close()
    },
  }
}

