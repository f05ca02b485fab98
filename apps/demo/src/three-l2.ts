#!/usr/bin/env node
// The second demo: one payment crosses the three layer-2 systems of the Interledger design —
// Lightning, an Ethereum payment channel and XRP Ledger payment channel claims — through two
// connectors peered over BTP on loopback, with rates between BTC, ETH and XRP.
//
//   BTC (bcoin regtest, Lightning)     ETH (anvil, JSON-RPC on loopback)    XRP (claims, XRPL format)
//   alice ──Lightning channel──▶ connector A ──Ethereum channel──▶ connector B ──XRP claims──▶ bob
//                              (BTC → ETH)                         (ETH → XRP)
//
// Connectors A and B are `stack-connector` processes (apps/connector), each started from a
// configuration file this demo writes to its temp dir, with keys, seeds and the Bitcoin node's
// RPC password passed in STACK_CONNECTOR__ environment variables rather than written in the
// files. Each settles by its own settleThreshold/settleTo over the channel its config names: A
// runs its own LDK Lightning node (settlement kind `lightning`), which dials Alice's LDK node
// (in this process); she opens a channel to it on a bcoin regtest chain this process starts
// (lightning-leg.ts) and pays A's invoices over it as her STREAM payment goes. A pays B with EIP-712 claims on the
// PaymentChannel contract (deployed here, on an anvil chain this process starts, JSON-RPC over
// HTTP on loopback); B pays Bob with XRP Ledger payment channel claims. Alice and Bob stay in this
// process. No XRP Ledger server can run here: Bob's best claim is verified and a signed
// PaymentChannelClaim that redeems it is produced, but nothing submits it.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { parseArgs } from 'node:util'
import type { Hex } from 'viem'
import { privateKeyToAddress } from 'viem/accounts'
import { BtpClient } from '@stack/channel-btp'
import { settleAsSent } from '@stack/channel-core'
import { PaymentChannelContract } from '@stack/channel-ethereum'
import { LightningChannel } from '@stack/channel-lightning'
import { ANVIL_VERSION, startEvmNode } from '@stack/evm-node'
import { claimKeyPairFromSeed, MemoryChannelDirectory, MemoryClaimStore, verifyClaim, XrpClaimChannel, type XrpOutgoingState } from '@stack/channel-xrp'
import { ildcpFetch, sendOverLink, type Asset } from '@stack/ilp-core'
import { EthereumLedger } from '@stack/ledger-ethereum'
import { buildPaymentChannelCreate, generateWallet, paymentChannelId, signTransaction } from '@stack/ledger-xrp'
import { pay, quote } from '@stack/spsp'
import { connectorBin, ConnectorProcess, type AdminBook } from './connector-process.js'
import { ethBalances, ethereumReport } from './ethereum-report.js'
import { ALICE_SATS, BTC, CHANNEL_SATS, LightningLeg } from './lightning-leg.js'
import { servePayee } from './payee.js'
import { DemoStoppedError, watchDemo, type DemoWatch } from './watch.js'

export { BTC }
/** Wei: ILP amounts are the chain's own unit, so a settlement is < 2^64 wei (≈ 18.4 ETH). */
export const ETH: Asset = { code: 'ETH', scale: 18 }
/** Drops. */
export const XRP: Asset = { code: 'XRP', scale: 6 }
/** Units of each asset per BTC: 1 BTC = 40 ETH, 1 ETH = 5 000 XRP (static, plausible, made up). */
const RATES = { BTC: '1', ETH: '40', XRP: '200000' }
const SPREAD = '0.01'
const ALICE_CREDIT_SATS = 30_000n // what A lets Alice owe: she settles over Lightning several times during a payment
const ETH_DEPOSIT = 10n ** 18n // A's channel to B: 1 ETH
const ETH_TIMEOUT_SECONDS = 3_600n // B's window to close after A starts a reclaim
const XRP_CHANNEL = 10_000_000_000n // B's channel to Bob: 10 000 XRP

const log = (who: string, line: string) => console.log(`${who.padEnd(11)} ${line}`)

/** `amount` of an asset of `scale` in its units, exactly. */
export function units(amount: bigint, scale: number): string {
  const sign = amount < 0n ? '-' : ''
  const text = (amount < 0n ? -amount : amount).toString().padStart(scale + 1, '0')
  return scale === 0 ? `${sign}${text}` : `${sign}${text.slice(0, -scale)}.${text.slice(-scale)}`
}
const btc = (a: bigint) => units(a, 8)
const eth = (a: bigint) => units(a, 18)
const xrp = (a: bigint) => units(a, 6)

/** A conservation check of the demo failed: which ones. */
export class ValueNotConservedError extends Error {
  override readonly name = 'ValueNotConservedError'
  constructor(readonly failed: string[]) {
    super(`value is not conserved: ${failed.join('; ')}`)
  }
}

export interface ThreeL2Result {
  sent: bigint
  delivered: bigint
  checks: [string, boolean][]
  /** Satoshis Alice paid A over Lightning, as A's books credited them, in how many invoices. */
  lightningPaid: bigint
  lightningPayments: number
  bitcoinFees: bigint
  ethGasUsed: bigint
  bobBestClaim: bigint
  redemptionHash: string
}

/** A Lightning channel as A's admin API shows it (bigints as strings). */
interface LightningChannelView {
  channelId: string
  valueSats: string
  outboundMsat: string
  inboundMsat: string
  usable: boolean
}
/** A connector's GET /settlement, the fields read here (amounts as strings). */
type SettlementView = Record<string, {
  kind: string
  outgoing?: { channelId: string; sent: string }
  incoming?: { channelId: string; best: string }[]
  node?: string
  channels?: LightningChannelView[]
  sent?: string
  received?: string
}>

export async function runThreeL2(options: { amount?: string; watch?: boolean } = {}): Promise<ThreeL2Result> {
  const dir = mkdtempSync(join(tmpdir(), 'stack-l2-'))
  let watching: DemoWatch | undefined
  const stops: (() => Promise<unknown> | unknown)[] = []
  const connectors: ConnectorProcess[] = []
  // Whatever way this process ends (an error, a signal turned into exit), no connector outlives it.
  const killConnectors = () => {
    for (const connector of connectors) connector.kill()
  }
  process.on('exit', killConnectors)
  try {
    // ---- L1s ---------------------------------------------------------------------------------
    const chain = await startEvmNode({ accounts: 3, chainId: 1337 })
    stops.push(() => chain.stop())
    const rpcUrl = chain.rpcUrl
    const [operatorKey, keyA, keyB] = chain.keys as [Hex, Hex, Hex]
    const addressOf = { operator: privateKeyToAddress(operatorKey), 'connector-a': privateKeyToAddress(keyA), 'connector-b': privateKeyToAddress(keyB) }
    const operator = await EthereumLedger.connect({ connection: { rpcUrl }, accounts: { operator: { privateKey: operatorKey } }, pollingIntervalMs: 20 })
    const client = operator.publicClient
    const ethBefore = await ethBalances(client, addressOf)
    const { contract, transaction: deployTx } = await PaymentChannelContract.deploy(operator, 'operator')
    const lightning = await LightningLeg.start(dir, stops)

    const xrpDirectory = new MemoryChannelDirectory() // what a server's account_channels would say
    const walletB = generateWallet('ed25519')
    const walletBob = generateWallet('secp256k1')
    const claimSeedB = generateWallet('ed25519').seed as string // B's claim key: its public key goes into the PaymentChannelCreate
    const claimKeysB = claimKeyPairFromSeed(claimSeedB)
    const createTx = buildPaymentChannelCreate({
      account: walletB.classicAddress, destination: walletBob.classicAddress, amount: XRP_CHANNEL,
      settleDelay: 86_400, publicKey: claimKeysB.publicKey, fee: 12n, sequence: 1, lastLedgerSequence: 1_000,
    })
    const createSigned = signTransaction(walletB, createTx)
    const xrpChannelId = paymentChannelId(walletB.classicAddress, walletBob.classicAddress, 1)
    xrpDirectory.set({ channelId: xrpChannelId, account: walletB.classicAddress, destination: walletBob.classicAddress, publicKey: claimKeysB.publicKey, amount: XRP_CHANNEL, balance: 0n })

    log('L1 BTC', `bcoin 1.0.2 regtest (a child process, in memory, JSON-RPC at ${lightning.chain.rpcUrl}, height ${lightning.chain.startHeight}): the faucet paid alice's wallet ${btc(ALICE_SATS)} BTC, confirmed`)
    log('L1 ETH', `anvil ${ANVIL_VERSION} (a child process, JSON-RPC at ${rpcUrl}, chain 1337, EIP-1559 fees): PaymentChannel contract ${contract.address}, deploy gas ${deployTx.gasUsed}`)
    log('L1 XRP', `no server: B's channel ${xrpChannelId.slice(0, 16)}… to Bob assumed created (PaymentChannelCreate signed, ${xrp(XRP_CHANNEL)} XRP, tx ${createSigned.hash.slice(0, 16)}…, NOT submitted)`)

    // ---- connectors A (BTC → ETH) and B (ETH → XRP): stack-connector processes ----------------
    const token = () => randomBytes(16).toString('hex')
    const tokens = { alice: token(), b: token(), bob: token() }
    const common = { rates: { static: RATES }, spread: SPREAD, admin: { port: 0 }, listen: { btp: { port: 0 } }, log: { level: 'info' } }
    const ethereum = { kind: 'ethereum', rpcUrl, contract: contract.address, pollingIntervalMs: 20, watchIntervalMs: 1_000 }
    const fileA = writeConfig(dir, 'connector-a.json', {
      address: 'test.a',
      asset: BTC,
      ...common,
      balances: { path: 'connector-a.balances' },
      peers: [
        // Alice pays A's invoices over the channel she opens to A's node. A only receives.
        { id: 'alice', relation: 'child', btp: { token: tokens.alice }, minBalance: String(-ALICE_CREDIT_SATS), maxPacketAmount: '5000', settlement: lightning.sectionForA() },
        {
          id: 'b', relation: 'peer', asset: ETH, btp: { token: tokens.b }, settleThreshold: '1', settleTo: '0',
          settlement: { ...ethereum, peerAddress: addressOf['connector-b'], claims: 'connector-a.eth-claims', deposit: String(ETH_DEPOSIT), timeoutSeconds: Number(ETH_TIMEOUT_SECONDS) },
        },
      ],
      routes: [{ prefix: 'test.b', peer: 'b' }],
    })
    const a = await ConnectorProcess.start({ name: 'A', configFile: fileA, env: { STACK_CONNECTOR__PEERS__B__SETTLEMENT__PRIVATE_KEY: keyA, ...lightning.envForA('alice') }, timeoutMs: 60_000 })
    connectors.push(a)
    const fileB = writeConfig(dir, 'connector-b.json', {
      address: 'test.b',
      asset: ETH,
      ...common,
      balances: { path: 'connector-b.balances' },
      peers: [
        // B only receives on the contract: no deposit.
        { id: 'a', relation: 'peer', btp: { url: `btp+ws://b:${tokens.b}@127.0.0.1:${a.ports.btp}` }, settlement: { ...ethereum, peerAddress: addressOf['connector-a'], claims: 'connector-b.eth-claims' } },
        {
          id: 'bob', relation: 'child', asset: XRP, btp: { token: tokens.bob }, settleThreshold: '1', settleTo: '0',
          settlement: { kind: 'xrp', account: walletB.classicAddress, peerAccount: walletBob.classicAddress, claims: 'connector-b.xrp-claims', outgoing: { channelId: xrpChannelId, amount: String(XRP_CHANNEL) } },
        },
      ],
      routes: [{ prefix: 'test.a', peer: 'a' }],
    })
    const b = await ConnectorProcess.start({
      name: 'B', configFile: fileB,
      env: { STACK_CONNECTOR__PEERS__A__SETTLEMENT__PRIVATE_KEY: keyB, STACK_CONNECTOR__PEERS__BOB__SETTLEMENT__OUTGOING__CLAIM_SECRET: claimSeedB },
      timeoutMs: 60_000,
    })
    connectors.push(b)
    const peerState = async (node: ConnectorProcess, id: string) => (await node.admin<{ id: string; state: string }[]>('/peers')).find((peer) => peer.id === id)?.state
    await b.waitFor(async () => (await peerState(b, 'a')) === 'connected' && (await peerState(a, 'b')) === 'connected', 30_000, 'A and B to connect')
    const bin = relative(process.cwd(), connectorBin())
    log('connectors', `two stack-connector processes (node ${bin} --config FILE), keys, seeds and the bitcoin RPC password in STACK_CONNECTOR__ variables, not in the files`)
    log('connector A', `pid ${a.pid}, ${relative(dir, fileA)}: test.a, BTP :${a.ports.btp}, admin :${a.ports.admin}; alice BTC (its LDK node dials alice's on :${lightning.alicePort}), b ETH (PaymentChannel, deposit ${eth(ETH_DEPOSIT)})`)
    log('connector B', `pid ${b.pid}, ${relative(dir, fileB)}: test.b, BTP :${b.ports.btp}, admin :${b.ports.admin}; a ETH (PaymentChannel, receives), bob XRP (claims)`)
    log('connectors', `BTC → ETH at A, ETH → XRP at B; 1 BTC = 40 ETH, 1 ETH = 5000 XRP, ${Number(SPREAD) * 100}% spread each; A and B settle at 1 unit owed`)

    // ---- the Lightning channel: Alice's node (here) → A's node (in A's process) ----------------
    const lightningAtA = async () => (await a.admin<SettlementView>('/settlement')).alice
    // A's node id is made by A's node from its seed: A's admin API shows it.
    await a.waitFor(async () => (await lightningAtA())?.node !== undefined, 30_000, "A's Lightning node (GET /settlement)")
    const nodeIdA = (await lightningAtA())?.node as string
    const channelsAtA = async () => (await lightningAtA())?.channels ?? []
    const opened = await unlessDead(lightning.openChannel(nodeIdA, async () => (await channelsAtA()).some((c) => c.usable)), [a, b])
    log('lightning', `alice's LDK node ${lightning.aliceNode.nodeId.slice(0, 16)}… opened a ${btc(CHANNEL_SATS)} BTC channel to A's ${nodeIdA.slice(0, 16)}… (funding ${opened.fundingTxid?.slice(0, 16)}…, 1 confirmation)`)

    // ---- Bob: XRP, STREAM behind SPSP ---------------------------------------------------------
    const bobLink = new BtpClient({ url: `btp+ws://bob:${tokens.bob}@127.0.0.1:${b.ports.btp}`, reconnect: false })
    await bobLink.connect()
    stops.push(() => bobLink.close())
    const bobInfo = await ildcpFetch(sendOverLink(bobLink, { triggeredBy: '', peer: 'connector-b' }))
    const bobStore = new MemoryClaimStore<string, XrpOutgoingState>()
    const bobChannel = new XrpClaimChannel({ account: walletBob.classicAddress, peerAccount: walletB.classicAddress, carrier: bobLink, store: bobStore, directory: xrpDirectory, wallet: walletBob })
    bobChannel.setValueHandler(() => undefined) // Bob's wallet: the claims are his money
    stops.push(() => bobChannel.stop())
    const { pointer, spsp, url: spspUrl, close: closePayee } = await servePayee(bobLink, bobInfo.clientAddress, XRP)
    stops.push(closePayee)
    log('bob', `${bobInfo.clientAddress} (XRP, ${walletBob.classicAddress}), SPSP for ${pointer} at ${spspUrl}`)

    // ---- Alice: BTC, pays A's invoices over Lightning ------------------------------------------
    const aliceLink = new BtpClient({ url: `btp+ws://alice:${tokens.alice}@127.0.0.1:${a.ports.btp}`, reconnect: false })
    await aliceLink.connect()
    stops.push(() => aliceLink.close())
    const aliceInfo = await ildcpFetch(sendOverLink(aliceLink, { triggeredBy: '', peer: 'connector-a' }))
    const aliceChannel = new LightningChannel({ node: lightning.aliceNode, peerNodeId: nodeIdA, carrier: aliceLink, msatPerUnit: 1_000n })
    stops.push(() => aliceChannel.stop())
    log('alice', `${aliceInfo.clientAddress} (BTC), ${btc(ALICE_CREDIT_SATS)} BTC of credit with A, settles by paying A's BOLT11 invoices as she sends`)
    const { settleUpTo, settled } = settleAsSent(aliceChannel)

    // ---- the payment (a connector dying fails it at once) --------------------------------------
    if (options.watch === true) {
      const nodes = [{ name: 'A', adminUrl: `http://127.0.0.1:${a.ports.admin}` }, { name: 'B', adminUrl: `http://127.0.0.1:${b.ports.admin}` }]
      watching = await watchDemo(nodes, log, Promise.race([a.died, b.died]))
    }
    const q = await unlessDead(
      quote({ destination: pointer, spsp, sendPrepare: sendOverLink(aliceLink, { triggeredBy: aliceInfo.clientAddress, peer: 'connector-a' }), sourceAsset: BTC, amountToSend: options.amount ?? '0.001', slippage: '0.02' }),
      [a, b],
    )
    log('alice', `quote: send ${btc(q.maxSourceAmount)} BTC, Bob gets at least ${xrp(q.minDeliveryAmount)} XRP`)
    const paying = Date.now()
    const result = await unlessDead(pay(q, { progressIntervalMs: 10, onProgress: (p) => settleUpTo(p.amountSent) }), [a, b])
    log('alice', `payment ${result.type}${result.type === 'failed' ? ` (${result.reason})` : ''}: sent ${btc(result.amountSent)} BTC, delivered ${xrp(result.amountDelivered)} XRP in ${((Date.now() - paying) / 1000).toFixed(1)} s`)

    // ---- settle, read the books, close, stop -------------------------------------------------
    settleUpTo(result.amountSent)
    await unlessDead(settled(), [a, b])
    // Each connector settles by its own threshold (and again after a settlement if packets came
    // meanwhile; the first ETH settlement opens the channel on chain): wait until every book is square.
    type Books = Record<string, AdminBook>
    const square = (books: Books) => Object.values(books).every((s) => s.balance === '0' && s.pendingDebit === '0' && s.pendingCredit === '0')
    const books: { A: Books; B: Books } = { A: {}, B: {} }
    await b.waitFor(async () => {
      books.A = await a.admin<Books>('/balances')
      books.B = await b.admin<Books>('/balances')
      return square(books.A) && square(books.B)
    }, 60_000, 'every connector book to be square')
    await watching?.hold()
    const settlementA = await a.admin<SettlementView>('/settlement')
    const settlementB = await b.admin<SettlementView>('/settlement')
    const countsA = await a.settlementCounts()
    const countsB = await b.settlementCounts()
    const lnA = settlementA.alice
    const lnAtA = lnA?.channels?.[0]
    const lnAlice = lightning.channel()
    log('lightning', `channel ${lnAlice?.channelId.slice(0, 16)}… of ${lnAlice?.valueSats} sat: ${countsA.received} invoice(s) paid, A's books: alice paid ${lnA?.received} sat; ` +
      `spendable now (LDK's outbound capacity, less each side's 1% reserve): alice ${msatToSat(lnAlice?.outboundMsat)} sat, A ${msatToSat(lnAtA?.outboundMsat)} sat`)
    // Alice closes cooperatively while A's node runs: both sweep their outputs to their wallets.
    await unlessDead(lightning.closeChannel(nodeIdA, async () => (await channelsAtA()).length === 0), [a, b])
    log('lightning', `alice closed the channel cooperatively (BOLT 2); both nodes swept their outputs to their wallets, 8 blocks mined`)
    // SIGTERM: each node answers what is in flight, closes its channels (B redeems A's best
    // claim on chain) and exits 0; anything else fails the demo with the node's output.
    await Promise.all([a.stop(), b.stop()])
    log('connectors', `stopped with SIGTERM: A and B exited 0 (B redeemed its best EIP-712 claim on the way out)`)

    // A's channel on the contract keeps the rest of A's deposit until A reclaims it: A's
    // operator (A's key, the node stopped) starts the reclaim, the timeout passes (anvil's
    // clock moved forward), and A withdraws.
    const ethChannelId = settlementA.b?.outgoing?.channelId as Hex | undefined
    let reclaimed = 0n
    if (ethChannelId !== undefined) {
      const operatorA = await EthereumLedger.connect({ connection: { rpcUrl }, accounts: { 'connector-a': { privateKey: keyA } }, pollingIntervalMs: 20 })
      const contractA = new PaymentChannelContract(operatorA, contract.address)
      const open = await contractA.getChannel(ethChannelId)
      if (open !== undefined && !open.closed) {
        await contractA.startReclaim('connector-a', ethChannelId)
        await chain.advance(Number(open.timeoutSeconds) + 1)
        await contractA.reclaim('connector-a', ethChannelId)
        reclaimed = open.deposit - open.claimed
      }
    }

    // ---- report: Bitcoin / Lightning, Ethereum --------------------------------------------------
    const paidOverLightning = BigInt(lnA?.received ?? 0)
    const bitcoin = await lightning.report(paidOverLightning)
    const paidA = BigInt(settlementA.b?.outgoing?.sent ?? 0)
    const ethereumLeg = await ethereumReport({
      client, addressOf, before: ethBefore, contract, channelId: ethChannelId, paidByA: paidA, heldByB: BigInt(settlementB.a?.incoming?.[0]?.best ?? 0),
      claimsSentByA: countsA, reclaimed, timeoutSeconds: ETH_TIMEOUT_SECONDS,
    }, eth)
    const lines = [...bitcoin.lines, ...ethereumLeg.lines]

    // ---- report: XRP --------------------------------------------------------------------------
    const best = bobStore.getIncoming(xrpChannelId)
    const bobBest = best?.amount ?? 0n
    const bestVerifies = best !== undefined && verifyClaim(claimKeysB.publicKey, xrpChannelId, best.amount, best.signature)
    const bSentXrp = BigInt(settlementB.bob?.outgoing?.sent ?? 0)
    const redemption = await bobChannel.redemption(xrpChannelId, { fee: 12n, sequence: 1, lastLedgerSequence: 1_000, close: true })
    lines.push(`[XRP/claims] Bob holds claims on ${bobStore.listIncoming().length} channel(s): best ${xrp(bobBest)} XRP on ${xrpChannelId.slice(0, 16)}… (signature ${bestVerifies ? 'verifies' : 'DOES NOT verify'} against B's claim key); B's books: paid ${xrp(bSentXrp)} XRP in ${countsB.sent} claim(s)`)
    lines.push(`[XRP/claims] redemption: PaymentChannelClaim signed by Bob, ${redemption.txBlob.length / 2} bytes, hash ${redemption.hash}`)
    lines.push('[XRP/claims] NOTE: no XRP Ledger server runs here: the PaymentChannelCreate and this PaymentChannelClaim were signed but NOT submitted to any ledger')
    for (const [name, book] of Object.entries(books)) {
      lines.push(`[books ${name}] ${Object.entries(book).map(([peer, s]) => `${peer} ${s.balance} (pending ${s.pendingDebit}/${s.pendingCredit})`).join(', ')} (GET /balances before SIGTERM)`)
    }
    for (const line of lines) console.log(line)

    // ---- conservation ---------------------------------------------------------------------------
    const checks: [string, boolean][] = [
      ...bitcoin.checks,
      ["Lightning: what alice's channel paid == what A's books credited == what STREAM sent", aliceChannel.totals().sent === paidOverLightning && paidOverLightning === result.amountSent],
      ...ethereumLeg.checks,
      ["XRP claims: Bob's best claim verifies (XRPL claim format)", bestVerifies],
      ["XRP claims: Bob's best claim == what B's books say it paid", bobBest > 0n && bobBest === bSentXrp],
      ['XRP claims: Bob holds exactly what STREAM delivered', bobBest === result.amountDelivered],
      ['XRP claims: the redemption redeems the best claim', redemption.balance === bobBest],
      ['every connector book is square', square(books.A) && square(books.B)],
    ]
    for (const [what, ok] of checks) log('check', `${ok ? 'ok  ' : 'FAIL'} ${what}`)
    const failed = checks.filter(([, ok]) => !ok).map(([what]) => what)
    if (failed.length > 0) throw new ValueNotConservedError(failed)
    log('summary', `${btc(result.amountSent)} BTC over Lightning → ${eth(paidA)} ETH on anvil → ${xrp(bobBest)} XRP in claims; the XRP claim was NOT submitted to any ledger`)
    return {
      sent: result.amountSent, delivered: result.amountDelivered, checks, lightningPaid: paidOverLightning, lightningPayments: countsA.received, bitcoinFees: bitcoin.feeSats,
      ethGasUsed: ethereumLeg.gasUsed, bobBestClaim: bobBest, redemptionHash: redemption.hash,
    }
  } finally {
    await watching?.close()
    killConnectors()
    process.off('exit', killConnectors)
    for (const stop of stops.reverse()) {
      try {
        await stop()
      } catch {
        // shutting down: keep closing the rest
      }
    }
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Millisatoshis as satoshis, exactly (three decimals only when there is a fraction). */
function msatToSat(msat: bigint | string | undefined): string {
  if (msat === undefined) return '?'
  const n = BigInt(msat)
  return n % 1_000n === 0n ? String(n / 1_000n) : units(n, 3)
}

/** `work`, unless a connector dies first (then its output, at once). */
function unlessDead<T>(work: Promise<T>, connectors: ConnectorProcess[]): Promise<T> {
  return Promise.race([work, ...connectors.map((c) => c.died)])
}

/** Writes a connector configuration file (JSON: the connector reads `.json` as JSON) and returns its path. */
function writeConfig(dir: string, name: string, config: object): string {
  const file = join(dir, name)
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`)
  return file
}

const USAGE = 'usage: three-l2 [--watch]   (--watch: print the dashboards\' URLs, keep the network up until Ctrl-C)'

if (import.meta.url === `file://${process.argv[1]}`) {
  let watch = false
  try {
    const { values } = parseArgs({ options: { watch: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } })
    if (values.help === true) {
      console.log(USAGE)
      process.exit(0)
    }
    watch = values.watch === true
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`)
    process.exit(2)
  }
  // A signal ends the run through process.exit, so the 'exit' hook above stops the connectors;
  // under --watch the watch takes Ctrl-C and SIGTERM itself, to close and check as usual.
  if (!watch) for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130))
  const started = Date.now()
  runThreeL2({ watch })
    .then(() => console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`))
    .catch((error: unknown) => {
      if (error instanceof DemoStoppedError) return log('watch', error.message) // asked for: not a failure
      console.error(error)
      process.exitCode = 1
    })
}
