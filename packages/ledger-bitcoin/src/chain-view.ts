/**
 * The coins of a set of watched output scripts, followed from the node: every block from a birth
 * height (raw blocks, decoded here), then the mempool. The node needs no wallet and no address
 * index; a reorganisation (a block whose parent is not the tip followed) rescans from the birth.
 */
import { Block, Transaction } from 'bitcoinjs-lib'
import type { Coin } from './coin-selection.js'
import type { BitcoinRpc } from './rpc.js'
import { SerialQueue } from '@stack/ledger-core'

/** The node calls the view makes. */
export type ChainSource = Pick<BitcoinRpc, 'getBlockchainInfo' | 'getBlockHash' | 'getBlockHex' | 'getRawMempool' | 'getRawTransactionHex'>

export interface OwnedCoin extends Coin {
  readonly owner: string
}

interface Unspent {
  readonly owner: string
  readonly value: bigint
  /** The block height, or undefined for a mempool output. */
  readonly height: number | undefined
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
/** Txids and block hashes are shown byte-reversed (RPC order). */
const rpcOrder = (hash: Uint8Array): string => hex(Uint8Array.from(hash).reverse())

export class ChainView {
  readonly #rpc: ChainSource
  readonly #birthHeight: number
  readonly #owners = new Map<string, string>() // script hex → owner
  #confirmed = new Map<string, Unspent>() // "txid:vout" → coin
  #tip: { height: number; hash: string | undefined }
  #mempool = new Map<string, Transaction>()
  /** The block height of every transaction that paid or spent a watched script. */
  #mined = new Map<string, number>()
  readonly #syncs = new SerialQueue()

  constructor(rpc: ChainSource, birthHeight: number) {
    this.#rpc = rpc
    this.#birthHeight = birthHeight
    this.#tip = { height: birthHeight - 1, hash: undefined }
  }

  get height(): number {
    return this.#tip.height
  }

  /** Watches `script` for `owner`; call before the first sync that should see its coins. */
  watch(script: Uint8Array, owner: string): void {
    this.#owners.set(hex(script), owner)
  }

  ownerOf(script: Uint8Array): string | undefined {
    return this.#owners.get(hex(script))
  }

  /** Reads the blocks and the mempool the node has now. */
  sync(): Promise<void> {
    return this.#syncs.run(async () => {
      const { blocks, bestblockhash } = await this.#rpc.getBlockchainInfo()
      // The tip followed is no longer the node's: a shorter chain, or another block at its height.
      if (blocks < this.#tip.height || (blocks === this.#tip.height && bestblockhash !== this.#tip.hash)) this.#rewind()
      while (this.#tip.height < blocks) {
        const height = this.#tip.height + 1
        const hash = await this.#rpc.getBlockHash(height)
        const block = Block.fromHex(await this.#rpc.getBlockHex(hash))
        if (this.#tip.hash !== undefined && (block.prevHash === undefined || rpcOrder(block.prevHash) !== this.#tip.hash)) {
          this.#rewind()
          continue
        }
        for (const tx of block.transactions ?? []) {
          const spent = this.#spendInputs(this.#confirmed, tx)
          if (this.#addOutputs(this.#confirmed, tx, height) || spent) this.#mined.set(tx.getId(), height)
        }
        this.#tip = { height, hash }
      }
      const txids = new Set(await this.#rpc.getRawMempool())
      for (const txid of this.#mempool.keys()) if (!txids.has(txid)) this.#mempool.delete(txid)
      for (const txid of txids) {
        if (this.#mempool.has(txid)) continue
        try {
          this.#mempool.set(txid, Transaction.fromHex(await this.#rpc.getRawTransactionHex(txid)))
        } catch {
          // Mined or evicted since getrawmempool answered: the next sync sees where it went.
        }
      }
    })
  }

  /** 0 for a transaction in the mempool, undefined for one that neither a block followed nor the mempool holds. */
  confirmations(txid: string): number | undefined {
    const height = this.#mined.get(txid)
    if (height !== undefined) return this.#tip.height - height + 1
    return this.#mempool.has(txid) ? 0 : undefined
  }

  /** A reorganisation: read the chain again from the birth height. */
  #rewind(): void {
    this.#confirmed = new Map()
    this.#mined = new Map()
    this.#tip = { height: this.#birthHeight - 1, hash: undefined }
  }

  /** Records a transaction the node has just accepted, before the next sync lists it. */
  addToMempool(tx: Transaction): void {
    this.#mempool.set(tx.getId(), tx)
  }

  /** The unspent coins of `owner`: confirmed ones and mempool outputs, less what mempool transactions spend. */
  coins(owner: string): OwnedCoin[] {
    return this.#unspent().filter((coin) => coin.owner === owner)
  }

  #unspent(): OwnedCoin[] {
    const coins = new Map(this.#confirmed)
    // Mempool transactions come in no order: add every output before removing what is spent.
    for (const tx of this.#mempool.values()) this.#addOutputs(coins, tx, undefined)
    for (const tx of this.#mempool.values()) this.#spendInputs(coins, tx)
    return [...coins].map(([outpoint, coin]) => {
      const [txid = '', vout = '0'] = outpoint.split(':')
      const confirmations = coin.height === undefined ? 0 : this.#tip.height - coin.height + 1
      return { txid, vout: Number(vout), value: coin.value, owner: coin.owner, confirmations }
    })
  }

  /** Whether it spent a watched coin. */
  #spendInputs(coins: Map<string, Unspent>, tx: Transaction): boolean {
    let spent = false
    for (const input of tx.ins) spent = coins.delete(`${rpcOrder(input.hash)}:${input.index}`) || spent
    return spent
  }

  /** Whether it paid a watched script. */
  #addOutputs(coins: Map<string, Unspent>, tx: Transaction, height: number | undefined): boolean {
    const txid = tx.getId()
    let paid = false
    tx.outs.forEach((output, vout) => {
      const owner = this.#owners.get(hex(output.script))
      if (owner === undefined) return
      coins.set(`${txid}:${vout}`, { owner, value: output.value, height })
      paid = true
    })
    return paid
  }
}
