// The shapes EthereumLedger takes and returns.
import type {
  Abi,
  Address,
  ContractFunctionArgs,
  ContractFunctionName,
  Hash,
  Hex,
  TransactionReceipt
} from 'viem'
import type { Account, AccountId, Asset, Transfer } from '@stack/ledger-core'

/**
 * The provider shape of EIP-1193: what a browser wallet, a node's in-process provider or viem's
 * own transports offer. Typed loosely (a method, bivariant in its argument) so that every
 * provider's own typing of `request` fits.
 */
export interface Eip1193Provider {
  request(args: { readonly method: string; readonly params?: unknown }): Promise<unknown>
}

/** Where the chain is: a JSON-RPC URL (http or https), or an EIP-1193 provider. */
export type EthereumConnection = { readonly rpcUrl: string } | { readonly provider: Eip1193Provider }

/** How an account signs: a private key this process holds, or an address the node signs for (unlocked). */
export type AccountKey = { readonly privateKey: Hex } | { readonly address: Address }

export interface EthereumLedgerOptions {
  readonly connection: EthereumConnection
  /** Default `{ code: 'ETH', scale: 18 }`: amounts are in wei. */
  readonly asset?: Asset
  /** Accounts to start with, by id. */
  readonly accounts?: Readonly<Record<AccountId, AccountKey>>
  /** How often to poll for a receipt not mined yet, ms. Default 1 000. */
  readonly pollingIntervalMs?: number
}

/** An account of this ledger: its id, its address on the chain, its balance in wei. */
export interface EthereumAccount extends Account {
  readonly address: Address
}

/** What a mined transaction cost and where it went. */
export interface TransactionSummary {
  readonly hash: Hash
  readonly blockNumber: bigint
  readonly gasUsed: bigint
  /** Wei paid per gas. */
  readonly effectiveGasPrice: bigint
  /** gasUsed × effectiveGasPrice: the wei the sender paid for gas. */
  readonly fee: bigint
  /** Set for a deployment. */
  readonly contractAddress: Address | undefined
  /** The receipt as viem decodes it (logs included). */
  readonly receipt: TransactionReceipt
}

/** A transfer on chain: ledger-core's description plus the transaction. `id` is the transaction hash. */
export interface EthereumTransfer extends Transfer {
  readonly transaction: TransactionSummary
}

export type WriteMutability = 'nonpayable' | 'payable'
export type ReadMutability = 'pure' | 'view'

export interface ContractWriteRequest<
  abi extends Abi,
  functionName extends ContractFunctionName<abi, WriteMutability>,
  args extends ContractFunctionArgs<abi, WriteMutability, functionName>
> {
  /** The account that sends the transaction. */
  readonly from: AccountId
  readonly address: Address
  readonly abi: abi
  readonly functionName: functionName
  readonly args?: args
  /** Wei sent with the call. */
  readonly value?: bigint
}

export interface ContractReadRequest<
  abi extends Abi,
  functionName extends ContractFunctionName<abi, ReadMutability>,
  args extends ContractFunctionArgs<abi, ReadMutability, functionName>
> {
  readonly address: Address
  readonly abi: abi
  readonly functionName: functionName
  readonly args?: args
}

export interface DeployRequest {
  readonly from: AccountId
  readonly abi: Abi
  readonly bytecode: Hex
  readonly args?: readonly unknown[]
  readonly value?: bigint
}
