/**
 * @stack/ledger-ethereum — the layer-1 adapter for EVM chains, through viem: accounts (keys this
 * process holds, or addresses the node unlocks), balances and transfers in wei, and typed
 * contract deployment, calls and reads, over a JSON-RPC URL or an EIP-1193 provider. A contract
 * call that reverts is a `ContractRevertedError` naming the contract's own error.
 *
 * ```ts
 * import { EthereumLedger } from '@stack/ledger-ethereum'
 *
 * const ledger = await EthereumLedger.connect({
 *   connection: { rpcUrl: 'http://127.0.0.1:8545' },
 *   accounts: { alice: { privateKey: '0x…' } }
 * })
 * await ledger.createAccount('bob') // a fresh key
 * const transfer = await ledger.transfer({ idempotencyKey: 'pay-1', from: 'alice', to: 'bob', amount: 10n ** 15n })
 * console.log(transfer.id, `gas ${transfer.transaction.gasUsed}`, await ledger.getBalance('bob'))
 * ```
 */
export { EthereumLedger } from './ethereum-ledger.js'
export type {
  AccountKey,
  ContractReadRequest,
  ContractWriteRequest,
  DeployRequest,
  Eip1193Provider,
  EthereumAccount,
  EthereumConnection,
  EthereumLedgerOptions,
  EthereumTransfer,
  TransactionSummary
} from './types.js'
export { ContractRevertedError } from './errors.js'
