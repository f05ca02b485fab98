/**
 * @stack/ledger-bitcoin — ledger-core's `Ledger` on a Bitcoin-family chain, over the node's
 * Bitcoin Core–style JSON-RPC: P2WPKH accounts derived from one seed, transfers as transactions
 * signed here with bitcoinjs-lib, balances followed from the node's blocks and mempool.
 *
 * ```ts
 * import { BitcoinLedger } from '@stack/ledger-bitcoin'
 * import { networks } from 'bitcoinjs-lib'
 *
 * const ledger = await BitcoinLedger.open({
 *   rpc: { url: 'http://127.0.0.1:18443/', user: 'u', password: 'p' },
 *   network: networks.regtest,
 *   seed, statePath: 'ledger.jsonl'
 * })
 * await ledger.createAccount('alice')
 * ```
 */
export { BitcoinLedger } from './bitcoin-ledger.js'
export type { BitcoinAccount, BitcoinLedgerOptions, BitcoinTransfer, BuildTransactionRequest, BuiltTransaction } from './bitcoin-ledger.js'
export { BitcoinRpc } from './rpc.js'
export type { BitcoinRpcOptions, BlockchainInfo, MempoolEntry, VerboseBlock, VerboseTransaction } from './rpc.js'
export type { Payment } from './coin-selection.js'
export { MAX_MONEY, btcToSats, satsToBtc } from './amount.js'
export { Journal } from './journal.js'
export {
  BitcoinRpcError,
  DustOutputError,
  JournalReadError,
  NodeAnswerError,
  RpcAuthError,
  RpcCallError,
  RpcUnreachableError,
  TransactionRefusedError
} from './errors.js'
