import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { BtpClient } from '@stack/channel-btp'
import { settleAsSent } from '@stack/channel-core'
import { SqliteChannel, SqliteClaimStore } from '@stack/channel-sqlite'
import { ildcpFetch, sendOverLink, type Asset, type PrepareHandler } from '@stack/ilp-core'
import { SqliteLedger } from '@stack/ledger-sqlite'
import type { QuerySpspOptions } from '@stack/spsp'
import { ConnectorProcess, ConnectorProcessError, type AdminBook } from './connector-process.js'
import { servePayee } from './payee.js'
import type { WatchedNode } from './watch.js'

export const USD: Asset = { code: 'USD', scale: 2 }
export const EUR: Asset = { code: 'EUR', scale: 2 }
const MINTED = { alice: 50_000n, connectorA: 50_000n, connectorB: 50_000n } // 500.00 each
const FUNDING = { deposit: '20000', topUpBelow: '5000', settleDelayMs: 60_000 } // 200.00 locked per paying channel
// A node starts in a second or two; a loaded machine (the tests run beside other work) takes longer.
const START_TIMEOUT_MS = 60_000
type Log = (who: string, line: string) => void
type Books = Record<string, AdminBook>

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
  /** The connectors' admin APIs, for the dashboards (watch.ts). */
  nodes: WatchedNode[]
  /** Rejects, with its output, as soon as a connector process dies: race the payment against it. */
  died: Promise<never>
  /** Waits until every payment has been settled over its channel and every connector book is square. */
  settle(aliceSent: bigint): Promise<void>
  /** Redeems and closes every channel; what each receiver redeemed. */
  close(): Promise<{ who: string; asset: string; redeemed: bigint }[]>
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
 * Two embedded ledgers, two `stack-connector` processes (apps/connector, each from a
 * configuration file written here, admin API with a token on loopback) peered over BTP, payment
 * channels on every hop, and Bob's STREAM receiver behind an SPSP endpoint: everything the demo
 * pays through. Alice and Bob stay in this process, on the same ledger files (SQLite WAL).
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

  const stops: (() => Promise<unknown> | unknown)[] = []
  const connectors: ConnectorProcess[] = []
  // Whatever way this process ends (an error, a signal turned into exit), no connector outlives it.
  const killConnectors = () => {
    for (const connector of connectors) connector.kill()
  }
  process.on('exit', killConnectors)
  stops.unshift(() => process.off('exit', killConnectors))
  let stopped = false
  const stopEverything = async () => {
    if (stopped) return
    stopped = true
    for (const stop of stops.reverse()) await Promise.resolve(stop()).catch(() => undefined)
    killConnectors()
    usd.close()
    eur.close()
  }
  try {
    return await connect()
  } catch (error) {
    await stopEverything() // a node that did not start, or a link that did not come up: nothing left running
    throw error
  }

  async function connect(): Promise<Network> {
    const token = () => randomBytes(16).toString('hex')
    const tokens = { a: token(), bob: token(), alice: token(), adminA: token(), adminB: token() }
    const sqlite = (ledger: string, account: string, peerAccount: string, pays: boolean) => ({
      kind: 'sqlite', ledger, account, peerAccount, claims: `${account}.${peerAccount}.claims`, watchIntervalMs: 50, ...(pays ? FUNDING : {}),
    })
    const common = { listen: { btp: { port: 0 } }, log: { level: 'info' }, ccp: { broadcastIntervalMs: 1_000, minUpdateIntervalMs: 10 } }

    // Connector B (EUR): connector A its peer, Bob its child; B pays Bob over an EUR channel.
    const fileB = writeConfig(dir, 'connector-b.json', {
      address: 'test.b', asset: EUR, ...common, admin: { port: 0, token: tokens.adminB }, balances: { path: 'connector-b.balances' },
      peers: [
        { id: 'a', relation: 'peer', btp: { token: tokens.a }, settlement: sqlite('eur.ledger', 'connector-b', 'connector-a', false) },
        { id: 'bob', relation: 'child', btp: { token: tokens.bob }, settleThreshold: '1', settleTo: '0', settlement: sqlite('eur.ledger', 'connector-b', 'bob', true) },
      ],
    })
    const b = await ConnectorProcess.start({ name: 'B', configFile: fileB, timeoutMs: START_TIMEOUT_MS })
    connectors.push(b)
    stops.push(() => b.stop())
    // Connector A (USD in, EUR out): Alice its child (20.00 USD of credit: past it her packets wait,
    // T04, for her claims), connector B its peer; USD → EUR at 0.9, 1% spread.
    const fileA = writeConfig(dir, 'connector-a.json', {
      address: 'test.a', asset: USD, ...common, admin: { port: 0, token: tokens.adminA }, balances: { path: 'connector-a.balances' },
      rates: { static: { USD: '1', EUR: '0.9' } }, spread: '0.01',
      peers: [
        { id: 'alice', relation: 'child', btp: { token: tokens.alice }, minBalance: '-2000', maxPacketAmount: '200', settlement: sqlite('usd.ledger', 'connector-a', 'alice', false) },
        { id: 'b', relation: 'peer', asset: EUR, btp: { url: `btp+ws://a:${tokens.a}@127.0.0.1:${b.ports.btp}` }, settleThreshold: '1', settleTo: '0', settlement: sqlite('eur.ledger', 'connector-a', 'connector-b', true) },
      ],
    })
    const a = await ConnectorProcess.start({ name: 'A', configFile: fileA, timeoutMs: START_TIMEOUT_MS })
    connectors.push(a)
    stops.push(() => a.stop())
    const died = Promise.race([a.died, b.died])
    const admin = async <T>(node: ConnectorProcess, adminToken: string, path: string): Promise<T> => {
      node.checkAlive()
      const res = await fetch(`http://127.0.0.1:${node.ports.admin}${path}`, { headers: { authorization: `Bearer ${adminToken}` } })
      if (!res.ok) throw new ConnectorProcessError(`${node.name}: GET ${path} answered ${res.status}`)
      return (await res.json()) as T
    }
    const routeOf = async (node: ConnectorProcess, adminToken: string, prefix: string) => (await admin<{ prefix: string; nextHop: string }[]>(node, adminToken, '/routes')).find((route) => route.prefix === prefix)?.nextHop
    // A and B exchange routes by CCP once connected: A learns test.b, B learns test.a.
    await a.waitFor(async () => (await routeOf(a, tokens.adminA, 'test.b')) === 'b' && (await routeOf(b, tokens.adminB, 'test.a')) === 'a', 60_000, 'the connectors to exchange routes')
    log('connectors', `two stack-connector processes: A (test.a, pid ${a.pid}, ${relative(dir, fileA)}, BTP :${a.ports.btp}) and B (test.b, pid ${b.pid}, BTP :${b.ports.btp}), peered over BTP, routes by CCP; A converts USD → EUR at 0.9 less 1%`)

    // Bob: child of B, a STREAM server behind an SPSP endpoint, paid by B over an EUR channel.
    const bobLink = new BtpClient({ url: `btp+ws://bob:${tokens.bob}@127.0.0.1:${b.ports.btp}`, reconnect: false })
    await bobLink.connect()
    stops.push(() => bobLink.close())
    const bobInfo = await ildcpFetch(sendOverLink(bobLink, { triggeredBy: '', peer: 'connector-b' }))
    const bobClaims = SqliteClaimStore.open(join(dir, 'bob.claims'), { account: 'bob', peerAccount: 'connector-b' })
    const bobChannel = new SqliteChannel({ ledger: eur, account: 'bob', peerAccount: 'connector-b', carrier: bobLink, store: bobClaims })
    bobChannel.setValueHandler(() => undefined) // Bob's wallet: the claims are his money
    stops.push(() => bobChannel.stop(), () => bobClaims.close())
    const payee = await servePayee(bobLink, bobInfo.clientAddress, EUR)
    stops.push(() => payee.close())
    log('bob', `${bobInfo.clientAddress} (EUR), paid over a channel by B; SPSP for ${payee.pointer} at ${payee.url}`)

    // Alice: child of A; pays A with claims on her USD channel as her packets are fulfilled.
    const aliceLink = new BtpClient({ url: `btp+ws://alice:${tokens.alice}@127.0.0.1:${a.ports.btp}`, reconnect: false })
    await aliceLink.connect()
    stops.push(() => aliceLink.close())
    const aliceInfo = await ildcpFetch(sendOverLink(aliceLink, { triggeredBy: '', peer: 'connector-a' }))
    const aliceClaims = SqliteClaimStore.open(join(dir, 'alice.claims'), { account: 'alice', peerAccount: 'connector-a' })
    const aliceChannel = new SqliteChannel({
      ledger: usd, account: 'alice', peerAccount: 'connector-a', carrier: aliceLink, store: aliceClaims,
      funding: { deposit: BigInt(FUNDING.deposit), topUpBelow: BigInt(FUNDING.topUpBelow), settleDelayMs: FUNDING.settleDelayMs },
    })
    stops.push(() => aliceChannel.stop(), () => aliceClaims.close())
    log('alice', `${aliceInfo.clientAddress} (USD), 20.00 USD of credit with A, settles by claims`)
    const { settleUpTo, settled } = settleAsSent(aliceChannel)

    const books = async () => ({ A: await admin<Books>(a, tokens.adminA, '/balances'), B: await admin<Books>(b, tokens.adminB, '/balances') })
    const square = (all: Books) => Object.values(all).every((s) => s.balance === '0' && s.pendingDebit === '0' && s.pendingCredit === '0')
    let lastBooks: { A: Books; B: Books } = { A: {}, B: {} }

    return {
      alice: { sendPrepare: sendOverLink(aliceLink, { triggeredBy: aliceInfo.clientAddress, peer: 'connector-a' }), settleUpTo },
      pointer: payee.pointer,
      spsp: payee.spsp,
      nodes: [
        { name: 'A', adminUrl: `http://127.0.0.1:${a.ports.admin}`, token: tokens.adminA },
        { name: 'B', adminUrl: `http://127.0.0.1:${b.ports.admin}`, token: tokens.adminB },
      ],
      died,
      async settle(aliceSent) {
        settleUpTo(aliceSent)
        await Promise.race([settled(), died])
        // Each connector settles by its own threshold (again after a settlement if packets came meanwhile).
        await a.waitFor(async () => {
          lastBooks = await books()
          return square(lastBooks.A) && square(lastBooks.B)
        }, 30_000, 'every connector book to be square')
      },
      async close() {
        // Bob (in this process) redeems his best claim and closes B's channel; Alice asks to close
        // hers, which A's watcher redeems and closes at once; B redeems A's claims as it stops
        // (SIGTERM). A closed channel gives the rest of its deposit back to the payer.
        const redeemed: { who: string; asset: string; redeemed: bigint }[] = []
        redeemed.push({ who: 'bob', asset: 'EUR', redeemed: await bobChannel.redeem() })
        for (const { channelId } of bobChannel.summary().incoming) await eur.requestChannelClose({ channelId, by: 'receiver' })
        const aliceChannelId = aliceChannel.summary().outgoing?.channelId
        await aliceChannel.requestClose()
        if (aliceChannelId !== undefined) await a.waitFor(async () => (await usd.getChannel(aliceChannelId)).status === 'closed', 10_000, "A to close Alice's channel")
        const usdChannel = (await usd.listChannels()).find((c) => c.id === aliceChannelId)
        redeemed.push({ who: 'connector-a', asset: 'USD', redeemed: usdChannel?.claimed ?? 0n })
        await Promise.all([a.stop(), b.stop()]) // B redeems A's best claim on the EUR ledger on its way out
        const eurChannel = (await eur.listChannels()).find((c) => c.sender === 'connector-a')
        redeemed.push({ who: 'connector-b', asset: 'EUR', redeemed: eurChannel?.claimed ?? 0n })
        // B's operator closes the channel it was paid on: the rest of A's deposit goes back to A.
        if (eurChannel !== undefined) await eur.requestChannelClose({ channelId: eurChannel.id, by: 'receiver' })
        return redeemed
      },
      async report() {
        const balances = async (ledger: SqliteLedger) => new Map((await ledger.listAccounts()).map((account) => [account.id, account.balance] as const))
        const usdBalances = await balances(usd)
        const eurBalances = await balances(eur)
        const fmt = (m: Map<string, bigint>) => [...m].map(([id, balance]) => `${id} ${cents(balance)}`).join(', ')
        const lines = [`ledger USD  ${fmt(usdBalances)}`, `ledger EUR  ${fmt(eurBalances)}`]
        for (const [code, ledger] of [['USD', usd], ['EUR', eur]] as const) {
          for (const c of await ledger.listChannels()) lines.push(`channel     ${c.sender} → ${c.receiver}: deposit ${cents(c.deposit)} ${code}, claimed ${cents(c.claimed)} ${code}, ${c.status}`)
        }
        for (const [name, all] of Object.entries(lastBooks)) lines.push(`books ${name}     ${Object.entries(all).map(([peer, s]) => `${peer} ${s.balance}`).join(', ')}`)
        const booksSquare = square(lastBooks.A) && square(lastBooks.B) && Object.keys(lastBooks.A).length > 0
        return { lines, balances: { usd: usdBalances, eur: eurBalances }, minted: MINTED, audits: { usd: usd.audit().ok, eur: eur.audit().ok }, booksSquare }
      },
      stop: stopEverything,
    }
  }
}

function writeConfig(dir: string, name: string, config: unknown): string {
  const file = join(dir, name)
  writeFileSync(file, JSON.stringify(config, null, 2))
  return file
}
