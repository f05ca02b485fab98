/**
 * ledger-core's `Ledger` on a Bitcoin-family chain: an account is a P2WPKH key from the seed, its
 * balance the coins paying its script, a transfer one signed transaction handed to the node.
 */
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
  type Account,
  type AccountOptions,
  type Asset,
  type Ledger,
  type LedgerCapabilityName,
  type Transfer,
  type TransferRequest
} from '@stack/ledger-core'
import { Transaction, type Network } from 'bitcoinjs-lib'
import { ChainView } from './chain-view.js'
import { dustThreshold, selectCoins, type Payment } from './coin-selection.js'
import { DustOutputError, TransactionRefusedError } from './errors.js'
import { Journal, type JournalRecord } from './journal.js'
import { KeyChain, type AccountKey } from './keys.js'
import { BitcoinRpc, type BitcoinRpcOptions } from './rpc.js'
import { signTransaction } from './transaction.js'

export interface BitcoinLedgerOptions {
  /** The node's JSON-RPC endpoint, or a client of it. */
  readonly rpc: BitcoinRpcOptions | BitcoinRpc
  /** bitcoinjs-lib's `Network`: address prefixes (bcoin's regtest is not Core's `networks.regtest`). */
  readonly network: Network
  /** 16 to 64 bytes: every account key derives from it (BIP 32, BIP 84 paths). */
  readonly seed: Uint8Array
  /** The journal file (account indexes, idempotency keys). Without it nothing survives a restart. */
  readonly statePath?: string
  /**
   * An account whose coins pay the fee of every transaction from another account, so that the
   * sender's balance falls by the amount alone. Without it the sender pays the fee on top.
   */
  readonly feePayer?: string
  /** Confirmations after which a transfer is final, and coins count in `finalBalance`. Default 1. */
  readonly confirmations?: number
  /**
   * Satoshis per virtual byte of Bitcoin Core's dust rule (see `dustThreshold`; default 3: a
   * P2WPKH output under 294 sat, a P2WSH one under 330, is dust). Dust outputs are refused and
   * dust change goes to the fee. 0n turns the rule off, for a node that relays dust (bcoin's regtest).
   */
  readonly dustRelayFee?: bigint
  /** estimatesmartfee's target, in blocks. Default 6. */
  readonly feeTargetBlocks?: number
  /** Satoshis per virtual byte when the node has no estimate (regtest, a fresh node). Default 2. */
  readonly fallbackFeeRate?: bigint
}

export interface BitcoinAccount extends Account {
  readonly address: string
  /** Coins with at least `confirmations` confirmations that no mempool transaction spends. `balance` counts mempool coins too. */
  readonly finalBalance: bigint
}

export interface BitcoinTransfer extends Transfer {
  /** The same as `id`. */
  readonly txid: string
  /** Paid by the fee payer, or by the sender on top of the amount. */
  readonly fee: bigint
}

export interface BuildTransactionRequest {
  readonly from: string
  /** Any output scripts (a P2WSH channel funding script, say), values in satoshis. */
  readonly outputs: readonly Payment[]
}

export interface BuiltTransaction {
  /** The signed transaction (segwit serialization): every input is a P2WPKH coin. */
  readonly tx: Uint8Array
  readonly txid: string
  readonly fee: bigint
}

interface TransferEntry {
  readonly request: { readonly from: string; readonly to: string; readonly amount: bigint; readonly memo: string | undefined }
  readonly transfer: BitcoinTransfer
  /** The signed transaction. */
  readonly hex: string
}

export class BitcoinLedger implements Ledger {
  readonly asset: Asset = { code: 'BTC', scale: 8 }
  readonly capabilities: ReadonlySet<LedgerCapabilityName> = new Set()
  readonly rpc: BitcoinRpc
  readonly network: Network
  readonly #keys: KeyChain
  readonly #view: ChainView
  readonly #journal: Journal<JournalRecord>
  readonly #options: BitcoinLedgerOptions
  readonly #accounts = new Map<string, AccountKey>()
  readonly #transfers = new Map<string, TransferEntry>()
  /** Coins of transactions built but not broadcast yet ("txid:vout"), so no other spends them. */
  readonly #reserved = new Map<string, readonly string[]>()
  /** Every spend, one at a time: two could pick the same coins. */
  readonly #spending = new SerialQueue()

  private constructor(options: BitcoinLedgerOptions, rpc: BitcoinRpc, keys: KeyChain, journal: Journal<JournalRecord>, birthHeight: number) {
    this.#options = options
    this.rpc = rpc
    this.network = options.network
    this.#keys = keys
    this.#journal = journal
    this.#view = new ChainView(rpc, birthHeight)
  }

  /** Opens the ledger: reads its journal, follows the chain from its birth height, and rebroadcasts any journaled transaction the node lacks. */
  static async open(options: BitcoinLedgerOptions): Promise<BitcoinLedger> {
    if (!(options.seed instanceof Uint8Array) || options.seed.length < 16 || options.seed.length > 64) {
      throw new InvalidArgumentError('seed', options.seed, 'must be 16 to 64 bytes')
    }
    const rpc = options.rpc instanceof BitcoinRpc ? options.rpc : new BitcoinRpc(options.rpc)
    const keys = new KeyChain(options.seed, options.network)
    const journal = new Journal<JournalRecord>(options.statePath)
    let birth = journal.records.find((record) => record.type === 'birth')
    if (birth === undefined) {
      birth = { type: 'birth', height: (await rpc.getBlockchainInfo()).blocks + 1, fingerprint: keys.fingerprint }
      journal.append(birth)
    } else if (birth.fingerprint !== keys.fingerprint) {
      journal.close()
      throw new InvalidArgumentError('seed', `fingerprint ${keys.fingerprint}`, `is not the seed of ${options.statePath} (fingerprint ${birth.fingerprint})`)
    }
    const ledger = new BitcoinLedger(options, rpc, keys, journal, birth.height)
    for (const record of journal.records) ledger.#replay(record)
    await ledger.#view.sync()
    await ledger.#rebroadcast()
    return ledger
  }

  /** Closes the journal file; the node is left running. */
  close(): void {
    this.#journal.close()
  }

  async createAccount(id: string, options: AccountOptions = {}): Promise<BitcoinAccount> {
    checkAccountId('id', id)
    const creditLimit = options.creditLimit ?? 0n
    if (creditLimit !== 0n) throw new InvalidArgumentError('creditLimit', creditLimit, 'a chain gives no credit: must be 0n')
    if (this.#accounts.has(id)) throw new AccountExistsError(id)
    const record = { type: 'account', id, index: this.#accounts.size } as const
    this.#journal.append(record)
    this.#replay(record)
    return this.getAccount(id)
  }

  async getAccount(id: string): Promise<BitcoinAccount> {
    this.#key(id)
    await this.#view.sync()
    return this.#account(id)
  }

  async getBalance(id: string): Promise<bigint> {
    return (await this.getAccount(id)).balance
  }

  async listAccounts(): Promise<readonly BitcoinAccount[]> {
    await this.#view.sync()
    return [...this.#accounts.keys()].map((id) => this.#account(id))
  }

  #account(id: string): BitcoinAccount {
    const coins = this.#view.coins(id)
    const final = this.#options.confirmations ?? 1
    const sum = (selected: readonly { value: bigint }[]): bigint => selected.reduce((total, coin) => total + coin.value, 0n)
    return { id, balance: sum(coins), creditLimit: 0n, address: this.#key(id).address, finalBalance: sum(coins.filter((coin) => coin.confirmations >= final)) }
  }

  /** The account's P2WPKH address. @throws UnknownAccountError */
  address(id: string): string {
    return this.#key(id).address
  }

  /**
   * Confirmations of a transaction that pays or spends the ledger's accounts (a transfer, a
   * funding): 0 in the mempool, undefined when the node has it in neither (since the ledger's
   * birth). Read from the blocks the ledger follows: the node needs no transaction index.
   */
  async confirmations(txid: string): Promise<number | undefined> {
    await this.#view.sync()
    return this.#view.confirmations(txid)
  }

  /** Whether the transaction has the `confirmations` the ledger calls final. */
  async isFinal(txid: string): Promise<boolean> {
    return ((await this.confirmations(txid)) ?? 0) >= (this.#options.confirmations ?? 1)
  }

  async transfer(request: TransferRequest): Promise<BitcoinTransfer> {
    const amount = checkAmount('amount', request.amount)
    const idempotencyKey = checkIdempotencyKey('idempotencyKey', request.idempotencyKey)
    const body = { from: request.from, to: request.to, amount, memo: request.memo }
    if (body.from === body.to) throw new InvalidArgumentError('to', body.to, 'must differ from `from`')
    if (body.memo !== undefined && typeof body.memo !== 'string') throw new InvalidArgumentError('memo', body.memo, 'must be a string')
    this.#key(body.from)
    const payee = this.#key(body.to)
    return this.#spending.run(async () => {
      const done = this.#transfers.get(idempotencyKey)
      if (done !== undefined) {
        const same = done.request.from === body.from && done.request.to === body.to && done.request.amount === amount && done.request.memo === body.memo
        if (!same) throw new IdempotencyConflictError(idempotencyKey)
        // Sent again when the node has lost it (never heard it, or a reorganisation undid its block).
        await this.#resend(done)
        return done.transfer
      }
      const built = await this.#build(body.from, [{ script: payee.script, value: amount }])
      const record = {
        type: 'transfer',
        idempotencyKey,
        from: body.from,
        to: body.to,
        amount: amount.toString(),
        ...(body.memo === undefined ? {} : { memo: body.memo }),
        txid: built.txid,
        hex: built.tx.toHex(),
        fee: built.fee.toString(),
        createdAt: Date.now()
      } as const
      // Journaled before it is broadcast: if the node never hears of it (a crash, a lost
      // connection), a replay of the key or the next `open` sends these same bytes.
      this.#journal.append(record)
      const entry = this.#remember(record)
      await this.#resend(entry, true)
      return entry.transfer
    })
  }

  /**
   * Signs a transaction from `from` to any output scripts, without broadcasting it; its coins
   * are held back from other spends (in this process) until `broadcast` or `release`. The fee
   * follows the ledger's rule (the fee payer's, or the sender's on top).
   * @throws UnknownAccountError, InvalidArgumentError, InvalidAmountError, DustOutputError, InsufficientFundsError
   */
  async buildTransaction(request: BuildTransactionRequest): Promise<BuiltTransaction> {
    this.#key(request.from)
    if (!Array.isArray(request.outputs) || request.outputs.length === 0) throw new InvalidArgumentError('outputs', request.outputs, 'must be a non-empty array')
    request.outputs.forEach((output, index) => {
      if (!(output.script instanceof Uint8Array) || output.script.length === 0) throw new InvalidArgumentError(`outputs[${index}].script`, output.script, 'must be a non-empty Uint8Array')
      checkAmount(`outputs[${index}].value`, output.value)
    })
    return this.#spending.run(async () => {
      const built = await this.#build(request.from, request.outputs)
      this.#reserved.set(built.txid, built.tx.ins.map((input) => outpoint(input)))
      return { tx: built.tx.toBuffer(), txid: built.txid, fee: built.fee }
    })
  }

  /** Hands a signed transaction to the node; its txid once the mempool holds it. @throws TransactionRefusedError */
  broadcast(tx: Uint8Array): Promise<string> {
    return this.#spending.run(() => this.#send(Transaction.fromBuffer(tx)))
  }

  /** Gives back the coins of a built transaction that will not be broadcast. */
  release(txid: string): void {
    this.#reserved.delete(txid)
  }

  async #build(from: string, outputs: readonly Payment[]): Promise<{ tx: Transaction; txid: string; fee: bigint }> {
    const dustRelayFee = this.#options.dustRelayFee ?? 3n
    outputs.forEach((output, index) => {
      const dust = dustThreshold(output.script, dustRelayFee)
      if (output.value < dust) throw new DustOutputError(outputs.length === 1 ? 'amount' : `outputs[${index}].value`, output.value, dust)
    })
    const feePayer = this.#options.feePayer !== undefined && this.#options.feePayer !== from ? this.#options.feePayer : undefined
    const sender = this.#key(from)
    const payerKey = feePayer === undefined ? undefined : this.#key(feePayer)
    await this.#view.sync()
    const reserved = new Set([...this.#reserved.values()].flat())
    const spendable = (owner: string) => this.#view.coins(owner).filter((coin) => !reserved.has(`${coin.txid}:${coin.vout}`))
    const feeRate = (await this.rpc.estimateSmartFee(this.#options.feeTargetBlocks ?? 6)) ?? this.#options.fallbackFeeRate ?? 2n
    const coins = spendable(from)
    const dustLimit = dustThreshold(sender.script, dustRelayFee)
    const selection = selectCoins({
      coins,
      payments: outputs,
      feeRate,
      dustLimit,
      ...(feePayer === undefined ? {} : { feeCoins: spendable(feePayer) })
    })
    if (!selection.ok) {
      if (selection.party === 'dust-change') throw new DustOutputError('change', selection.change, dustLimit)
      // `amount`: what the transaction would take from that account (the fee included when it pays it).
      throw new InsufficientFundsError(selection.party === 'sender' ? from : (feePayer as string), selection.available, selection.needed, 0n)
    }
    const payerScript = payerKey?.script ?? sender.script
    const tx = signTransaction(
      this.network,
      [...selection.inputs.map((coin) => ({ coin, key: sender })), ...selection.feeInputs.map((coin) => ({ coin, key: payerKey as AccountKey }))],
      [
        ...outputs,
        ...(selection.change > 0n ? [{ script: sender.script, value: selection.change }] : []),
        ...(selection.feeChange > 0n ? [{ script: payerScript, value: selection.feeChange }] : [])
      ]
    )
    return { tx, txid: tx.getId(), fee: selection.fee }
  }

  async #send(tx: Transaction): Promise<string> {
    const txid = await this.rpc.sendRawTransaction(tx.toHex())
    this.#reserved.delete(txid)
    this.#view.addToMempool(tx)
    return txid
  }

  /** Journaled transfers not known to be sent: sent again (or marked refused). */
  async #rebroadcast(): Promise<void> {
    for (const entry of this.#transfers.values()) {
      try {
        await this.#resend(entry)
      } catch (error) {
        if (!(error instanceof TransactionRefusedError)) throw error
      }
    }
  }

  /**
   * Makes sure the node has the transfer's transaction, in its mempool or a block it follows;
   * sends it otherwise (at once when `fresh`: just built, the node cannot know it). A refusal is
   * journaled and forgets the key (nothing moved); any other failure leaves it to the next
   * replay or `open`.
   */
  async #resend(entry: TransferEntry, fresh = false): Promise<void> {
    try {
      if (!fresh) await this.#view.sync()
      if (fresh || this.#view.confirmations(entry.transfer.txid) === undefined) await this.#send(Transaction.fromHex(entry.hex))
    } catch (error) {
      if (error instanceof TransactionRefusedError) {
        this.#journal.append({ type: 'refused', idempotencyKey: entry.transfer.idempotencyKey })
        this.#transfers.delete(entry.transfer.idempotencyKey)
      }
      throw error
    }
  }

  #replay(record: JournalRecord): void {
    if (record.type === 'account') {
      const key = this.#keys.key(record.index)
      this.#accounts.set(record.id, key)
      this.#view.watch(key.script, record.id)
    } else if (record.type === 'transfer') {
      this.#remember(record)
    } else if (record.type === 'refused') {
      this.#transfers.delete(record.idempotencyKey)
    }
  }

  #remember(record: JournalRecord & { type: 'transfer' }): TransferEntry {
    const amount = BigInt(record.amount)
    const { txid, idempotencyKey, from, to, memo, createdAt } = record
    const transfer = { id: txid, txid, idempotencyKey, from, to, amount, memo, fee: BigInt(record.fee), createdAt }
    const entry = { request: { from, to, amount, memo }, transfer, hex: record.hex }
    this.#transfers.set(idempotencyKey, entry)
    return entry
  }

  #key(id: string): AccountKey {
    const key = this.#accounts.get(id)
    if (key === undefined) throw new UnknownAccountError(id)
    return key
  }
}

function outpoint(input: { hash: Uint8Array; index: number }): string {
  return `${Buffer.from(Uint8Array.from(input.hash).reverse()).toString('hex')}:${input.index}`
}
