/**
 * A client of a node's Bitcoin Core–style JSON-RPC (JSON-RPC 1.0 over HTTP with basic auth), as
 * bcoin, Bitcoin Core and litecoind serve it: the calls this package needs, typed, plus `call`
 * for any other.
 */
import { Transaction } from 'bitcoinjs-lib'
import { btcToSats, feeRateSatsPerVbyte } from './amount.js'
import { NodeAnswerError, RpcAuthError, RpcCallError, RpcUnreachableError, TransactionRefusedError } from './errors.js'

export interface BitcoinRpcOptions {
  /** Such as `http://127.0.0.1:18443/`. */
  readonly url: string
  readonly user: string
  readonly password: string
  /**
   * How long `sendRawTransaction` waits for a transaction to appear in the mempool before it
   * calls it refused (bcoin answers with the txid at once and adds the transaction after). Default 3000.
   */
  readonly acceptanceTimeoutMs?: number
  /** How long one call may take before it is `RpcUnreachableError`. Default 30000. */
  readonly requestTimeoutMs?: number
}

export interface BlockchainInfo {
  readonly chain: string
  readonly blocks: number
  readonly bestblockhash: string
}

/** `getblock <hash> 1`: the header fields this package reads, and the txids. */
export interface VerboseBlock {
  readonly hash: string
  readonly height: number
  readonly previousblockhash?: string
  readonly time: number
  readonly tx: readonly string[]
}

export interface MempoolEntry {
  /** The fee in satoshis, exact (read from the node's BTC amount). */
  readonly fee: bigint
  readonly vsize: number
  readonly time: number
}

/** `getrawtransaction <txid> true`: the fields this package reads. */
export interface VerboseTransaction {
  readonly txid: string
  readonly hex: string
  /** 0 (or absent) while in the mempool. */
  readonly confirmations: number
  readonly blockhash?: string
}

export class BitcoinRpc {
  readonly url: string
  readonly #authorization: string
  readonly #acceptanceTimeoutMs: number
  readonly #requestTimeoutMs: number
  #nextId = 1

  constructor(options: BitcoinRpcOptions) {
    this.url = options.url
    this.#authorization = `Basic ${Buffer.from(`${options.user}:${options.password}`).toString('base64')}`
    this.#acceptanceTimeoutMs = options.acceptanceTimeoutMs ?? 3_000
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 30_000
  }

  /** Any RPC method; the `result` as the node sent it. @throws RpcUnreachableError, RpcAuthError, RpcCallError */
  async call<T = unknown>(method: string, params: readonly unknown[] = []): Promise<T> {
    let response: Response
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: this.#authorization },
        body: JSON.stringify({ jsonrpc: '1.0', id: this.#nextId++, method, params }),
        signal: AbortSignal.timeout(this.#requestTimeoutMs)
      })
    } catch (error) {
      throw new RpcUnreachableError(this.url, error instanceof Error && error.cause !== undefined ? error.cause : error)
    }
    if (response.status === 401 || response.status === 403) throw new RpcAuthError(this.url, response.status)
    let text: string
    try {
      text = await response.text()
    } catch (error) {
      throw new RpcUnreachableError(this.url, error)
    }
    let body: { result?: unknown; error?: { code?: number; message?: string } | null }
    try {
      body = JSON.parse(text) as typeof body
    } catch {
      throw new RpcCallError(method, undefined, `HTTP ${response.status}, not JSON: ${text.slice(0, 120)}`)
    }
    if (body.error !== null && body.error !== undefined) {
      throw new RpcCallError(method, body.error.code, body.error.message ?? JSON.stringify(body.error))
    }
    return body.result as T
  }

  getBlockchainInfo(): Promise<BlockchainInfo> {
    return this.call<BlockchainInfo>('getblockchaininfo')
  }

  getBlockHash(height: number): Promise<string> {
    return this.call<string>('getblockhash', [height])
  }

  /** The serialized block, hex. */
  getBlockHex(hash: string): Promise<string> {
    return this.call<string>('getblock', [hash, 0])
  }

  getBlock(hash: string): Promise<VerboseBlock> {
    return this.call<VerboseBlock>('getblock', [hash, 1])
  }

  /** The serialized transaction, hex, from the mempool or the chain (the node needs a transaction index for a mined one). */
  getRawTransactionHex(txid: string): Promise<string> {
    return this.call<string>('getrawtransaction', [txid, false])
  }

  async getRawTransaction(txid: string): Promise<VerboseTransaction> {
    const tx = await this.call<VerboseTransaction & { confirmations?: number }>('getrawtransaction', [txid, true])
    return { ...tx, confirmations: tx.confirmations ?? 0 }
  }

  /** The entry, or undefined when the transaction is not in the mempool. */
  async getMempoolEntry(txid: string): Promise<MempoolEntry | undefined> {
    let entry: { fee?: number; fees?: { base?: number }; vsize?: number; size?: number; time: number }
    try {
      entry = await this.call('getmempoolentry', [txid])
    } catch (error) {
      if (error instanceof RpcCallError) return undefined
      throw error
    }
    // Bitcoin Core ≥ 23 gives `fees.base` only; bcoin and older Core give `fee`.
    const fee = entry.fees?.base ?? entry.fee
    if (fee === undefined) throw new NodeAnswerError('getmempoolentry.fee', fee, 'missing')
    return { fee: btcToSats('getmempoolentry.fee', fee), vsize: entry.vsize ?? entry.size ?? 0, time: entry.time }
  }

  getRawMempool(): Promise<readonly string[]> {
    return this.call<string[]>('getrawmempool', [false])
  }

  /** Satoshis per virtual byte for confirmation within `blocks`, or undefined when the node has no estimate (regtest, a fresh node). */
  async estimateSmartFee(blocks: number): Promise<bigint | undefined> {
    const answer = await this.call<{ feerate?: number; fee?: number }>('estimatesmartfee', [blocks])
    // Bitcoin Core answers `feerate` (or `errors`); bcoin answers `fee`, -1 when it has no estimate.
    const rate = answer.feerate ?? answer.fee
    if (rate === undefined || rate <= 0) return undefined
    return feeRateSatsPerVbyte('estimatesmartfee.feerate', rate)
  }

  /**
   * Hands a signed transaction to the node and returns its txid once the node's mempool holds it
   * (or a block already does). @throws TransactionRefusedError when the node refuses it.
   */
  async sendRawTransaction(tx: Uint8Array | string): Promise<string> {
    const hex = typeof tx === 'string' ? tx : Buffer.from(tx).toString('hex')
    const txid = Transaction.fromHex(hex).getId()
    try {
      await this.call<string>('sendrawtransaction', [hex])
    } catch (error) {
      if (error instanceof RpcCallError) throw new TransactionRefusedError(txid, error.rpcMessage)
      throw error
    }
    // bcoin's answer comes before its mempool has checked the transaction: poll for it.
    const deadline = Date.now() + this.#acceptanceTimeoutMs
    for (;;) {
      if ((await this.getMempoolEntry(txid)) !== undefined) return txid
      if (await this.#isMined(txid)) return txid
      if (Date.now() > deadline) throw new TransactionRefusedError(txid, 'not in the mempool after sendrawtransaction')
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }

  async #isMined(txid: string): Promise<boolean> {
    try {
      return (await this.getRawTransaction(txid)).confirmations > 0
    } catch (error) {
      if (error instanceof RpcCallError) return false
      throw error
    }
  }
}
