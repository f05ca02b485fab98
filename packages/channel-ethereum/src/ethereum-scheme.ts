/**
 * The PaymentChannel contract's side of the claim engine (channel-core `ClaimScheme`): EIP-712
 * claims in the 130-byte proof (claim-proof.ts), channels read from the contract (a started
 * reclaim is `closing`: ours to close with the best claim before the timeout ends), redeemed by
 * `claim` (channel stays open) or `close`, and our channel opened and topped up as `funding` says.
 */
import type { ClaimChannelView, ClaimScheme, OutgoingState, RedeemMode, SignedClaim } from '@stack/channel-core'
import type { AccountId } from '@stack/ledger-core'
import type { EthereumLedger } from '@stack/ledger-ethereum'
import type { Address, Hex } from 'viem'
import { signClaim, verifyClaim, type ClaimDomain } from './claim.js'
import { decodeClaimProof, encodeClaimProof } from './claim-proof.js'
import { DepositExhaustedError, NoOutgoingChannelError } from './errors.js'
import type { OnChainChannel, PaymentChannelContract } from './payment-channel-contract.js'

/** How our channel to the peer is opened and topped up on demand. */
export interface ChannelFunding {
  /** Wei locked when the channel is opened (at least the first payment). */
  readonly deposit: bigint
  /** Wei added when a payment needs more than is locked (at least what it needs). Default `deposit`. */
  readonly topUpAmount?: bigint
  /** The dispute timeout the channel is opened with, seconds. */
  readonly timeoutSeconds: bigint
}

/** Our side as payer: the engine's state and the deposit as we last knew it (we are the only one who adds to it). */
export interface EthereumOutgoingState extends OutgoingState {
  readonly deposit: bigint
}

type Save = (state: EthereumOutgoingState) => void

/** One transaction this endpoint sent to the contract (since the process started), for the operator. */
export interface ChannelTransaction {
  readonly action: 'open' | 'topUp' | 'claim' | 'close' | 'startReclaim' | 'reclaim'
  readonly channelId: string
  readonly hash: Hex
}

/** How many of the latest transactions are kept. */
const TRANSACTIONS = 20

const NO_CHANNEL: EthereumOutgoingState = Object.freeze({ channelId: undefined, sent: 0n, carry: 0n, deposit: 0n })

export class EthereumScheme implements ClaimScheme<Hex, EthereumOutgoingState> {
  /** Our address and the peer's, lowercase (views spell them so). */
  readonly account: string
  readonly peer: string
  /** The latest transactions we sent (oldest first, at most 20): their hashes to look up on the chain. */
  readonly transactions: ChannelTransaction[] = []
  readonly #domain: ClaimDomain
  /** Incoming channels as last read from the contract (ms, the channel's clock), see readChannel. */
  readonly #channels = new Map<string, { readonly channel: OnChainChannel; readonly readAt: number }>()
  #outgoingChecked = false

  constructor(
    readonly ledger: EthereumLedger,
    readonly contract: PaymentChannelContract,
    readonly accountId: AccountId,
    address: Address,
    peer: Address,
    readonly funding: ChannelFunding | undefined,
    readonly now: () => number
  ) {
    this.account = address.toLowerCase()
    this.peer = peer.toLowerCase()
    this.#domain = { chainId: ledger.chainId, verifyingContract: contract.address }
  }

  encodeProof(claim: SignedClaim<Hex>): Uint8Array {
    return encodeClaimProof({ ...claim, channelId: claim.channelId as Hex })
  }

  decodeProof(proof: Uint8Array): SignedClaim<Hex> {
    return decodeClaimProof(proof)
  }

  sign(state: EthereumOutgoingState, amount: bigint): Promise<Hex> {
    return signClaim(this.ledger, this.accountId, this.#domain, state.channelId as Hex, amount)
  }

  /**
   * The channel, from the contract or from what we read of it before. Sender and receiver never
   * change and the deposit only grows; the channel cannot close without us before the sender
   * starts a reclaim and waits out the timeout. So a read that saw no reclaim started stays good
   * for half the timeout (our clock, a margin for the chain's), and for claims within the deposit
   * it saw; otherwise (a reclaim started, a bigger claim, a redemption) the contract is read again.
   */
  async readChannel(channelId: string, amount?: bigint): Promise<ClaimChannelView | undefined> {
    const known = this.#channels.get(channelId)
    const now = this.now()
    if (amount !== undefined && known !== undefined && amount <= known.channel.deposit && now - known.readAt < (Number(known.channel.timeoutSeconds) * 1000) / 2) {
      return view(known.channel)
    }
    const channel = await this.contract.getChannel(channelId as Hex)
    if (channel === undefined || channel.closed || channel.reclaimAt !== undefined) this.#channels.delete(channelId)
    else this.#channels.set(channelId, { channel, readAt: now })
    return channel === undefined ? undefined : view(channel)
  }

  verify(claim: SignedClaim<Hex>, channel: ClaimChannelView): Promise<boolean> {
    return verifyClaim(this.#domain, channel.id as Hex, claim.amount, claim.signature, channel.sender as Address)
  }

  async redeem(claim: SignedClaim<Hex>, channel: ClaimChannelView, mode: RedeemMode): Promise<bigint> {
    const channelId = channel.id as Hex
    const unredeemed = claim.amount - channel.claimed
    this.#channels.delete(channelId)
    if (mode === 'claim') {
      this.record('claim', channelId, await this.contract.claim(this.accountId, channelId, claim.amount, claim.signature))
      return unredeemed
    }
    // Nothing new to claim: close at what was claimed (the contract needs no signature for that).
    if (unredeemed > 0n) this.record('close', channelId, await this.contract.close(this.accountId, channelId, claim.amount, claim.signature))
    else this.record('close', channelId, await this.contract.close(this.accountId, channelId, channel.claimed, '0x'))
    return unredeemed > 0n ? unredeemed : 0n
  }

  outgoing(stored: EthereumOutgoingState | undefined): EthereumOutgoingState {
    return stored ?? NO_CHANNEL
  }

  /**
   * Once per process, the stored channel against the contract: it may have been reclaimed or
   * topped up out of band while we were down (an operator's tool, another process).
   */
  async review(state: EthereumOutgoingState, save: Save): Promise<EthereumOutgoingState> {
    if (state.channelId === undefined || this.#outgoingChecked) return state
    const onChain = await this.contract.getChannel(state.channelId as Hex)
    this.#outgoingChecked = true
    // Closed, or closing: the peer may close it any moment, so a claim on it could be lost.
    const next = onChain === undefined || onChain.closed || onChain.reclaimAt !== undefined ? NO_CHANNEL : { ...state, deposit: onChain.deposit }
    if (next.channelId !== state.channelId || next.deposit !== state.deposit) save(next)
    return next
  }

  async fund(state: EthereumOutgoingState, amount: bigint, save: Save): Promise<EthereumOutgoingState & { channelId: string }> {
    let current: EthereumOutgoingState & { channelId: string }
    if (state.channelId === undefined) {
      if (this.funding === undefined) throw new NoOutgoingChannelError(this.peer)
      current = await this.open(amount > this.funding.deposit ? amount : this.funding.deposit, this.funding.timeoutSeconds, save)
    } else {
      current = { ...state, channelId: state.channelId }
    }
    const needed = current.sent + amount
    if (needed <= current.deposit) return current
    if (this.funding === undefined) throw new DepositExhaustedError(current.channelId, needed, current.deposit)
    const least = needed - current.deposit
    const topUp = (this.funding.topUpAmount ?? this.funding.deposit) > least ? (this.funding.topUpAmount ?? this.funding.deposit) : least
    this.record('topUp', current.channelId, await this.contract.topUp(this.accountId, current.channelId as Hex, topUp))
    current = { ...current, deposit: current.deposit + topUp }
    save(current)
    return current
  }

  async open(deposit: bigint, timeoutSeconds: bigint, save: Save): Promise<EthereumOutgoingState & { channelId: string }> {
    const { channelId, transaction } = await this.contract.open({ from: this.accountId, receiver: this.peer as Address, deposit, timeoutSeconds })
    this.record('open', channelId, transaction)
    const state = { channelId, deposit, sent: 0n, carry: 0n }
    save(state)
    return state
  }

  /** Keeps `transaction` (sent for `action` on `channelId`) among the latest; returns it. */
  record<T extends { readonly hash: Hex }>(action: ChannelTransaction['action'], channelId: string, transaction: T): T {
    this.transactions.push({ action, channelId, hash: transaction.hash })
    if (this.transactions.length > TRANSACTIONS) this.transactions.shift()
    return transaction
  }

  /** Forgets our channel (reclaimed). */
  forget(save: Save): void {
    save(NO_CHANNEL)
  }
}

function view(channel: OnChainChannel): ClaimChannelView {
  return {
    id: channel.id,
    sender: channel.sender.toLowerCase(),
    receiver: channel.receiver.toLowerCase(),
    deposit: channel.deposit,
    claimed: channel.claimed,
    status: channel.closed ? 'closed' : channel.reclaimAt !== undefined ? 'closing' : 'open'
  }
}
