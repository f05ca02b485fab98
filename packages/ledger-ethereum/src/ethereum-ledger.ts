/**
 * A layer-1 adapter over an EVM chain through viem: the ledger's accounts are keys this process
 * holds (or addresses the node unlocks), balances are read from the chain in wei, transfers are
 * ether transactions, and contracts are deployed, called and read with typed ABIs.
 */
import {
  BaseError,
  InsufficientFundsError as ViemInsufficientFundsError,
  createPublicClient,
  createWalletClient,
  defineChain,
  encodeDeployData,
  encodeFunctionData,
  isAddress,
  isHex,
  toHex,
  type Abi,
  type Account as ViemAccount,
  type Address,
  type Chain,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type ContractFunctionReturnType,
  type Hash,
  type Hex,
  type PublicClient,
  type TypedData,
  type TypedDataDefinition,
  type WalletClient
} from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import {
  AccountExistsError,
  IdempotencyConflictError,
  InsufficientFundsError,
  InvalidArgumentError,
  SerialQueue,
  UnknownAccountError,
  checkAccountId,
  checkAmount,
  checkIdempotencyKey,
  type AccountId,
  type AccountOptions,
  type Asset,
  type Ledger,
  type LedgerCapabilityName,
  type TransferRequest
} from '@stack/ledger-core'
import { ContractRevertedError, revertOf } from './errors.js'
import { transportOf } from './transport.js'
import type {
  AccountKey,
  ContractReadRequest,
  ContractWriteRequest,
  DeployRequest,
  EthereumAccount,
  EthereumLedgerOptions,
  EthereumTransfer,
  ReadMutability,
  TransactionSummary,
  WriteMutability
} from './types.js'

interface Signer {
  readonly account: ViemAccount | Address
  readonly address: Address
  readonly queue: SerialQueue
}

interface PendingTransfer {
  readonly body: string
  readonly result: Promise<EthereumTransfer>
}

const defaultAsset: Asset = { code: 'ETH', scale: 18 }

/**
 * `Ledger` over an EVM chain. Account ids name keys (or node-unlocked addresses) registered with
 * `createAccount` (a fresh key) or `importAccount`; the chain holds the balances. A chain has no
 * credit: every account's credit limit is 0.
 *
 * Idempotency keys are remembered in this process only (a chain has no place for them): a
 * replay after a restart sends again. Transfers pay gas on top of the amount, from the sender.
 */
export class EthereumLedger implements Ledger {
  readonly asset: Asset
  readonly capabilities: ReadonlySet<LedgerCapabilityName> = new Set()
  readonly chainId: number
  /** viem's public client, for reads this class does not wrap (logs, blocks). */
  readonly publicClient: PublicClient
  readonly #wallet: WalletClient
  readonly #chain: Chain
  readonly #signers = new Map<AccountId, Signer>()
  readonly #transfers = new Map<string, PendingTransfer>()

  private constructor(asset: Asset, chain: Chain, publicClient: PublicClient, wallet: WalletClient) {
    this.asset = asset
    this.chainId = chain.id
    this.#chain = chain
    this.publicClient = publicClient
    this.#wallet = wallet
  }

  /** Connects to the chain (reads its id) and registers `options.accounts`. */
  static async connect(options: EthereumLedgerOptions): Promise<EthereumLedger> {
    const asset = options.asset ?? defaultAsset
    if (typeof asset.code !== 'string' || asset.code.length === 0 || !Number.isInteger(asset.scale) || asset.scale < 0 || asset.scale > 255) {
      throw new InvalidArgumentError('asset', asset, 'must have a code and a scale in 0..255')
    }
    const pollingInterval = options.pollingIntervalMs ?? 1_000
    if (!(Number.isSafeInteger(pollingInterval) && pollingInterval > 0)) {
      throw new InvalidArgumentError('pollingIntervalMs', pollingInterval, 'must be a positive integer')
    }
    const transport = transportOf(options.connection)
    const probe = createPublicClient({ transport, pollingInterval })
    const id = await probe.getChainId()
    const chain = defineChain({
      id,
      name: `EVM chain ${id}`,
      nativeCurrency: { name: asset.code, symbol: asset.code, decimals: asset.scale },
      rpcUrls: { default: { http: 'rpcUrl' in options.connection ? [options.connection.rpcUrl] : [] } }
    })
    const publicClient = createPublicClient({ chain, transport, pollingInterval }) as PublicClient
    const wallet = createWalletClient({ chain, transport, pollingInterval })
    const ledger = new EthereumLedger(asset, chain, publicClient, wallet)
    for (const [accountId, key] of Object.entries(options.accounts ?? {})) ledger.#register(accountId, key)
    return ledger
  }

  // ---- accounts ---------------------------------------------------------------------------

  /**
   * Makes a fresh key for `id`. Its balance starts at zero: fund it from another account.
   * @throws AccountExistsError, InvalidArgumentError (a bad id, or a credit limit: a chain has no credit)
   */
  async createAccount(id: AccountId, options: AccountOptions = {}): Promise<EthereumAccount> {
    checkAccountId('id', id)
    checkNoCredit(options.creditLimit)
    if (this.#signers.has(id)) throw new AccountExistsError(id)
    const signer = this.#register(id, { privateKey: generatePrivateKey() })
    return { id, address: signer.address, balance: await this.publicClient.getBalance({ address: signer.address }), creditLimit: 0n }
  }

  /** Registers an existing key or node-unlocked address under `id`. @throws AccountExistsError, InvalidArgumentError */
  async importAccount(id: AccountId, key: AccountKey): Promise<EthereumAccount> {
    checkAccountId('id', id)
    if (this.#signers.has(id)) throw new AccountExistsError(id)
    const signer = this.#register(id, key)
    return { id, address: signer.address, balance: await this.publicClient.getBalance({ address: signer.address }), creditLimit: 0n }
  }

  /** The address of account `id`. @throws UnknownAccountError */
  addressOf(id: AccountId): Address {
    return this.#signer(id).address
  }

  /** @throws UnknownAccountError */
  async getAccount(id: AccountId): Promise<EthereumAccount> {
    const { address } = this.#signer(id)
    return { id, address, balance: await this.publicClient.getBalance({ address }), creditLimit: 0n }
  }

  /** @throws UnknownAccountError */
  async getBalance(id: AccountId): Promise<bigint> {
    return this.publicClient.getBalance({ address: this.#signer(id).address })
  }

  /** The balance of any address, in wei. */
  async getAddressBalance(address: Address): Promise<bigint> {
    if (!isAddress(address)) throw new InvalidArgumentError('address', address, 'must be a 20-byte hex address')
    return this.publicClient.getBalance({ address })
  }

  async listAccounts(): Promise<readonly EthereumAccount[]> {
    return Promise.all([...this.#signers.keys()].map((id) => this.getAccount(id)))
  }

  // ---- transfers --------------------------------------------------------------------------

  /**
   * Sends `amount` wei from `from` to `to` in one transaction and waits for it to be mined. The
   * memo, if any, travels as the transaction's data (UTF-8). Gas is paid by `from` on top.
   * @throws InvalidAmountError, InvalidArgumentError, UnknownAccountError, InsufficientFundsError,
   *   IdempotencyConflictError, ContractRevertedError (the receiver is a contract that refused)
   */
  transfer(request: TransferRequest): Promise<EthereumTransfer> {
    try {
      checkIdempotencyKey('idempotencyKey', request.idempotencyKey)
      checkAccountId('from', request.from)
      checkAccountId('to', request.to)
      checkAmount('amount', request.amount)
      if (request.memo !== undefined && typeof request.memo !== 'string') throw new InvalidArgumentError('memo', request.memo, 'must be a string')
      if (request.from === request.to) throw new InvalidArgumentError('to', request.to, 'must differ from from')
      this.#signer(request.from)
      this.#signer(request.to)
    } catch (error) {
      return Promise.reject(error)
    }
    const body = JSON.stringify([request.from, request.to, request.amount.toString(), request.memo ?? null])
    const pending = this.#transfers.get(request.idempotencyKey)
    if (pending !== undefined) {
      return pending.body === body ? pending.result : Promise.reject(new IdempotencyConflictError(request.idempotencyKey))
    }
    const result = this.#send(request)
    const entry = { body, result }
    this.#transfers.set(request.idempotencyKey, entry)
    // A refused transfer records nothing: its key may be used again once the cause is gone.
    result.catch(() => {
      if (this.#transfers.get(request.idempotencyKey) === entry) this.#transfers.delete(request.idempotencyKey)
    })
    return result
  }

  async #send(request: TransferRequest): Promise<EthereumTransfer> {
    const from = this.#signer(request.from)
    const to = this.#signer(request.to).address
    const balance = await this.publicClient.getBalance({ address: from.address })
    if (balance < request.amount) throw new InsufficientFundsError(request.from, balance, request.amount, 0n)
    const data = request.memo === undefined || request.memo === '' ? undefined : toHex(request.memo)
    const transaction = await this.#transact(from, undefined, async () => {
      try {
        return await this.#wallet.sendTransaction({ account: from.account, chain: this.#chain, to, value: request.amount, data })
      } catch (error) {
        if (error instanceof BaseError && error.walk((e) => e instanceof ViemInsufficientFundsError) !== null) {
          // The amount fits, the gas on top does not.
          throw new InsufficientFundsError(request.from, balance, request.amount, 0n)
        }
        throw error
      }
    })
    const block = await this.publicClient.getBlock({ blockNumber: transaction.blockNumber })
    return {
      id: transaction.hash,
      idempotencyKey: request.idempotencyKey,
      from: request.from,
      to: request.to,
      amount: request.amount,
      memo: request.memo,
      createdAt: Number(block.timestamp) * 1000,
      transaction
    }
  }

  /**
   * Sends `value` wei (and `data`) from account `from` to any address: a transfer outside the
   * ledger's own accounts, unbounded by UInt64.
   * @throws UnknownAccountError, ContractRevertedError
   */
  async sendTransaction(request: { readonly from: AccountId; readonly to: Address; readonly value?: bigint; readonly data?: Hex }): Promise<TransactionSummary> {
    const from = this.#signer(request.from)
    if (!isAddress(request.to)) throw new InvalidArgumentError('to', request.to, 'must be a 20-byte hex address')
    return this.#transact(from, undefined, () =>
      this.#wallet.sendTransaction({ account: from.account, chain: this.#chain, to: request.to, value: request.value, data: request.data })
    )
  }

  // ---- contracts --------------------------------------------------------------------------

  /**
   * Deploys a contract from account `from` and waits for it.
   * @throws UnknownAccountError, ContractRevertedError (the constructor reverted)
   */
  async deployContract(request: DeployRequest): Promise<TransactionSummary & { readonly contractAddress: Address }> {
    const from = this.#signer(request.from)
    if (!isHex(request.bytecode)) throw new InvalidArgumentError('bytecode', request.bytecode, 'must be 0x-prefixed hex')
    const data = encodeDeployData({ abi: request.abi, bytecode: request.bytecode, args: request.args ?? [] } as Parameters<typeof encodeDeployData>[0])
    try {
      await this.publicClient.call({ account: from.address, data, value: request.value })
    } catch (error) {
      throw revertOf(error, 'constructor', request.abi)
    }
    const summary = await this.#transact(from, 'constructor', () =>
      this.#wallet.sendTransaction({ account: from.account, chain: this.#chain, data, value: request.value })
    )
    if (summary.contractAddress === undefined) throw new ContractRevertedError('constructor', undefined, [], 'no contract address in the receipt', summary.hash)
    return { ...summary, contractAddress: summary.contractAddress }
  }

  /**
   * Calls a state-changing contract function from account `from` and waits for it to be mined.
   * The call is simulated first: a revert is thrown as `ContractRevertedError` with the
   * contract's custom error decoded by the ABI, and nothing is sent.
   * @throws UnknownAccountError, ContractRevertedError
   */
  async writeContract<
    const abi extends Abi,
    functionName extends ContractFunctionName<abi, WriteMutability>,
    const args extends ContractFunctionArgs<abi, WriteMutability, functionName>
  >(request: ContractWriteRequest<abi, functionName, args>): Promise<TransactionSummary> {
    const from = this.#signer(request.from)
    const call = { address: request.address, abi: request.abi, functionName: request.functionName, args: request.args } as never
    try {
      await this.publicClient.simulateContract({ ...(call as object), account: from.address, value: request.value } as never)
    } catch (error) {
      throw revertOf(error, request.functionName, request.abi)
    }
    const data = encodeFunctionData(call)
    return this.#transact(from, request.functionName, () =>
      this.#wallet.sendTransaction({ account: from.account, chain: this.#chain, to: request.address, data, value: request.value })
    )
  }

  /** Calls a view or pure function. @throws ContractRevertedError */
  async readContract<
    const abi extends Abi,
    functionName extends ContractFunctionName<abi, ReadMutability>,
    const args extends ContractFunctionArgs<abi, ReadMutability, functionName>
  >(request: ContractReadRequest<abi, functionName, args>): Promise<ContractFunctionReturnType<abi, ReadMutability, functionName, args>> {
    try {
      return (await this.publicClient.readContract(request as never)) as ContractFunctionReturnType<abi, ReadMutability, functionName, args>
    } catch (error) {
      throw revertOf(error, request.functionName, request.abi)
    }
  }

  // ---- signing ----------------------------------------------------------------------------

  /** Signs EIP-712 typed data with account `from`'s key (or the node's, for an unlocked address). @throws UnknownAccountError */
  async signTypedData<const typedData extends TypedData | Record<string, unknown>, primaryType extends string>(
    from: AccountId,
    definition: TypedDataDefinition<typedData, primaryType>
  ): Promise<Hex> {
    const signer = this.#signer(from)
    return this.#wallet.signTypedData({ ...(definition as object), account: signer.account } as never)
  }

  /** The chain's latest block timestamp, seconds. */
  async blockTimestamp(): Promise<bigint> {
    return (await this.publicClient.getBlock()).timestamp
  }

  // ---- internals --------------------------------------------------------------------------

  #register(id: AccountId, key: AccountKey): Signer {
    checkAccountId('id', id)
    let signer: Signer
    if ('privateKey' in key) {
      if (!isHex(key.privateKey) || key.privateKey.length !== 66) throw new InvalidArgumentError('privateKey', '(hidden)', 'must be 32 bytes of 0x-prefixed hex')
      const account = privateKeyToAccount(key.privateKey)
      signer = { account, address: account.address, queue: new SerialQueue() }
    } else {
      if (!isAddress(key.address)) throw new InvalidArgumentError('address', key.address, 'must be a 20-byte hex address')
      signer = { account: key.address, address: key.address, queue: new SerialQueue() }
    }
    this.#signers.set(id, signer)
    return signer
  }

  #signer(id: AccountId): Signer {
    const signer = this.#signers.get(id)
    if (signer === undefined) throw new UnknownAccountError(id)
    return signer
  }

  /**
   * Submits one transaction through the account's queue (one submission at a time per account,
   * so each gets the next nonce), then waits for its receipt outside the queue.
   */
  async #transact(from: Signer, functionName: string | undefined, submit: () => Promise<Hash>): Promise<TransactionSummary> {
    const hash = await from.queue.run(submit)
    const receipt =
      (await this.publicClient.getTransactionReceipt({ hash }).catch(() => undefined)) ??
      (await this.publicClient.waitForTransactionReceipt({ hash }))
    if (receipt.status !== 'success') throw new ContractRevertedError(functionName, undefined, [], 'reverted on chain', hash)
    return {
      hash,
      blockNumber: receipt.blockNumber,
      gasUsed: receipt.gasUsed,
      effectiveGasPrice: receipt.effectiveGasPrice,
      fee: receipt.gasUsed * receipt.effectiveGasPrice,
      contractAddress: receipt.contractAddress ?? undefined,
      receipt
    }
  }
}

function checkNoCredit(creditLimit: unknown): void {
  if (creditLimit === undefined || creditLimit === 0n) return
  throw new InvalidArgumentError('creditLimit', creditLimit, 'must be 0n: an account on a chain cannot go below zero')
}
