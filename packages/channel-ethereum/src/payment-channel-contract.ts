/**
 * The on-chain side: typed calls to a deployed PaymentChannel contract (contracts/PaymentChannel.sol)
 * through an EthereumLedger. Every refusal of the contract is the ledger's ContractRevertedError
 * with the contract's custom error name (`InvalidSignature`, `ClaimNotIncreasing`, …).
 */
import { parseEventLogs, type Address, type Hex } from 'viem'
import type { AccountId } from '@stack/ledger-core'
import type { EthereumLedger, TransactionSummary } from '@stack/ledger-ethereum'
import { paymentChannelAbi, paymentChannelBytecode } from './generated/payment-channel.js'

/** A channel as the contract holds it. */
export interface OnChainChannel {
  /** 0x + 64 lowercase hex digits. */
  readonly id: Hex
  readonly sender: Address
  readonly receiver: Address
  /** Everything ever locked, wei. */
  readonly deposit: bigint
  /** Everything paid to the receiver so far, wei. */
  readonly claimed: bigint
  /** Seconds the receiver has to close after the sender starts a reclaim. */
  readonly timeoutSeconds: bigint
  /** When the sender may reclaim (chain seconds), or undefined before it started one. */
  readonly reclaimAt: bigint | undefined
  readonly closed: boolean
}

export interface OpenRequest {
  readonly from: AccountId
  readonly receiver: Address
  readonly deposit: bigint
  readonly timeoutSeconds: bigint
}

export class PaymentChannelContract {
  constructor(
    readonly ledger: EthereumLedger,
    readonly address: Address
  ) {}

  /** Deploys a new PaymentChannel contract from account `from`. */
  static async deploy(ledger: EthereumLedger, from: AccountId): Promise<{ contract: PaymentChannelContract; transaction: TransactionSummary }> {
    const transaction = await ledger.deployContract({ from, abi: paymentChannelAbi, bytecode: paymentChannelBytecode })
    return { contract: new PaymentChannelContract(ledger, transaction.contractAddress), transaction }
  }

  /** Opens a channel from `from` to `receiver` with `deposit` wei. */
  async open(request: OpenRequest): Promise<{ channelId: Hex; transaction: TransactionSummary }> {
    const transaction = await this.ledger.writeContract({
      from: request.from,
      address: this.address,
      abi: paymentChannelAbi,
      functionName: 'open',
      args: [request.receiver, request.timeoutSeconds],
      value: request.deposit
    })
    const [opened] = parseEventLogs({ abi: paymentChannelAbi, logs: transaction.receipt.logs, eventName: 'ChannelOpened' })
    if (opened === undefined) throw new Error(`open ${transaction.hash} emitted no ChannelOpened`)
    return { channelId: opened.args.channelId, transaction }
  }

  topUp(from: AccountId, channelId: Hex, amount: bigint): Promise<TransactionSummary> {
    return this.ledger.writeContract({ from, address: this.address, abi: paymentChannelAbi, functionName: 'topUp', args: [channelId], value: amount })
  }

  /** The receiver redeems a claim without closing the channel. */
  claim(from: AccountId, channelId: Hex, amount: bigint, signature: Hex): Promise<TransactionSummary> {
    return this.ledger.writeContract({ from, address: this.address, abi: paymentChannelAbi, functionName: 'claim', args: [channelId, amount, signature] })
  }

  /** The receiver closes with a claim: paid its growth, the remainder back to the sender. */
  close(from: AccountId, channelId: Hex, amount: bigint, signature: Hex): Promise<TransactionSummary> {
    return this.ledger.writeContract({ from, address: this.address, abi: paymentChannelAbi, functionName: 'close', args: [channelId, amount, signature] })
  }

  startReclaim(from: AccountId, channelId: Hex): Promise<TransactionSummary> {
    return this.ledger.writeContract({ from, address: this.address, abi: paymentChannelAbi, functionName: 'startReclaim', args: [channelId] })
  }

  reclaim(from: AccountId, channelId: Hex): Promise<TransactionSummary> {
    return this.ledger.writeContract({ from, address: this.address, abi: paymentChannelAbi, functionName: 'reclaim', args: [channelId] })
  }

  /** The channel, or undefined when the contract has none with this id. */
  async getChannel(channelId: Hex): Promise<OnChainChannel | undefined> {
    const [sender, timeout, closed, receiver, reclaimAt, deposit, claimed] = await this.ledger.readContract({
      address: this.address,
      abi: paymentChannelAbi,
      functionName: 'channels',
      args: [channelId]
    })
    if (/^0x0{40}$/.test(sender)) return undefined
    return { id: channelId, sender, receiver, deposit, claimed, timeoutSeconds: timeout, reclaimAt: reclaimAt === 0n ? undefined : reclaimAt, closed }
  }

  /** The EIP-712 digest the contract checks a claim's signature against. */
  claimDigest(channelId: Hex, amount: bigint): Promise<Hex> {
    return this.ledger.readContract({ address: this.address, abi: paymentChannelAbi, functionName: 'claimDigest', args: [channelId, amount] })
  }
}
