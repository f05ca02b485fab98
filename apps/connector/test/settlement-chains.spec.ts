import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decode, verifyPaymentChannelClaim, verifySignature } from 'xrpl'
import { PaymentChannelContract, paymentChannelAbi } from '@stack/channel-ethereum'
import { claimKeyPairFromSeed } from '@stack/channel-xrp'
import { startEvmNode, type EvmNode } from '@stack/evm-node'
import { IlpPacketType } from '@stack/ilp-core'
import { EthereumLedger } from '@stack/ledger-ethereum'
import { dropsToXrp, generateWallet, paymentChannelId } from '@stack/ledger-xrp'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { InvalidConfigError, validateConfig } from '../src/config.js'
import type { ConnectorNode } from '../src/node.js'
import { host, intents, node, stopAll, token, waitFor, type Host } from './harness.js'

const ETH = { code: 'ETH', scale: 18 }
const XRP = { code: 'XRP', scale: 6 }
const GWEI = 10n ** 9n

/** sender — A —BTP— B — receiver in one asset; A settles with B through `settlement` (one per side). */
async function line(asset: { code: string; scale: number }, settleThreshold: bigint, aSettlement: object, bSettlement: object) {
  const tokens = { sender: token(), b: token(), receiver: token() }
  const a = await node({
    address: 'test.a',
    asset,
    listen: { btp: { port: 0 } },
    admin: { port: 0 },
    peers: [
      { id: 'sender', relation: 'child', btp: { token: tokens.sender } },
      { id: 'b', relation: 'peer', btp: { token: tokens.b }, settleThreshold: String(settleThreshold), settleTo: '0', settlement: aSettlement },
    ],
    routes: [{ prefix: 'test.b', peer: 'b' }],
  })
  const startB = async (): Promise<ConnectorNode> => {
    const b = await node({
      address: 'test.b',
      asset,
      listen: { btp: { port: 0 } },
      admin: { port: 0 },
      peers: [
        { id: 'a', relation: 'peer', btp: { url: `btp+ws://b:${tokens.b}@127.0.0.1:${a.ports.btp}` }, settlement: bSettlement },
        { id: 'receiver', relation: 'child', btp: { token: tokens.receiver } },
      ],
    })
    await b.whenConnected(5_000, ['a'])
    return b
  }
  const b = await startB()
  await a.whenConnected(5_000, ['b'])
  const shared = intents()
  const sender = await host(`btp+ws://sender:${tokens.sender}@127.0.0.1:${a.ports.btp}`, shared)
  const receiver = await host(`btp+ws://receiver:${tokens.receiver}@127.0.0.1:${b.ports.btp}`, shared)
  return { a, b, sender, receiver, startB }
}

async function admin(n: ConnectorNode, path: string, init?: RequestInit): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${n.ports.admin}${path}`, init)
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

// A pays B with EIP-712 claims on the PaymentChannel contract, on an anvil chain reached over
// HTTP JSON-RPC on loopback (as a node reaches geth): the connector opens its channel on demand,
// B keeps A's claims in SQLite across a restart and closes with the best one when A starts a reclaim.
describe('settlement over an Ethereum payment channel between two connectors', () => {
  let evm: EvmNode
  let rpcUrl: string
  let keys: `0x${string}`[]
  let chain: EthereumLedger
  let contract: PaymentChannelContract
  let dir: string
  let nodes: { stop(): Promise<void> }[] = []
  let hosts: Host[] = []

  beforeAll(async () => {
    evm = await startEvmNode({ accounts: 3, chainId: 1339 })
    rpcUrl = evm.rpcUrl
    keys = [...evm.keys]
    chain = await EthereumLedger.connect({
      connection: { rpcUrl },
      accounts: { operator: { privateKey: keys[0] as `0x${string}` }, a: { privateKey: keys[1] as `0x${string}` }, b: { privateKey: keys[2] as `0x${string}` } },
      pollingIntervalMs: 20,
    })
    contract = (await PaymentChannelContract.deploy(chain, 'operator')).contract
  })
  afterAll(() => evm.stop())
  afterEach(async () => {
    await stopAll(...hosts, ...nodes)
    nodes = []
    hosts = []
    rmSync(dir, { recursive: true, force: true })
  })

  /** Wei each address paid for gas since block `from`. */
  async function feesSince(from: bigint): Promise<Map<string, bigint>> {
    const fees = new Map<string, bigint>()
    const latest = await chain.publicClient.getBlockNumber({ cacheTime: 0 })
    for (let n = from + 1n; n <= latest; n++) {
      for (const hash of (await chain.publicClient.getBlock({ blockNumber: n })).transactions) {
        const receipt = await chain.publicClient.getTransactionReceipt({ hash })
        const from = receipt.from.toLowerCase()
        fees.set(from, (fees.get(from) ?? 0n) + receipt.gasUsed * receipt.effectiveGasPrice)
      }
    }
    return fees
  }

  it('opens, pays with claims at the threshold, keeps them across a restart, and closes with the best claim in a dispute', async () => {
    dir = mkdtempSync(join(tmpdir(), 'connector-eth-'))
    const addressA = chain.addressOf('a')
    const addressB = chain.addressOf('b')
    const common = { kind: 'ethereum', rpcUrl, contract: contract.address, watchIntervalMs: 50, pollingIntervalMs: 20 }
    const aSettlement = { ...common, privateKey: keys[1], peerAddress: addressB, claims: join(dir, 'a.claims'), deposit: String(10n ** 17n), timeoutSeconds: 3_600 }
    const bSettlement = { ...common, privateKey: keys[2], peerAddress: addressA, claims: join(dir, 'b.claims') }
    const startBlock = await chain.publicClient.getBlockNumber({ cacheTime: 0 })
    const before = { a: await chain.getBalance('a'), b: await chain.getBalance('b') }

    const { a, b, sender, receiver, startB } = await line(ETH, 10_000n * GWEI, aSettlement, bSettlement)
    nodes.push(a, b)
    hosts.push(sender, receiver)
    for (let i = 0; i < 6; i++) expect((await sender.pay('test.b.receiver', 4_000n * GWEI, 'fulfill')).type).toBe(IlpPacketType.Fulfill)
    await waitFor(() => a.connector.counters().settlement.sent === 2, 10_000, 'A to settle twice')
    const paid = 24_000n * GWEI
    expect(a.connector.counters().settlement).toMatchObject({ sent: 2, sentAmount: paid, failed: 0 })
    expect(b.connector.counters().settlement).toMatchObject({ received: 2, receivedAmount: paid })
    expect(a.connector.balances().b?.balance).toBe(0n)
    expect(b.connector.balances().a?.balance).toBe(0n)
    expect(receiver.delivered.reduce((sum, amount) => sum + amount, 0n)).toBe(paid)

    const aView = (await admin(a, '/settlement')).body.b as { outgoing: { channelId: `0x${string}`; deposit: string; sent: string } }
    expect(aView).toMatchObject({ kind: 'ethereum', outgoing: { deposit: String(10n ** 17n), sent: String(paid) } })
    const channelId = aView.outgoing.channelId
    expect(await contract.getChannel(channelId)).toMatchObject({ sender: addressA, receiver: addressB, deposit: 10n ** 17n, claimed: 0n, closed: false })
    // GET /peers/<id>/channel: the channel as the contract holds it, and the transaction that opened it.
    const openTx = (await chain.publicClient.getContractEvents({ address: contract.address, abi: paymentChannelAbi, eventName: 'ChannelOpened', fromBlock: startBlock })).at(-1)?.transactionHash
    expect((await admin(a, '/peers/b/channel')).body).toMatchObject({
      kind: 'ethereum', contract: contract.address,
      channels: [{ direction: 'outgoing', channelId, claimed: String(paid), ledger: { deposit: String(10n ** 17n), redeemed: '0', status: 'open' } }],
      transactions: [{ action: 'open', channelId, hash: openTx }],
    })

    // B restarts: the claims it holds are in its SQLite store, not in memory.
    await b.stop()
    const b2 = await startB()
    nodes.push(b2)
    expect((await admin(b2, '/settlement')).body.a).toMatchObject({ kind: 'ethereum', incoming: [{ channelId, best: String(paid) }] })

    // A vanishes and starts a reclaim, hoping B misses the hour: B's watcher closes with the best claim.
    await a.kill()
    await contract.startReclaim('a', channelId)
    await expect.poll(async () => (await contract.getChannel(channelId))?.closed, { timeout: 10_000, interval: 50 }).toBe(true)
    expect(await contract.getChannel(channelId)).toMatchObject({ claimed: paid })
    expect(await chain.publicClient.getBalance({ address: contract.address })).toBe(0n)
    const fees = await feesSince(startBlock)
    const spentA = before.a - (await chain.getBalance('a')) - (fees.get(addressA.toLowerCase()) ?? 0n)
    const gainedB = (await chain.getBalance('b')) - before.b + (fees.get(addressB.toLowerCase()) ?? 0n)
    expect(spentA).toBe(paid) // the rest of the deposit came back to A
    expect(gainedB).toBe(paid)
  })

  it('refuses to start against an address without a contract', async () => {
    dir = mkdtempSync(join(tmpdir(), 'connector-eth-'))
    const settlement = { kind: 'ethereum', rpcUrl, contract: chain.addressOf('operator'), privateKey: keys[1], peerAddress: chain.addressOf('b'), claims: join(dir, 'a.claims') }
    await expect(node({ address: 'test.a', asset: ETH, listen: { btp: { port: 0 } }, peers: [{ id: 'b', relation: 'peer', btp: { token: token() }, settlement }] })).rejects.toThrow(
      expect.objectContaining({ name: 'InvalidChannelOptionError', message: expect.stringMatching(/no contract at/) }),
    )
  })
})

// A pays B with XRP Ledger payment channel claims on a channel declared in A's config; B verifies
// each in the ledger's format, keeps the best in SQLite, and signs a PaymentChannelClaim on request.
describe('settlement with XRP Ledger payment channel claims between two connectors', () => {
  let dir: string
  const nodes: { stop(): Promise<void> }[] = []
  const hosts: Host[] = []
  afterEach(async () => {
    await stopAll(...hosts.splice(0), ...nodes.splice(0))
    rmSync(dir, { recursive: true, force: true })
  })

  function channelConfigs(channelAmount: bigint) {
    const walletA = generateWallet('secp256k1')
    const walletB = generateWallet('ed25519')
    const claimSecret = generateWallet('ed25519').seed as string
    const publicKey = claimKeyPairFromSeed(claimSecret).publicKey
    const channelId = paymentChannelId(walletA.classicAddress, walletB.classicAddress, 7)
    return {
      walletA, walletB, channelId, publicKey,
      a: { kind: 'xrp', account: walletA.classicAddress, peerAccount: walletB.classicAddress, claims: join(dir, 'a.claims'), outgoing: { channelId, claimSecret, amount: String(channelAmount) } },
      b: { kind: 'xrp', account: walletB.classicAddress, peerAccount: walletA.classicAddress, secret: walletB.seed, claims: join(dir, 'b.claims'), incoming: [{ channelId, publicKey, amount: String(channelAmount) }] },
    }
  }

  it('pays with claims at the threshold, keeps them across a restart, and signs the redeeming PaymentChannelClaim', async () => {
    dir = mkdtempSync(join(tmpdir(), 'connector-xrp-'))
    const c = channelConfigs(10_000_000n)
    const { a, b, sender, receiver, startB } = await line(XRP, 1_000n, c.a, c.b)
    nodes.push(a, b)
    hosts.push(sender, receiver)
    for (let i = 0; i < 6; i++) expect((await sender.pay('test.b.receiver', 400n, 'fulfill')).type).toBe(IlpPacketType.Fulfill)
    await waitFor(() => a.connector.counters().settlement.sent === 2, 5_000, 'A to settle twice')
    expect(a.connector.counters().settlement).toMatchObject({ sent: 2, sentAmount: 2_400n, failed: 0 })
    expect(b.connector.counters().settlement).toMatchObject({ received: 2, receivedAmount: 2_400n })
    expect(a.connector.balances().b?.balance).toBe(0n)
    expect(b.connector.balances().a?.balance).toBe(0n)
    expect(receiver.delivered.reduce((sum, amount) => sum + amount, 0n)).toBe(2_400n)
    expect((await admin(a, '/settlement')).body.b).toMatchObject({ kind: 'xrp', outgoing: { channelId: c.channelId, sent: '2400' } })

    await b.stop()
    const b2 = await startB()
    nodes.push(b2)
    expect((await admin(b2, '/settlement')).body.a).toMatchObject({ kind: 'xrp', incoming: [{ channelId: c.channelId, best: '2400' }] })

    const post = (peer: string, body: unknown) =>
      admin(b2, `/settlement/${peer}/redemption`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    const { status, body } = await post('a', { fee: '12', sequence: 42, lastLedgerSequence: 1_000 })
    expect(status).toBe(200)
    expect(body).toMatchObject({ channelId: c.channelId, balance: '2400' })
    const blob = body.txBlob as string
    expect(verifySignature(blob)).toBe(true)
    const tx = decode(blob)
    expect(tx).toMatchObject({ TransactionType: 'PaymentChannelClaim', Account: c.walletB.classicAddress, Channel: c.channelId, Balance: '2400', Amount: '2400', PublicKey: c.publicKey, Sequence: 42, Fee: '12' })
    // The claim inside is one the XRP Ledger would accept (xrpl.js's own check).
    expect(verifyPaymentChannelClaim(c.channelId, dropsToXrp(2_400n), tx.Signature as string, c.publicKey)).toBe(true)

    expect((await post('a', { fee: 12, sequence: 1 })).status).toBe(400)
    expect((await post('a', { fee: '12', sequence: 1, pad: 'x'.repeat(20_000) })).status).toBe(400)
    expect((await post('receiver', { fee: '12', sequence: 1 })).status).toBe(422)
    expect((await admin(b2, '/settlement/a/redemption')).status).toBe(405)
    expect((await post('%E0%A4%A', { fee: '12', sequence: 1 })).status).toBe(400)
  })

  it('stops settling when the channel is exhausted, keeping the debt on the books', async () => {
    dir = mkdtempSync(join(tmpdir(), 'connector-xrp-'))
    const c = channelConfigs(1_500n)
    const { a, b, sender, receiver } = await line(XRP, 1_000n, c.a, c.b)
    nodes.push(a, b)
    hosts.push(sender, receiver)
    for (let i = 0; i < 6; i++) await sender.pay('test.b.receiver', 400n, 'fulfill')
    await waitFor(() => a.connector.counters().settlement.failed > 0, 5_000, 'A to fail a settlement')
    // The first settlement (1 200) fit; the second would need a claim of 2 400 on a 1 500 channel.
    expect(a.connector.counters().settlement).toMatchObject({ sent: 1, sentAmount: 1_200n })
    expect(b.connector.counters().settlement).toMatchObject({ received: 1, receivedAmount: 1_200n })
    const owed = a.connector.balances().b?.balance ?? 0n
    expect(owed).toBeGreaterThan(0n)
    expect(owed + (b.connector.balances().a?.balance ?? 0n)).toBe(0n)
    expect((await admin(a, '/settlement')).body.b).toMatchObject({ outgoing: { sent: '1200' } })
  })
})

describe('ethereum and xrp settlement in the configuration', () => {
  const doc = (asset: object, settlement: object) => ({ address: 'test.a', asset, listen: { btp: { port: 0 } }, peers: [{ id: 'b', relation: 'peer', btp: { token: 't' }, settlement }] })
  const issues = (raw: unknown): string[] => {
    try {
      validateConfig(raw, { configDir: '/etc/node' })
    } catch (error) {
      if (error instanceof InvalidConfigError) return error.issues.map((issue) => `${issue.path}: ${issue.message}`)
      throw error
    }
    return []
  }
  const address = (digit: string) => `0x${digit.repeat(40)}`
  const ethereum = { kind: 'ethereum', rpcUrl: 'http://127.0.0.1:8545', contract: address('c'), privateKey: `0x${'1'.repeat(64)}`, peerAddress: address('b'), claims: 'eth.claims' }

  it('fills in defaults and takes the claim store beside the file', () => {
    const config = validateConfig(doc(ETH, { ...ethereum, deposit: '1000', timeoutSeconds: 60 }), { configDir: '/etc/node' })
    expect(config.peers[0]?.settlement).toEqual({
      ...ethereum, claims: '/etc/node/eth.claims', funding: { deposit: 1_000n, timeoutSeconds: 60n }, watchIntervalMs: 10_000, pollingIntervalMs: 1_000,
    })
  })

  it('names every bad ethereum field, never echoing the key', () => {
    const found = issues(doc({ code: 'ETH', scale: 9 }, { ...ethereum, rpcUrl: 'ws://x', contract: '0x12', privateKey: '0xsecret', topUpAmount: '5' }))
    expect(found.map((issue) => issue.split(':')[0]).sort()).toEqual([
      'peers[0].settlement', 'peers[0].settlement.contract', 'peers[0].settlement.privateKey', 'peers[0].settlement.rpcUrl', 'peers[0].settlement.topUpAmount',
    ])
    expect(found.join('\n')).toContain('needs scale 18, got 9')
    expect(found.join('\n')).not.toContain('secret')
  })

  it('checks xrp addresses, seeds and channels, never echoing a seed', () => {
    const wallet = generateWallet('ed25519')
    const other = generateWallet('ed25519')
    const channelId = 'AB'.repeat(32)
    const good = { kind: 'xrp', account: wallet.classicAddress, peerAccount: other.classicAddress, secret: wallet.seed, claims: 'xrp.claims', incoming: [{ channelId, publicKey: other.publicKey, amount: '100' }] }
    expect(validateConfig(doc(XRP, good), { configDir: '/etc/node' }).peers[0]?.settlement).toEqual({
      ...good, claims: '/etc/node/xrp.claims', incoming: [{ channelId, publicKey: other.publicKey.toUpperCase(), amount: 100n, balance: 0n }],
    })
    const found = issues(doc({ code: 'XRP', scale: 6 }, {
      ...good, peerAccount: 'rNotAnAddress', secret: other.seed, outgoing: { channelId: 'zz', claimSecret: 'sSecretSeedNotValid', amount: '-1' },
      incoming: [{ channelId, publicKey: 'AB', amount: '5', balance: '6' }],
    }))
    expect(found.map((issue) => issue.split(':')[0]).sort()).toEqual([
      'peers[0].settlement.incoming[0].balance', 'peers[0].settlement.incoming[0].publicKey', 'peers[0].settlement.outgoing.amount',
      'peers[0].settlement.outgoing.channelId', 'peers[0].settlement.outgoing.claimSecret', 'peers[0].settlement.peerAccount', 'peers[0].settlement.secret',
    ])
    const text = found.join('\n')
    expect(text).not.toContain(other.seed)
    expect(text).not.toContain('sSecretSeedNotValid')
    expect(issues(doc({ code: 'USD', scale: 6 }, good))).toEqual(['peers[0].settlement: xrp channels pay XRP: the peer\'s asset code is USD'])
  })
})
