// The three-L2 demo's first leg: Lightning on a Bitcoin regtest chain. The chain is bcoin
// (@stack/bitcoin-regtest: a full node in a child process, in memory, JSON-RPC on loopback).
// Alice's LDK node and wallet live in this process; connector A's node runs in A's process (the
// connector's `lightning` settlement kind), its wallet made from a seed file written here, so
// that this process can watch it (never spend from it). Alice funds the channel, pays A over it
// as her STREAM payment goes, and closes it cooperatively at the end; both nodes sweep what the
// close gave them to their wallets, and every satoshi of Alice's is accounted for on the chain.
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { address as bitcoinAddress, networks, Transaction } from 'bitcoinjs-lib'
import { regtestNetwork, startRegtest, type Regtest } from '@stack/bitcoin-regtest'
import { LightningNode, type ChannelInfo } from '@stack/channel-lightning'
import { BitcoinLedger, BitcoinRpc } from '@stack/ledger-bitcoin'
import type { Asset } from '@stack/ilp-core'

/** Satoshis. */
export const BTC: Asset = { code: 'BTC', scale: 8 }
/** What the faucet gives Alice's wallet, and the channel she funds from it. */
export const ALICE_SATS = 2_000_000n
export const CHANNEL_SATS = 1_000_000n

type Stop = () => Promise<unknown> | unknown
type Wallet = { ledger: BitcoinLedger; scripts: Map<string, Uint8Array> }

/** A ledger-bitcoin wallet with the two accounts of a Lightning node: `funds` (opens channels) and `sweep` (closed channels' outputs). */
async function wallet(rpc: BitcoinRpc, seed: Uint8Array, network: typeof regtestNetwork | typeof networks.regtest): Promise<Wallet> {
  const ledger = await BitcoinLedger.open({ rpc, network, seed, dustRelayFee: 0n })
  const scripts = new Map<string, Uint8Array>()
  for (const account of ['funds', 'sweep']) {
    await ledger.createAccount(account)
    scripts.set(account, bitcoinAddress.toOutputScript(ledger.address(account), network))
  }
  return { ledger, scripts }
}

const balanceOf = async ({ ledger }: Wallet): Promise<bigint> => (await ledger.listAccounts()).reduce((sum, account) => sum + account.balance, 0n)
const hexOf = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

export class LightningLeg {
  #funding: { channelId: string; txid: string } | undefined
  #aliceBefore = 0n

  private constructor(
    readonly chain: Regtest,
    readonly rpc: BitcoinRpc,
    readonly aliceNode: LightningNode,
    /** Where Alice's node accepts peers (loopback). */
    readonly alicePort: number,
    readonly aliceWallet: Wallet,
    /** A's wallet, opened here from the seed file A's node reads: watched, never spent from. */
    readonly walletA: Wallet,
  ) {}

  /** Starts the chain, Alice's wallet (funded by the faucet, confirmed) and node, and writes A's wallet seed into `dir`; each stop goes into `stops`. */
  static async start(dir: string, stops: Stop[]): Promise<LightningLeg> {
    // bcoin logs nothing: what it would log here is LDK's second broadcast of a transaction it
    // already has (both sides send the closing one); a refused transaction fails a wait below.
    const chain = await startRegtest({ logLevel: 'none' })
    stops.push(() => chain.stop())
    const rpc = new BitcoinRpc({ url: chain.rpcUrl, user: chain.rpcUser, password: chain.rpcPassword })
    // bcoin's regtest address prefixes for Alice's wallet (the faucet pays to her address); A's
    // wallet is the connector plug-in's, with Bitcoin Core's prefixes: the scripts are the same.
    const aliceWallet = await wallet(rpc, randomBytes(32), regtestNetwork)
    stops.push(() => aliceWallet.ledger.close())
    const seedA = randomBytes(32)
    writeFileSync(join(dir, 'connector-a.btc-seed'), seedA.toString('hex'), { mode: 0o600 })
    const walletA = await wallet(rpc, seedA, networks.regtest)
    stops.push(() => walletA.ledger.close())
    await chain.fund(aliceWallet.ledger.address('funds'), Number(ALICE_SATS))
    await chain.mine(1)
    const aliceNode = await LightningNode.start({
      dataDir: join(dir, 'alice.ln'),
      chain: rpc,
      wallet: { fundingTransaction: async (script, sats) => (await aliceWallet.ledger.buildTransaction({ from: 'funds', outputs: [{ script, value: sats }] })).tx },
      sweepScript: aliceWallet.scripts.get('sweep') as Uint8Array,
      minimumDepth: 1,
      syncIntervalMs: 200,
    })
    stops.push(() => aliceNode.stop())
    // A's node dials Alice's (its section names her host and port): no port of A's to guess.
    const port = await aliceNode.listen(0)
    const leg = new LightningLeg(chain, rpc, aliceNode, port, aliceWallet, walletA)
    leg.#aliceBefore = await balanceOf(aliceWallet)
    return leg
  }

  /** Connector A's `lightning` settlement section for its peer alice (files relative to A's config file; the RPC password goes in A's environment). */
  sectionForA(): object {
    const { chain } = this
    return {
      kind: 'lightning', dataDir: 'connector-a.ln', rpc: { url: chain.rpcUrl, user: chain.rpcUser }, wallet: { seedFile: 'connector-a.btc-seed', journal: 'connector-a.btc-wallet' },
      peerNodeId: this.aliceNode.nodeId, peerHost: '127.0.0.1', peerPort: this.alicePort, minimumDepth: 1,
    }
  }

  envForA(peer: string): Record<string, string> {
    return { [`STACK_CONNECTOR__PEERS__${peer.toUpperCase()}__SETTLEMENT__RPC__PASSWORD`]: this.chain.rpcPassword }
  }

  /** Once A's node has dialed Alice's, she proposes a channel of CHANNEL_SATS, her wallet funds it, one block confirms it; resolves once both sides can use it. */
  async openChannel(nodeIdA: string, usableAtA: () => Promise<boolean>): Promise<ChannelInfo> {
    const node = this.aliceNode
    await until("A's Lightning node to connect to Alice's", async () => node.connectedPeers().includes(nodeIdA))
    node.openChannel(nodeIdA, CHANNEL_SATS)
    const ours = () => node.channels().find((c) => c.counterparty === nodeIdA)
    await until('the funding transaction in the mempool', async () => {
      const txid = ours()?.fundingTxid
      return txid !== undefined && (await this.rpc.getRawMempool()).includes(txid)
    })
    await this.chain.mine(1)
    await until('the channel to be usable on both sides', async () => ours()?.usable === true && (await usableAtA()))
    const channel = ours() as ChannelInfo
    this.#funding = { channelId: channel.channelId, txid: channel.fundingTxid as string }
    return channel
  }

  /** Alice closes cooperatively (BOLT 2); once the close is 6 blocks deep (LDK's anti-reorg delay) both nodes sweep, and a block confirms the sweeps. */
  async closeChannel(nodeIdA: string, closedAtA: () => Promise<boolean>): Promise<void> {
    const funding = this.#funding
    if (funding === undefined) return
    this.aliceNode.closeChannel(funding.channelId, nodeIdA)
    let closing: string | undefined
    await until('the closing transaction in the mempool', async () => {
      for (const txid of await this.rpc.getRawMempool()) {
        const tx = Transaction.fromHex(await this.rpc.getRawTransactionHex(txid))
        if (tx.ins.some((input) => hexOf(Uint8Array.from(input.hash).reverse()) === funding.txid)) closing = txid
      }
      return closing !== undefined
    })
    await this.chain.mine(1)
    await until('both nodes to see the close', async () => this.aliceNode.channels().length === 0 && (await closedAtA()))
    await this.chain.mine(6)
    // Each wallet sees its node's sweep (in the mempool) once it is sent; A's node sweeps in A's process.
    const swept = async (w: Wallet) => (await w.ledger.getBalance('sweep')) > 0n
    await until('both sweeps', async () => (await swept(this.aliceWallet)) && (await swept(this.walletA)))
    await this.chain.mine(1)
  }

  /**
   * The chain's account of Alice's coins: every transaction since the faucet paid her, in block
   * order, that spends one of her coins or one of their descendants (funding, close, sweeps), its
   * fee; the coins left; the wallets' balances. `creditedByA`: what A's books say Alice paid it.
   */
  async report(creditedByA: bigint): Promise<{ lines: string[]; checks: [string, boolean][]; feeSats: bigint }> {
    const owners = new Map<string, string>()
    for (const [name, w] of [['alice', this.aliceWallet], ['connector-a', this.walletA]] as const) {
      for (const [account, script] of w.scripts) owners.set(hexOf(script), `${name} ${account}`)
    }
    const tracked = new Map<string, { value: bigint; script: string }>() // unspent "txid:vout" of Alice's coins and their descendants
    const txLines: string[] = []
    const feeBy = new Map<string, bigint>()
    let fees = 0n
    const tip = (await this.rpc.getBlockchainInfo()).blocks
    for (let height = this.chain.startHeight + 1; height <= tip; height++) {
      const block = await this.rpc.getBlock(await this.rpc.getBlockHash(height))
      for (const txid of block.tx.slice(1)) {
        const tx = Transaction.fromHex(await this.rpc.getRawTransactionHex(txid))
        const spent = tx.ins.map((input) => `${hexOf(Uint8Array.from(input.hash).reverse())}:${input.index}`).filter((outpoint) => tracked.has(outpoint))
        const outs = tx.outs.map((out, vout) => ({ outpoint: `${txid}:${vout}`, value: out.value, script: hexOf(out.script) }))
        if (spent.length === 0) {
          // The faucet's payment to Alice: her coins from here on.
          for (const out of outs) if (owners.get(out.script) === 'alice funds') tracked.set(out.outpoint, out)
          continue
        }
        const inputs = spent.reduce((sum, outpoint) => sum + (tracked.get(outpoint)?.value ?? 0n), 0n)
        for (const outpoint of spent) tracked.delete(outpoint)
        for (const out of outs) tracked.set(out.outpoint, out)
        const fee = inputs - outs.reduce((sum, out) => sum + out.value, 0n)
        const what = this.#describe(txid, spent, outs, owners)
        feeBy.set(what.payer, (feeBy.get(what.payer) ?? 0n) + fee)
        fees += fee
        txLines.push(`${what.name} ${txid.slice(0, 12)}… → ${outs.map((out) => `${out.value}`).join(' + ')} sat, fee ${fee}`)
      }
    }
    const left = (owner: (name: string | undefined) => boolean) =>
      [...tracked.values()].filter((out) => owner(owners.get(out.script))).reduce((sum, out) => sum + out.value, 0n)
    const inChannelScripts = left((name) => name === undefined)
    const aliceAfter = await balanceOf(this.aliceWallet)
    const afterA = await balanceOf(this.walletA)
    const sats = (n: bigint) => `${n} sat`
    const lines = [
      `[BTC/bcoin] chain height ${this.chain.startHeight} → ${tip}; transactions: ${txLines.join('; ')}`,
      `[BTC/bcoin] wallets: alice ${sats(this.#aliceBefore)} before, ${sats(aliceAfter)} after; connector-a 0 sat before, ${sats(afterA)} after; ` +
        `left in channel or LDK scripts ${sats(inChannelScripts)}; fees ${sats(fees)}`,
    ]
    const feeA = feeBy.get('connector-a') ?? 0n
    const checks: [string, boolean][] = [
      ["BTC chain: alice's wallet before == both wallets after + channel holdings + fees (to the satoshi)", this.#aliceBefore === aliceAfter + afterA + inChannelScripts + fees],
      ['BTC chain: the wallets hold exactly the coins the chain says they own', aliceAfter === left((name) => name?.startsWith('alice') === true) && afterA === left((name) => name?.startsWith('connector-a') === true)],
      ['BTC chain: nothing left in the channel after the cooperative close and both sweeps', inChannelScripts === 0n && this.aliceNode.claimableSats() === 0n],
      ["BTC chain: connector-a's wallet gained what its books credited alice, less its sweep's fee", creditedByA > 0n && afterA + feeA === creditedByA],
      ['BTC chain: alice paid that, and the funding, closing and her sweep fees', this.#aliceBefore - aliceAfter === creditedByA + (feeBy.get('alice') ?? 0n)],
    ]
    return { lines, checks, feeSats: fees }
  }

  /** What a transaction of Alice's coins is, and whose fee it is (the funder pays the closing fee, BOLT 2). */
  #describe(txid: string, spent: string[], outs: { script: string }[], owners: Map<string, string>): { name: string; payer: string } {
    const funding = this.#funding
    if (txid === funding?.txid) return { name: 'channel funding', payer: 'alice' }
    if (funding !== undefined && spent.some((outpoint) => outpoint.startsWith(`${funding.txid}:`))) return { name: 'cooperative close', payer: 'alice' }
    const to = outs.map((out) => owners.get(out.script))
    if (to.every((name) => name === 'alice sweep')) return { name: 'sweep by alice', payer: 'alice' }
    if (to.every((name) => name === 'connector-a sweep')) return { name: 'sweep by connector-a', payer: 'connector-a' }
    return { name: 'transaction', payer: 'unknown' }
  }

  /** Alice's channel, as her node sees it. */
  channel(): ChannelInfo | undefined {
    return this.aliceNode.channels()[0]
  }
}

/** A step of the Lightning leg did not happen in time. */
export class LightningLegTimeoutError extends Error {
  override readonly name = 'LightningLegTimeoutError'
}

/** Polls `check` every 100 ms until it holds (at most `timeoutMs`). */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new LightningLegTimeoutError(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
