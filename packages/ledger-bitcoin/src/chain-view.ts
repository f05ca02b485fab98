/**
 * The coins of a set of watched output scripts, followed from the node: every block from a birth
 * height (raw blocks, decoded here), then the mempool. The node needs no wallet and no address
 * index; a reorganisation (a block whose parent is not the tip followed) rescans from the birth.
 */
import { Block, Transaction } from 'bitcoinjs-lib'
import type { Coin } from './coin-selection.js'
import type { BitcoinRpc } from './rpc.js'
import { SerialQueue } from '@stack/ledger-core'

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
  readonly #rpc: BitcoinRpc
  readonly #birthHeight: number
  readonly #owners = new Map<string, string>() // script hex → owner
  #confirmed = new Map<string, Unspent>() // "txid:vout" → coin
  #tip: { height: number; hash: string | undefined }
  #mempool = new Map<string, Transaction>()
  readonly #syncs = new SerialQueue()

  constructor(rpc: BitcoinRpc, birthHeight: number) {
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
      const { blocks } = await this.#rpc.getBlockchainInfo()
      while (this.#tip.height < blocks) {
        const height = this.#tip.height + 1
        const hash = await this.#rpc.getBlockHash(height)
        const block = Block.fromHex(await this.#rpc.getBlockHex(hash))
        if (this.#tip.hash !== undefined && (block.prevHash === undefined || rpcOrder(block.prevHash) !== this.#tip.hash)) {
          this.#confirmed = new Map()
          this.#tip = { height: this.#birthHeight - 1, hash: undefined }
          continue
        }
        for (const tx of block.transactions ?? []) {
          this.#spendInputs(this.#confirmed, tx)
          this.#addOutputs(this.#confirmed, tx, height)
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

  #spendInputs(coins: Map<string, Unspent>, tx: Transaction): void {
    for (const input of tx.ins) coins.delete(`${rpcOrder(input.hash)}:${input.index}`)
  }

  #addOutputs(coins: Map<string, Unspent>, tx: Transaction, height: number | undefined): void {
    const txid = tx.getId()
    tx.outs.forEach((output, vout) => {
      const owner = this.#owners.get(hex(output.script))
      if (owner !== undefined) coins.set(`${txid}:${vout}`, { owner, value: output.value, height })
    })
  }
}
