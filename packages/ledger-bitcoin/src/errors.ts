/**
 * The failures particular to a Bitcoin node: its JSON-RPC endpoint (unreachable, wrong
 * credentials, an RPC error) and a transaction its mempool refused. Everything else the ledger
 * refuses is one of ledger-core's named errors (InsufficientFundsError, IdempotencyConflictError …).
 */
import { LedgerError } from '@stack/ledger-core'

/** The base of every failure of the node's JSON-RPC endpoint. Never thrown itself. */
export abstract class BitcoinRpcError extends Error {
  abstract override readonly name: string
}

/** No answer from the endpoint: connection refused or reset, no HTTP response in time. */
export class RpcUnreachableError extends BitcoinRpcError {
  override readonly name = 'RpcUnreachableError'
  constructor(readonly url: string, cause: unknown) {
    super(`the Bitcoin node at ${url} is unreachable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause })
  }
}

/** The node refused the credentials (HTTP 401 or 403). */
export class RpcAuthError extends BitcoinRpcError {
  override readonly name = 'RpcAuthError'
  constructor(readonly url: string, readonly status: number) {
    super(`the Bitcoin node at ${url} refused the RPC credentials (HTTP ${status})`)
  }
}

/** The node answered a call with a JSON-RPC error (or an answer this client cannot read). */
export class RpcCallError extends BitcoinRpcError {
  override readonly name = 'RpcCallError'
  constructor(readonly method: string, readonly code: number | undefined, readonly rpcMessage: string) {
    super(`${method}: ${rpcMessage}${code === undefined ? '' : ` (code ${code})`}`)
  }
}

/**
 * The node did not accept the transaction into its mempool: Bitcoin Core answers
 * `sendrawtransaction` with an error; bcoin answers with the txid and drops it, so acceptance is
 * checked with `getmempoolentry`. Nothing was spent.
 */
export class TransactionRefusedError extends LedgerError {
  override readonly name = 'TransactionRefusedError'
  constructor(readonly txid: string, readonly reason: string) {
    super(`the node refused transaction ${txid}: ${reason}`)
  }
}

/** An output would be below the dust limit (a node's relay policy refuses it). Nothing was signed. */
export class DustOutputError extends LedgerError {
  override readonly name = 'DustOutputError'
  constructor(readonly field: string, readonly value: bigint, readonly dustLimit: bigint) {
    super(`${field} of ${value} sat is below the dust limit of ${dustLimit} sat`)
  }
}

/** A value read from the node is not what it must be (a fractional satoshi, a malformed field). */
export class NodeAnswerError extends Error {
  override readonly name = 'NodeAnswerError'
  constructor(readonly field: string, readonly value: unknown, readonly reason: string) {
    super(`${field}: ${reason}, got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`)
  }
}

/** A complete line of a journal file that is not JSON (a torn last line is cut, not this). */
export class JournalReadError extends Error {
  override readonly name = 'JournalReadError'
  constructor(readonly path: string, readonly line: number, cause: unknown) {
    super(`${path}: line ${line} is not JSON`, { cause })
  }
}
