import { ChainForkError } from './errors.js'

/**
 * What a Lightning node needs of a Bitcoin node: blocks, fee estimates and broadcast, over
 * Bitcoin Core–style JSON-RPC. `@stack/ledger-bitcoin`'s `BitcoinRpc` has this shape.
 */
export interface ChainSource {
  getBlockchainInfo(): Promise<{ readonly blocks: number; readonly bestblockhash: string }>
  getBlockHash(height: number): Promise<string>
  /** The serialized block, hex. */
  getBlockHex(hash: string): Promise<string>
  /** sat/vB for confirmation within `blocks`, or undefined when the node has no estimate. */
  estimateSmartFee(blocks: number): Promise<bigint | undefined>
  /** A transaction of the mempool (0 confirmations) or the chain; throws when the node knows none of that id. */
  getRawTransaction(txid: string): Promise<{ readonly confirmations: number }>
  /** The txid once the node's mempool holds it; throws when the node refused it. */
  sendRawTransaction(tx: Uint8Array | string): Promise<string>
}

/** A block as LDK's Listen takes it. */
export interface BlockListener {
  blockConnected(block: Uint8Array, height: number): void
  blockDisconnected(header: Uint8Array, height: number): void
}

export interface BlockPosition {
  readonly height: number
  /** Display order (as the RPC writes it). */
  readonly hash: string
}

/** LDK's 32-byte hashes are in the order they are serialized; RPC prints them reversed. */
export function hashToBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex').reverse())
}

export function bytesToHash(bytes: Uint8Array): string {
  return Buffer.from(bytes).reverse().toString('hex')
}

const HEADER_BYTES = 80

/**
 * Feeds a listener every block from its position to the node's tip, in order, and undoes the
 * blocks a reorganisation took away (LDK requires chain order: each block on the one before).
 */
export class BlockFollower {
  /** height → hash and header of the blocks this follower connected (for undoing them). */
  readonly #connected = new Map<number, { hash: string; header: Uint8Array }>()
  #position: BlockPosition

  constructor(readonly source: ChainSource, readonly listener: BlockListener, position: BlockPosition) {
    this.#position = position
  }

  get position(): BlockPosition {
    return this.#position
  }

  /** Connects the blocks up to the tip; returns how many. */
  async sync(): Promise<number> {
    const info = await this.source.getBlockchainInfo()
    if (info.bestblockhash === this.#position.hash) return 0
    await this.#unwindFork()
    let connected = 0
    for (let height = this.#position.height + 1; height <= info.blocks; height++) {
      const hash = await this.source.getBlockHash(height)
      const block = Uint8Array.from(Buffer.from(await this.source.getBlockHex(hash), 'hex'))
      this.listener.blockConnected(block, height)
      this.#connected.set(height, { hash, header: block.subarray(0, HEADER_BYTES).slice() })
      this.#connected.delete(height - 1_000)
      this.#position = { height, hash }
      connected++
    }
    return connected
  }

  async #unwindFork(): Promise<void> {
    for (;;) {
      const { height, hash } = this.#position
      const onChain = await this.source.getBlockHash(height).catch(() => undefined)
      if (onChain === hash) return
      const undo = this.#connected.get(height)
      if (undo === undefined) throw new ChainForkError(height, hash)
      this.listener.blockDisconnected(undo.header, height)
      this.#connected.delete(height)
      const previous = this.#connected.get(height - 1)?.hash ?? (await this.source.getBlockHash(height - 1))
      this.#position = { height: height - 1, hash: previous }
    }
  }
}
