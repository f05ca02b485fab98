import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { networks, payments, Transaction } from 'bitcoinjs-lib'
import { regtestNetwork, startRegtest, type Regtest } from '@stack/bitcoin-regtest'
import { LightningNode } from '@stack/channel-lightning'
import { IlpPacketType } from '@stack/ilp-core'
import { BitcoinLedger, BitcoinRpc } from '@stack/ledger-bitcoin'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ConnectorNode } from '../src/node.js'
import { freePort, host, intents, node, stopAll, token, type Host } from './harness.js'

// sender — A —BTP— B — receiver, in BTC (scale 8: units are satoshis). A settles with B over
// Lightning (`settlement.kind: lightning`): two LDK 0.1 nodes, one per connector, a channel A
// funds on a bcoin regtest chain the test starts, and an invoice paid each time A's debt to B
// crosses the threshold while thousands of packets flow, B restarted half-way (its channel kept).
// Then the channel closes cooperatively and
// every book must agree to the satoshi: both connectors' balances and counters, the channel
// totals, the Lightning balances, the closing transaction, the sweeps and both wallets.

const BTC = { code: 'BTC', scale: 8 }
const PACKETS = 2_000
const AMOUNT = 50n
const TOTAL = AMOUNT * BigInt(PACKETS)
const THRESHOLD = 2_000n
const CAPACITY = 1_000_000n
const FUNDS = 2_000_000n
const CONCURRENCY = 8

let chain: Regtest
let rpc: BitcoinRpc
let dir: string
const nodes: ConnectorNode[] = []
const hosts: Host[] = []
beforeAll(async () => {
  chain = await startRegtest()
  rpc = new BitcoinRpc({ url: chain.rpcUrl, user: chain.rpcUser, password: chain.rpcPassword })
  dir = mkdtempSync(join(tmpdir(), 'connector-lightning-'))
}, 120_000)
afterAll(async () => {
  await stopAll(...hosts, ...nodes)
  await chain?.stop()
  rmSync(dir, { recursive: true, force: true })
})

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(100)
  }
}

/** A side's files: the wallet the plug-in opens (ledger-bitcoin, Bitcoin Core's regtest prefixes) and its LDK node's id. */
interface Side {
  readonly dataDir: string
  readonly wallet: { seedFile: string; journal: string }
  readonly nodeId: string
  readonly fundsScript: Uint8Array
  readonly sweepScript: Uint8Array
}

const scriptOf = (address: string): Uint8Array => payments.p2wpkh({ address, network: networks.regtest }).output!
/** The same script in bcoin's regtest address encoding (its faucet pays those). */
const bcoinAddress = (script: Uint8Array): string => payments.p2wpkh({ output: Buffer.from(script), network: regtestNetwork }).address!

async function openWallet(side: Pick<Side, 'wallet'>): Promise<BitcoinLedger> {
  const seed = Buffer.from(readFileSync(side.wallet.seedFile, 'utf8').trim(), 'hex')
  return BitcoinLedger.open({ rpc, network: networks.regtest, seed, statePath: side.wallet.journal })
}

async function prepare(name: string): Promise<Side> {
  const dataDir = join(dir, `${name}-ln`)
  mkdirSync(dataDir)
  const wallet = { seedFile: join(dir, `${name}.seed`), journal: join(dir, `${name}.wallet.jsonl`) }
  writeFileSync(wallet.seedFile, randomBytes(32).toString('hex'))
  const ledger = await openWallet({ wallet })
  await ledger.createAccount('funds')
  await ledger.createAccount('sweep')
  const fundsScript = scriptOf(ledger.address('funds'))
  const sweepScript = scriptOf(ledger.address('sweep'))
  await ledger.close()
  // The node id the peer's section names: the LDK node makes its seed on first start.
  const ln = await LightningNode.start({ dataDir, chain: rpc, wallet: { fundingTransaction: () => Promise.reject(new Error('unused')) }, sweepScript, syncIntervalMs: 0 })
  const nodeId = ln.nodeId
  await ln.stop()
  return { dataDir, wallet, nodeId, fundsScript, sweepScript }
}

async function tx(txid: string): Promise<Transaction> {
  return Transaction.fromHex(await rpc.getRawTransactionHex(txid))
}

/** Inputs (the values of the outputs they spend) less outputs. */
async function feeOf(t: Transaction): Promise<bigint> {
  let inputs = 0n
  for (const input of t.ins) inputs += (await tx(Buffer.from(input.hash).reverse().toString('hex'))).outs[input.index]!.value
  return inputs - t.outs.reduce((sum, o) => sum + o.value, 0n)
}

async function spenderInMempool(txid: string): Promise<Transaction | undefined> {
  for (const id of await rpc.getRawMempool()) {
    const candidate = await tx(id)
    if (candidate.ins.some((input) => Buffer.from(input.hash).reverse().toString('hex') === txid)) return candidate
  }
  return undefined
}

interface LightningSummary {
  node: string
  peer: string | null
  channels: { channelId: string; fundingTxid?: string; usable: boolean; valueSats: bigint }[]
  claimableSats: bigint
  sent: bigint
  received: bigint
}
const summaryOf = (n: ConnectorNode, peer: string): LightningSummary => n.settlements.summary()[peer] as unknown as LightningSummary

describe('settlement over Lightning between two connectors (LDK on bcoin regtest)', () => {
  it(`settles ${PACKETS} packets by invoices as the threshold is crossed, then closes: every book exact to the satoshi`, async () => {
    const a = await prepare('a')
    const b = await prepare('b')
    await chain.fund(bcoinAddress(a.fundsScript), Number(FUNDS))
    await chain.mine(1)

    const tokens = { sender: token(), b: token(), receiver: token() }
    // B's Lightning port goes in A's section before B starts.
    const bLightning = await freePort()
    const section = (me: Side, extra: object) => ({
      kind: 'lightning', dataDir: me.dataDir, rpc: { url: chain.rpcUrl, user: chain.rpcUser, password: chain.rpcPassword },
      wallet: me.wallet, minimumDepth: 1, ...extra,
    })
    const nodeA = await node({
      address: 'test.a',
      asset: BTC,
      listen: { btp: { port: 0 } },
      peers: [
        { id: 'sender', relation: 'child', btp: { token: tokens.sender } },
        {
          id: 'b', relation: 'peer', btp: { token: tokens.b }, settleThreshold: String(THRESHOLD), settleTo: '0',
          // A names B's node (B's hello is checked against it); B learns A's from A's hello.
          settlement: section(a, { peerNodeId: b.nodeId, peerHost: '127.0.0.1', peerPort: bLightning, channelSats: String(CAPACITY) }),
        },
      ],
      routes: [{ prefix: 'test.b', peer: 'b' }],
    })
    nodes.push(nodeA)
    // B dials A over BTP; A's plug-in dials B's Lightning node (again and again until B's is up) and proposes the channel.
    // B's books are SQLite: B restarts half-way.
    const startB = () => node({
      address: 'test.b',
      asset: BTC,
      listen: { btp: { port: 0 } },
      balances: { store: 'sqlite', path: join(dir, 'b-balances.db') },
      peers: [
        { id: 'a', relation: 'peer', btp: { url: `btp+ws://b:${tokens.b}@127.0.0.1:${nodeA.ports.btp}` }, settlement: section(b, { listenPort: bLightning }) },
        { id: 'receiver', relation: 'child', btp: { token: tokens.receiver } },
      ],
    })
    let nodeB = await startB()
    nodes.push(nodeB)
    await nodeA.whenConnected(30_000, ['b'])
    await nodeB.whenConnected(30_000, ['a'])

    // The funding transaction reaches the mempool once B accepted the channel; one block makes it usable (minimumDepth 1).
    await until('the funding transaction', async () => summaryOf(nodeA, 'b').channels[0]?.fundingTxid !== undefined && (await rpc.getRawMempool()).length > 0)
    const fundingTxid = summaryOf(nodeA, 'b').channels[0]!.fundingTxid!
    const funding = await tx(fundingTxid)
    const fundingFee = await feeOf(funding)
    await chain.mine(1)
    const usable = () => summaryOf(nodeA, 'b').channels[0]?.usable === true && summaryOf(nodeB, 'a').channels[0]?.usable === true
    await until('the channel to be usable on both sides', usable)

    const shared = intents()
    const sender = await host(`btp+ws://sender:${tokens.sender}@127.0.0.1:${nodeA.ports.btp}`, shared)
    hosts.push(sender)
    const delivered: bigint[] = []
    const countedAtB = { received: 0, receivedAmount: 0n }
    const began = Date.now()
    /** `count` packets, CONCURRENCY at a time, every one fulfilled; then A pays what is left under the threshold ("settle now"). */
    const send = async (count: number): Promise<void> => {
      const receiver = await host(`btp+ws://receiver:${tokens.receiver}@127.0.0.1:${nodeB.ports.btp}`, shared)
      hosts.push(receiver)
      let next = 0
      const outcomes: number[] = []
      await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
        while (next < count) {
          next++
          outcomes.push((await sender.pay('test.b.receiver', AMOUNT, 'fulfill', 30_000)).type)
        }
      }))
      expect(outcomes.filter((type) => type === IlpPacketType.Fulfill).length).toBe(count)
      await until('A to owe B nothing', async () => {
        await nodeA.connector.settleNow('b')
        return nodeA.connector.balances().b?.balance === 0n
      })
      await until('B to have taken every credit', () => summaryOf(nodeB, 'a').received === summaryOf(nodeA, 'b').sent)
      delivered.push(...receiver.delivered)
      const { received, receivedAmount } = nodeB.connector.counters().settlement
      countedAtB.received += received
      countedAtB.receivedAmount += receivedAmount
    }
    await send(PACKETS / 2)
    // B restarts (graceful stop, same files): its node keeps the channel, A's node dials it again, its books are where they were.
    await stopAll(...hosts.splice(1), nodeB)
    nodes.splice(nodes.indexOf(nodeB), 1)
    nodeB = await startB()
    nodes.push(nodeB)
    await nodeB.whenConnected(30_000, ['a'])
    await until('the channel to be usable again', usable)
    expect(summaryOf(nodeB, 'a').received).toBe(TOTAL / 2n)
    await send(PACKETS / 2)

    const settlements = nodeA.connector.counters().settlement
    console.info(`${PACKETS} packets and ${settlements.sent} settlements in ${Date.now() - began} ms (B restarted half-way)`)
    expect(settlements).toMatchObject({ sentAmount: TOTAL, failed: 0 })
    // Invoices paid as the debt crossed the threshold while packets flowed (more packets come in while one is paid).
    expect(settlements.sent).toBeGreaterThan(5)
    expect(countedAtB).toEqual({ received: settlements.sent, receivedAmount: TOTAL })
    expect(delivered.reduce((sum, v) => sum + v, 0n)).toBe(TOTAL)
    expect(delivered.length).toBe(PACKETS)
    const books = (n: ConnectorNode) => Object.fromEntries(Object.entries(n.connector.balances()).map(([peer, entry]) => [peer, entry?.balance]))
    expect(books(nodeA)).toEqual({ sender: -TOTAL, b: 0n })
    expect(books(nodeB)).toEqual({ a: 0n, receiver: TOTAL })
    const [aSummary, bSummary] = [summaryOf(nodeA, 'b'), summaryOf(nodeB, 'a')]
    expect([aSummary.peer, bSummary.peer]).toEqual([b.nodeId, a.nodeId])
    expect([aSummary.sent, aSummary.received, bSummary.sent, bSummary.received]).toEqual([TOTAL, 0n, 0n, TOTAL])
    // Lightning's own books: B would get exactly what it was paid on a close; A the rest, less the commitment's fee it pays as funder.
    expect(bSummary.claimableSats).toBe(TOTAL)
    const commitmentFee = CAPACITY - TOTAL - aSummary.claimableSats
    expect(commitmentFee).toBeGreaterThan(0n)
    expect(commitmentFee).toBeLessThan(10_000n)

    // Both connectors stop (their nodes write their state); the operator closes the channel from the nodes' directories.
    await stopAll(...hosts.splice(0), ...nodes.splice(0))
    const started = await Promise.all([a, b].map((side) =>
      LightningNode.start({ dataDir: side.dataDir, chain: rpc, wallet: { fundingTransaction: () => Promise.reject(new Error('unused')) }, sweepScript: side.sweepScript, syncIntervalMs: 200 })))
    const [lnA, lnB] = started as [LightningNode, LightningNode]
    try {
      const port = await lnB.listen()
      await lnA.connect(lnB.nodeId, '127.0.0.1', port)
      await until('the channel again', () => lnA.channels()[0]?.usable === true && lnB.channels()[0]?.usable === true)
      lnA.closeChannel(lnA.channels()[0]!.channelId, lnB.nodeId)
      let closing: Transaction | undefined
      await until('the closing transaction', async () => (closing = await spenderInMempool(fundingTxid)) !== undefined)
      const closingFee = await feeOf(closing!)
      const values = closing!.outs.map((o) => o.value).sort((x, y) => (x < y ? -1 : 1))
      expect(values).toEqual([TOTAL, CAPACITY - TOTAL - closingFee])
      await chain.mine(1)
      await until('both nodes to see the close', () => lnA.channels().length === 0 && lnB.channels().length === 0)
      // Each node sweeps its closing output to its wallet's sweep account once it is 6 deep (LDK's ANTI_REORG_DELAY).
      await chain.mine(6)
      await until('both sweeps', () => lnA.sweeps().length === 1 && lnB.sweeps().length === 1)
      await until('the sweeps in the mempool', async () => {
        const mempool = await rpc.getRawMempool()
        return [lnA, lnB].every((ln) => mempool.includes(ln.sweeps()[0]!.txid))
      })
      const sweepA = await tx(lnA.sweeps()[0]!.txid)
      const sweepB = await tx(lnB.sweeps()[0]!.txid)
      const [sweepFeeA, sweepFeeB] = [await feeOf(sweepA), await feeOf(sweepB)]
      expect(lnB.sweeps()[0]!.sats + sweepFeeB).toBe(TOTAL)
      expect(lnA.sweeps()[0]!.sats + sweepFeeA).toBe(CAPACITY - TOTAL - closingFee)
      await chain.mine(1)
      await until('the sweeps to confirm', async () => (await rpc.getRawTransaction(sweepA.getId())).confirmations > 0 && (await rpc.getRawTransaction(sweepB.getId())).confirmations > 0)

      // The wallets: A's funds went to B's channel balance, the fees and back to A; B has what it was paid less its sweep's fee.
      const [walletA, walletB] = [await openWallet(a), await openWallet(b)]
      try {
        const held = async (w: BitcoinLedger) => (await w.getBalance('funds')) + (await w.getBalance('sweep'))
        expect(await held(walletA)).toBe(FUNDS - fundingFee - TOTAL - closingFee - sweepFeeA)
        expect(await held(walletB)).toBe(TOTAL - sweepFeeB)
      } finally {
        await walletA.close()
        await walletB.close()
      }
    } finally {
      await lnA.stop()
      await lnB.stop()
    }
  }, 900_000)
})
