#!/usr/bin/env node
// The second demo: one payment crosses three different layer-2 systems, through two connectors
// peered over BTP on loopback, with rates between three assets.
//
//   USD (embedded SQLite ledger)     ETH (anvil, JSON-RPC on loopback)    XRP (claims, XRPL format)
//   alice ──SQLite channel──▶ connector A ──Ethereum channel──▶ connector B ──XRP claims──▶ bob
//                           (USD → ETH)                         (ETH → XRP)
//
// Connectors A and B are `stack-connector` processes (apps/connector), each started from a
// configuration file this demo writes to its temp dir, with the keys and seeds passed in
// STACK_CONNECTOR__ environment variables rather than written in the files. Each settles by its
// own settleThreshold/settleTo over the channel its config names: A takes Alice's claims on the
// USD ledger file she also opens (SQLite, WAL: two processes on one file) and pays B with
// EIP-712 claims on the PaymentChannel contract (deployed here, on an anvil chain this process
// starts as a child process, JSON-RPC over HTTP on loopback); B pays Bob with XRP Ledger payment channel claims. Alice and Bob stay in this
// process. No XRP Ledger server can run here: Bob's best claim is verified and a signed
// PaymentChannelClaim that redeems it is produced, but nothing submits it.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { decodeFunctionData, type Address, type Hex } from 'viem'
import { privateKeyToAddress } from 'viem/accounts'
import { BtpClient } from '@stack/channel-btp'
import { PaymentChannelContract, paymentChannelAbi } from '@stack/channel-ethereum'
import { SqliteChannel, SqliteClaimStore } from '@stack/channel-sqlite'
import { ANVIL_VERSION, startEvmNode } from '@stack/evm-node'
import { claimKeyPairFromSeed, MemoryChannelDirectory, MemoryClaimStore, verifyClaim, XrpClaimChannel, type XrpOutgoingState } from '@stack/channel-xrp'
import { ildcpFetch, sendOverLink, type Asset } from '@stack/ilp-core'
import { EthereumLedger } from '@stack/ledger-ethereum'
import { SqliteLedger } from '@stack/ledger-sqlite'
import { buildPaymentChannelCreate, generateWallet, paymentChannelId, signTransaction } from '@stack/ledger-xrp'
import { pay, quote } from '@stack/spsp'
import { connectorBin, ConnectorProcess, type AdminBook } from './connector-process.js'
import { servePayee } from './payee.js'
import { settleAsSent } from './settle-as-sent.js'

export const USD: Asset = { code: 'USD', scale: 2 }
/** Wei: ILP amounts are the chain's own unit, so a settlement is < 2^64 wei (≈ 18.4 ETH). */
export const ETH: Asset = { code: 'ETH', scale: 18 }
/** Drops. */
export const XRP: Asset = { code: 'XRP', scale: 6 }
/** Prices in USD: 1 ETH = 2 500 USD, 1 XRP = 0.50 USD (static, plausible, made up). */
const RATES = { USD: '1', ETH: '0.0004', XRP: '2' }
const SPREAD = '0.01'
const ALICE_USD = 50_000n // 500.00 USD
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
const usd = (a: bigint) => units(a, 2)
const eth = (a: bigint) => units(a, 18)
const xrp = (a: bigint) => units(a, 6)

export interface ThreeL2Result {
  sent: bigint
  delivered: bigint
  checks: [string, boolean][]
  ethGasUsed: bigint
  bobBestClaim: bigint
  redemptionHash: string
}

/** A connector's GET /settlement, the fields read here (amounts as strings). */
type SettlementView = Record<string, { kind: string; outgoing?: { channelId: string; sent: string }; incoming: { channelId: string; best: string }[] }>

export async function runThreeL2(options: { amount?: string } = {}): Promise<ThreeL2Result> {
  const dir = mkdtempSync(join(tmpdir(), 'stack-l2-'))
  const stops: (() => Promise<unknown> | unknown)[] = []
  const connectors: ConnectorProcess[] = []
  // Whatever way this process ends (an error, a signal turned into exit), no connector outlives it.
  const killConnectors = () => {
    for (const connector of connectors) connector.kill()
  }
  process.on('exit', killConnectors)
  try {
    // ---- L1s ---------------------------------------------------------------------------------
    const usdFile = join(dir, 'usd.ledger')
    const usdLedger = SqliteLedger.create(usdFile, { asset: USD })
    stops.push(() => usdLedger.close())
    for (const id of ['alice', 'connector-a']) await usdLedger.createAccount(id)
    await usdLedger.mint({ account: 'alice', amount: ALICE_USD })

    const chain = await startEvmNode({ accounts: 3, chainId: 1337 })
    stops.push(() => chain.stop())
    const rpcUrl = chain.rpcUrl
    const [operatorKey, keyA, keyB] = chain.keys as [Hex, Hex, Hex]
    const addressOf = { operator: privateKeyToAddress(operatorKey), 'connector-a': privateKeyToAddress(keyA), 'connector-b': privateKeyToAddress(keyB) }
    const operator = await EthereumLedger.connect({ connection: { rpcUrl }, accounts: { operator: { privateKey: operatorKey } }, pollingIntervalMs: 20 })
    const client = operator.publicClient
    const ethBalances = async () => new Map(await Promise.all(Object.entries(addressOf).map(async ([name, address]) => [name, await client.getBalance({ address })] as const)))
    const ethBefore = await ethBalances()
    const { contract, transaction: deployTx } = await PaymentChannelContract.deploy(operator, 'operator')

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

    log('L1 USD', `embedded SQLite ledger ${relative(dir, usdFile)} (WAL; this process and connector A open it): alice ${usd(ALICE_USD)}, connector-a 0.00`)
    log('L1 ETH', `anvil ${ANVIL_VERSION} (a child process, JSON-RPC at ${rpcUrl}, chain 1337, EIP-1559 fees): PaymentChannel contract ${contract.address}, deploy gas ${deployTx.gasUsed}`)
    log('L1 XRP', `no server: B's channel ${xrpChannelId.slice(0, 16)}… to Bob assumed created (PaymentChannelCreate signed, ${xrp(XRP_CHANNEL)} XRP, tx ${createSigned.hash.slice(0, 16)}…, NOT submitted)`)

    // ---- connectors A (USD → ETH) and B (ETH → XRP): stack-connector processes ----------------
    const token = () => randomBytes(16).toString('hex')
    const tokens = { alice: token(), b: token(), bob: token() }
    const common = { rates: { static: RATES }, spread: SPREAD, admin: { port: 0 }, listen: { btp: { port: 0 } }, log: { level: 'info' } }
    const ethereum = { kind: 'ethereum', rpcUrl, contract: contract.address, pollingIntervalMs: 20, watchIntervalMs: 1_000 }
    const fileA = writeConfig(dir, 'connector-a.json', {
      address: 'test.a',
      asset: USD,
      ...common,
      balances: { path: 'connector-a.balances' },
      peers: [
        {
          id: 'alice', relation: 'child', btp: { token: tokens.alice }, minBalance: '-2000', maxPacketAmount: '200',
          // Alice pays with claims on her channel; A redeems when she asks to close. A only receives.
          settlement: { kind: 'sqlite', ledger: 'usd.ledger', account: 'connector-a', peerAccount: 'alice', claims: 'connector-a.usd-claims', watchIntervalMs: 50 },
        },
        {
          id: 'b', relation: 'peer', asset: ETH, btp: { token: tokens.b }, settleThreshold: '1', settleTo: '0',
          settlement: { ...ethereum, peerAddress: addressOf['connector-b'], claims: 'connector-a.eth-claims', deposit: String(ETH_DEPOSIT), timeoutSeconds: Number(ETH_TIMEOUT_SECONDS) },
        },
      ],
      routes: [{ prefix: 'test.b', peer: 'b' }],
    })
    const a = await ConnectorProcess.start({ name: 'A', configFile: fileA, env: { STACK_CONNECTOR__PEERS__B__SETTLEMENT__PRIVATE_KEY: keyA } })
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
    })
    connectors.push(b)
    const peerState = async (node: ConnectorProcess, id: string) => (await node.admin<{ id: string; state: string }[]>('/peers')).find((peer) => peer.id === id)?.state
    await b.waitFor(async () => (await peerState(b, 'a')) === 'connected' && (await peerState(a, 'b')) === 'connected', 10_000, 'A and B to connect')
    const bin = relative(process.cwd(), connectorBin())
    log('connectors', `two stack-connector processes (node ${bin} --config FILE), keys and seeds in STACK_CONNECTOR__ variables, not in the files`)
    log('connector A', `pid ${a.pid}, ${relative(dir, fileA)}: test.a, BTP :${a.ports.btp}, admin :${a.ports.admin}; alice USD (sqlite channel), b ETH (PaymentChannel, deposit ${eth(ETH_DEPOSIT)})`)
    log('connector B', `pid ${b.pid}, ${relative(dir, fileB)}: test.b, BTP :${b.ports.btp}, admin :${b.ports.admin}; a ETH (PaymentChannel, receives), bob XRP (claims)`)
    log('connectors', `USD → ETH at A, ETH → XRP at B; 1 ETH = 2500 USD, 1 XRP = 0.50 USD, ${Number(SPREAD) * 100}% spread each; settle at 1 unit owed`)

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

    // ---- Alice: USD, pays A with SQLite channel claims -----------------------------------------
    const aliceLink = new BtpClient({ url: `btp+ws://alice:${tokens.alice}@127.0.0.1:${a.ports.btp}`, reconnect: false })
    await aliceLink.connect()
    stops.push(() => aliceLink.close())
    const aliceInfo = await ildcpFetch(sendOverLink(aliceLink, { triggeredBy: '', peer: 'connector-a' }))
    const aliceClaims = SqliteClaimStore.open(join(dir, 'alice.claims'), { account: 'alice', peerAccount: 'connector-a' })
    stops.push(() => aliceClaims.close())
    const aliceChannel = new SqliteChannel({
      ledger: usdLedger, account: 'alice', peerAccount: 'connector-a', carrier: aliceLink, store: aliceClaims,
      funding: { deposit: 20_000n, topUpBelow: 5_000n, settleDelayMs: 60_000 },
    })
    stops.push(() => aliceChannel.stop())
    log('alice', `${aliceInfo.clientAddress} (USD), 20.00 USD of credit with A, settles by SQLite channel claims`)
    const { settleUpTo, settled } = settleAsSent(aliceChannel)

    // ---- the payment (a connector dying fails it at once) --------------------------------------
    const unlessAConnectorDies = <T>(work: Promise<T>): Promise<T> => Promise.race([work, a.died, b.died])
    const q = await unlessAConnectorDies(
      quote({ destination: pointer, spsp, sendPrepare: sendOverLink(aliceLink, { triggeredBy: aliceInfo.clientAddress, peer: 'connector-a' }), sourceAsset: USD, amountToSend: options.amount ?? '50.00', slippage: '0.02' }),
    )
    log('alice', `quote: send ${usd(q.maxSourceAmount)} USD, Bob gets at least ${xrp(q.minDeliveryAmount)} XRP`)
    const result = await unlessAConnectorDies(pay(q, { progressIntervalMs: 10, onProgress: (p) => settleUpTo(p.amountSent) }))
    log('alice', `payment ${result.type}${result.type === 'failed' ? ` (${result.reason})` : ''}: sent ${usd(result.amountSent)} USD, delivered ${xrp(result.amountDelivered)} XRP`)

    // ---- settle, read the books, close, stop -------------------------------------------------
    settleUpTo(result.amountSent)
    await unlessAConnectorDies(settled())
    // Each connector settles by its own threshold (and again after a settlement if packets came
    // meanwhile; the first ETH settlement opens the channel on chain): wait until every book is square.
    type Books = Record<string, AdminBook>
    const square = (books: Books) => Object.values(books).every((s) => s.balance === '0' && s.pendingDebit === '0' && s.pendingCredit === '0')
    const books: { A: Books; B: Books } = { A: {}, B: {} }
    await b.waitFor(async () => {
      books.A = await a.admin<Books>('/balances')
      books.B = await b.admin<Books>('/balances')
      return square(books.A) && square(books.B)
    }, 30_000, 'every connector book to be square')
    // Alice asks to close her channel: A's watcher redeems her best claim and closes it at once
    // (the rest of her deposit goes back to her), well before the settle delay would let her close alone.
    const aliceChannelId = aliceChannel.summary().outgoing?.channelId
    await aliceChannel.requestClose()
    if (aliceChannelId !== undefined) await a.waitFor(async () => (await usdLedger.getChannel(aliceChannelId)).status === 'closed', 10_000, "A to close Alice's channel")
    const settlementA = await a.admin<SettlementView>('/settlement')
    const settlementB = await b.admin<SettlementView>('/settlement')
    const countsA = await a.settlementCounts()
    const countsB = await b.settlementCounts()
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

    // ---- report: SQLite -----------------------------------------------------------------------
    const lines: string[] = []
    const usdBalances = new Map((await usdLedger.listAccounts()).map((account) => [account.id, account.balance] as const))
    lines.push(`[USD/SQLite] balances: ${[...usdBalances].map(([id, balance]) => `${id} ${usd(balance)}`).join(', ')}`)
    const usdChannels = await usdLedger.listChannels()
    for (const c of usdChannels) lines.push(`[USD/SQLite] channel ${c.sender} → ${c.receiver}: deposit ${usd(c.deposit)}, claimed ${usd(c.claimed)}, ${c.status}`)
    const redeemedUsd = usdChannels.filter((c) => c.receiver === 'connector-a').reduce((sum, c) => sum + c.claimed, 0n)
    lines.push(`[USD/SQLite] connector-a (its process) redeemed ${usd(redeemedUsd)} USD and closed the channel when alice asked to close`)
    const usdAudit = usdLedger.audit().ok

    // ---- report: Ethereum ---------------------------------------------------------------------
    const names = new Map<string, string>(Object.entries(addressOf).map(([name, address]) => [address.toLowerCase(), name]))
    let gasUsed = 0n
    let fees = 0n
    const feesBy = new Map<string, bigint>()
    const txLines: string[] = []
    const latest = await client.getBlockNumber({ cacheTime: 0 })
    for (let n = 1n; n <= latest; n++) {
      const block = await client.getBlock({ blockNumber: n, includeTransactions: true })
      for (const tx of block.transactions) {
        const receipt = await client.getTransactionReceipt({ hash: tx.hash })
        const fee = receipt.gasUsed * receipt.effectiveGasPrice
        const from = names.get(receipt.from.toLowerCase()) ?? receipt.from
        gasUsed += receipt.gasUsed
        fees += fee
        feesBy.set(from, (feesBy.get(from) ?? 0n) + fee)
        let what = 'deploy PaymentChannel'
        if (receipt.to !== null) {
          try {
            what = decodeFunctionData({ abi: paymentChannelAbi, data: tx.input }).functionName
          } catch {
            what = 'call'
          }
        }
        txLines.push(`${what} by ${from}: gas ${receipt.gasUsed}`)
      }
    }
    const ethAfter = await ethBalances()
    const contractBalance = await client.getBalance({ address: contract.address as Address })
    lines.push(`[ETH/anvil] balances: ${[...ethAfter].map(([name, balance]) => `${name} ${eth(balance)}`).join(', ')}; contract ${eth(contractBalance)}`)
    const onChain = ethChannelId === undefined ? undefined : await contract.getChannel(ethChannelId)
    if (ethChannelId !== undefined) {
      lines.push(`[ETH/anvil] channel connector-a → connector-b ${ethChannelId.slice(0, 18)}…: deposit ${eth(onChain?.deposit ?? 0n)}, claimed ${eth(onChain?.claimed ?? 0n)}, ${onChain === undefined || onChain.closed ? 'closed' : 'open'}`)
    }
    lines.push(`[ETH/anvil] transactions: ${txLines.join('; ')}`)
    const paidA = BigInt(settlementA.b?.outgoing?.sent ?? 0)
    const heldB = BigInt(settlementB.a?.incoming[0]?.best ?? 0)
    lines.push(
      `[ETH/anvil] gas used ${gasUsed} in total, fees ${eth(fees)} ETH; A sent ${countsA.sent} EIP-712 claims (${countsA.failed} failed) for ${eth(paidA)} ETH, ` +
        `B redeemed the best (${eth(onChain?.claimed ?? 0n)} ETH) at SIGTERM, A reclaimed the other ${eth(reclaimed)} ETH after the ${ETH_TIMEOUT_SECONDS} s timeout (anvil's clock moved on)`,
    )

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
    const sumOf = (m: Map<string, bigint>) => [...m.values()].reduce((s, v) => s + v, 0n)
    const ethGainB = (ethAfter.get('connector-b') ?? 0n) - (ethBefore.get('connector-b') ?? 0n) + (feesBy.get('connector-b') ?? 0n)
    const ethSpentA = (ethBefore.get('connector-a') ?? 0n) - (ethAfter.get('connector-a') ?? 0n) - (feesBy.get('connector-a') ?? 0n)
    const checks: [string, boolean][] = [
      ['USD ledger: SQLite journal balanced, nothing created or destroyed', usdAudit],
      ['USD ledger: alice spent exactly what she sent', ALICE_USD - (usdBalances.get('alice') ?? 0n) === result.amountSent],
      ['USD ledger: connector-a holds exactly what alice sent', (usdBalances.get('connector-a') ?? 0n) === result.amountSent],
      ['ETH chain: balances before == balances after + contract + gas fees', sumOf(ethBefore) === sumOf(ethAfter) + contractBalance + fees],
      ["ETH chain: contract holds nothing after B's redemption and A's reclaim", contractBalance === 0n],
      ["ETH chain: connector-b gained (net of its gas) what A's books paid it", paidA > 0n && ethGainB === paidA && paidA === heldB],
      ['ETH chain: connector-a lost (net of its gas) exactly that', ethSpentA === paidA],
      ["XRP claims: Bob's best claim verifies (XRPL claim format)", bestVerifies],
      ["XRP claims: Bob's best claim == what B's books say it paid", bobBest > 0n && bobBest === bSentXrp],
      ['XRP claims: Bob holds exactly what STREAM delivered', bobBest === result.amountDelivered],
      ['XRP claims: the redemption redeems the best claim', redemption.balance === bobBest],
      ['every connector book is square', square(books.A) && square(books.B)],
    ]
    for (const [what, ok] of checks) log('check', `${ok ? 'ok  ' : 'FAIL'} ${what}`)
    if (checks.some(([, ok]) => !ok)) throw new Error('value is not conserved')
    log('summary', `${usd(result.amountSent)} USD on SQLite → ${eth(paidA)} ETH on anvil → ${xrp(bobBest)} XRP in claims; the XRP claim was NOT submitted to any ledger`)
    return { sent: result.amountSent, delivered: result.amountDelivered, checks, ethGasUsed: gasUsed, bobBestClaim: bobBest, redemptionHash: redemption.hash }
  } finally {
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

/** Writes a connector configuration file (JSON: the connector reads `.json` as JSON) and returns its path. */
function writeConfig(dir: string, name: string, config: object): string {
  const file = join(dir, name)
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`)
  return file
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // A signal ends the run through process.exit, so the 'exit' hook above stops the connectors.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130))
  const started = Date.now()
  runThreeL2()
    .then(() => console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`))
    .catch((error: unknown) => {
      console.error(error)
      process.exitCode = 1
    })
}
