import type { ClaimCarrier, ValueHandler } from '@stack/channel-core'
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { connect, createServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { Transaction, payments } from 'bitcoinjs-lib'
import { regtestNetwork, startRegtest, type Regtest } from '@stack/bitcoin-regtest'
import { BitcoinLedger, BitcoinRpc } from '@stack/ledger-bitcoin'
import { LightningNode, type ChainSource, type LightningNodeOptions } from '../src/index.js'

export { startRegtest, type Regtest }

/** A Lightning node's wallet on the regtest chain: a ledger-bitcoin account funds its channels, another receives its sweeps. */
export interface Peer {
  readonly name: string
  readonly dataDir: string
  readonly ledger: BitcoinLedger
  readonly sweepScript: Uint8Array
  node: LightningNode
  port: number
  readonly errors: Error[]
  /** The sweeps and claims the current node reported. */
  swept: string[]
  claimed: Map<string, bigint>
  /** While set, the node's broadcasts never reach the chain (a crash right after its journal write, a node that lost them). */
  losesBroadcasts?: boolean
}

export async function openLedger(chain: Regtest): Promise<BitcoinLedger> {
  return BitcoinLedger.open({
    rpc: rpcOf(chain),
    network: regtestNetwork,
    seed: randomBytes(32),
    dustRelayFee: 0n
  })
}

export function rpcOf(chain: Regtest): BitcoinRpc {
  return new BitcoinRpc({ url: chain.rpcUrl, user: chain.rpcUser, password: chain.rpcPassword })
}

export function nodeOptions(chain: Regtest, peer: Pick<Peer, 'name' | 'dataDir' | 'ledger' | 'sweepScript' | 'losesBroadcasts'>): LightningNodeOptions {
  const rpc = rpcOf(chain)
  const source: ChainSource = {
    getBlockchainInfo: () => rpc.getBlockchainInfo(),
    getBlockHash: (height) => rpc.getBlockHash(height),
    getBlockHex: (hash) => rpc.getBlockHex(hash),
    estimateSmartFee: (blocks) => rpc.estimateSmartFee(blocks),
    getRawTransaction: (txid) => rpc.getRawTransaction(txid),
    sendRawTransaction: (tx) => (peer.losesBroadcasts === true ? Promise.reject(new Error('the broadcast was lost')) : rpc.sendRawTransaction(tx))
  }
  return {
    dataDir: peer.dataDir,
    chain: source,
    wallet: {
      fundingTransaction: async (script, sats) =>
        (await peer.ledger.buildTransaction({ from: `${peer.name}-funds`, outputs: [{ script, value: sats }] })).tx
    },
    sweepScript: peer.sweepScript,
    minimumDepth: 1,
    log: process.env.LN_LOG ? (level, line) => { if (level !== 'LDKLevel_Gossip' && level !== 'LDKLevel_Trace') console.log(new Date().toISOString(), peer.name, level, line) } : undefined,
    syncIntervalMs: 200
  }
}

/** A node with `sats` (confirmed) in its funding account. */
export async function startPeer(chain: Regtest, ledger: BitcoinLedger, name: string, sats: number): Promise<Peer> {
  await ledger.createAccount(`${name}-funds`)
  await ledger.createAccount(`${name}-sweep`)
  const dataDir = mkdtempSync(join(tmpdir(), `ln-${name}-`))
  const sweepScript = scriptOf(ledger.address(`${name}-sweep`))
  const base = { name, dataDir, ledger, sweepScript }
  if (sats > 0) await chain.fund(ledger.address(`${name}-funds`), sats)
  const peer = { ...base, errors: [] as Error[], port: 0 } as Peer
  await restartPeer(chain, peer)
  return peer
}

export async function restartPeer(chain: Regtest, peer: Peer): Promise<void> {
  peer.node = await LightningNode.start(nodeOptions(chain, peer))
  peer.swept = []
  peer.claimed = new Map()
  peer.node.on('swept', ({ txid }) => peer.swept.push(txid))
  peer.node.on('paymentClaimed', ({ paymentHash, amountMsat }) => peer.claimed.set(paymentHash, amountMsat))
  peer.node.on('error', (error) => {
    if (process.env.LN_LOG) console.log(peer.name, 'ERROR', error)
    peer.errors.push(error)
  })
  peer.port = await peer.node.listen()
}

export function removePeer(peer: Peer): void {
  rmSync(peer.dataDir, { recursive: true, force: true })
}

/** The usual set-up: a regtest chain, a funded ledger, alice (with 2,000,000 sats on chain) and bob (none). */
export interface TwoPeers {
  chain: Regtest
  ledger: BitcoinLedger
  alice: Peer
  bob: Peer
}

export async function startTwoPeers(): Promise<TwoPeers> {
  const chain = await startRegtest()
  const ledger = await openLedger(chain)
  const alice = await startPeer(chain, ledger, 'alice', 2_000_000)
  const bob = await startPeer(chain, ledger, 'bob', 0)
  await chain.mine(1)
  return { chain, ledger, alice, bob }
}

/** Stops what `startTwoPeers` started, whatever of it did start. */
export async function stopTwoPeers(peers: Partial<TwoPeers>): Promise<void> {
  await peers.alice?.node.stop()
  await peers.bob?.node.stop()
  await peers.ledger?.close()
  await peers.chain?.stop()
  if (peers.alice) removePeer(peers.alice)
  if (peers.bob) removePeer(peers.bob)
}

export function scriptOf(address: string): Uint8Array {
  return payments.p2wpkh({ address, network: regtestNetwork }).output as Uint8Array
}

/** Polls until `check` holds, syncing the nodes with the chain between tries. */
export async function until(what: string, check: () => boolean | Promise<boolean>, nodes: LightningNode[] = [], tries = 600): Promise<void> {
  for (let i = 0; i < tries; i++) {
    for (const node of nodes) await node.sync()
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`timed out waiting for ${what}`)
}

export async function transaction(chain: Regtest, txid: string): Promise<Transaction> {
  return Transaction.fromHex(await rpcOf(chain).getRawTransactionHex(txid))
}

/** The txids of the block at `hash` (verbose getblock). */
export async function blockTxids(chain: Regtest, hash: string): Promise<string[]> {
  return [...(await rpcOf(chain).getBlock(hash)).tx]
}

export const valueTo = (tx: Transaction, script: Uint8Array): bigint =>
  tx.outs.filter((o) => Buffer.from(o.script).equals(Buffer.from(script))).reduce((sum, o) => sum + o.value, 0n)

/** A transaction's fee: its inputs' values (from the transactions they spend) minus its outputs. */
export async function feeOf(chain: Regtest, tx: Transaction): Promise<bigint> {
  let inputs = 0n
  for (const input of tx.ins) {
    const previous = await transaction(chain, Buffer.from(input.hash).reverse().toString('hex'))
    inputs += previous.outs[input.index]!.value
  }
  return inputs - tx.outs.reduce((sum, o) => sum + o.value, 0n)
}

/** Connects `a` to `b` (at `port`, b's own by default) and opens a channel of `sats` funded by `a`, confirmed and usable on both sides. */
export async function openChannel(chain: Regtest, a: Peer, b: Peer, sats: bigint, port = b.port): Promise<{ channelId: string; fundingTxid: string }> {
  const rpc = rpcOf(chain)
  if (!a.node.connectedPeers().includes(b.node.nodeId)) {
    await a.node.connect(b.node.nodeId, '127.0.0.1', port)
    await until('the peers to connect', () => a.node.connectedPeers().includes(b.node.nodeId))
  }
  const before = new Set(a.node.channels().map((c) => c.channelId))
  a.node.openChannel(b.node.nodeId, sats)
  const fresh = () => a.node.channels().find((c) => c.counterparty === b.node.nodeId && c.fundingTxid !== undefined && !before.has(c.channelId))
  await until('the funding', async () => {
    const txid = fresh()?.fundingTxid
    return txid !== undefined && (await rpc.getRawMempool()).includes(txid)
  }, [a.node])
  const { channelId, fundingTxid } = fresh()!
  await chain.mine(1)
  const usable = (peer: Peer) => peer.node.channels().some((c) => c.channelId === channelId && c.usable)
  await until('the channel to be usable', () => usable(a) && usable(b), [a.node, b.node])
  return { channelId, fundingTxid: fundingTxid! }
}

/** Two ClaimCarriers joined back to back, as a link's value side would join two connectors. */
export function carrierPair(): [ClaimCarrier, ClaimCarrier] {
  const handlers: (ValueHandler | undefined)[] = [undefined, undefined]
  const side = (me: 0 | 1): ClaimCarrier => ({
    async sendValue(amount, { proof }) {
      const handler = handlers[1 - me]
      if (handler === undefined) throw new Error('the peer has no value handler')
      await handler({ amount, proof })
    },
    setValueHandler(handler) {
      handlers[me] = handler
    }
  })
  return [side(0), side(1)]
}

/** A TCP relay to `port` on loopback; `cut()` ends every connection at once, bytes not yet relayed lost (a crash's instant). */
export async function relay(port: number): Promise<{ port: number; cut(): void }> {
  const sockets: Socket[] = []
  const server = createServer((inbound) => {
    const outbound = connect(port, '127.0.0.1')
    sockets.push(inbound, outbound)
    inbound.pipe(outbound).on('error', () => undefined)
    outbound.pipe(inbound).on('error', () => undefined)
    inbound.on('error', () => outbound.destroy())
    outbound.on('error', () => inbound.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as { port: number }).port,
    cut() {
      server.close()
      for (const socket of sockets) socket.destroy()
    }
  }
}

/**
 * What a crash of `peer` at this instant leaves: a copy of its data directory, taken now (every
 * write is synchronous), for a node to start from; the running node must be cut off at once.
 */
export function crashCopy(peer: Peer, label: string): Peer {
  const dataDir = `${peer.dataDir}-${label}`
  cpSync(peer.dataDir, dataDir, { recursive: true })
  return { ...peer, dataDir, errors: [] }
}
