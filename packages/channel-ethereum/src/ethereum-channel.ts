/**
 * The off-chain side of an Ethereum payment channel as a channel-core `Channel`, both ways with
 * one peer: pays with EIP-712 cumulative claims on our channel to the peer, and receives, checks,
 * keeps and redeems the peer's claims on its channel to us.
 */
import { InvalidAmountError, MAX_UINT64, type Channel, type ChannelTotals, type ClaimCarrier, type IncomingValue, type RequestOptions, type ValueHandler } from '@stack/channel-core'
import { SerialQueue, type AccountId } from '@stack/ledger-core'
import type { EthereumLedger, TransactionSummary } from '@stack/ledger-ethereum'
import { isAddress, type Address, type Hex } from 'viem'
import { signClaim, verifyClaim, type ClaimDomain } from './claim.js'
import { decodeClaimProof, encodeClaimProof } from './claim-proof.js'
import { MemoryClaimStore, type ClaimStore, type IncomingClaim, type OutgoingState } from './claim-store.js'
import {
  ChannelShutDownError,
  ClaimChannelClosedError,
  ClaimExceedsDepositError,
  ClaimNotIncreasingError,
  ClaimSignatureError,
  ClaimWrongChannelError,
  DepositExhaustedError,
  InvalidChannelOptionError,
  NoOutgoingChannelError,
  NoValueHandlerError
} from './errors.js'
import { PaymentChannelContract, type OnChainChannel } from './payment-channel-contract.js'

/** How our channel to the peer is opened and topped up on demand. */
export interface ChannelFunding {
  /** Wei locked when the channel is opened (at least the first payment). */
  readonly deposit: bigint
  /** Wei added when a payment needs more than is locked (at least what it needs). Default `deposit`. */
  readonly topUpAmount?: bigint
  /** The dispute timeout the channel is opened with, seconds. */
  readonly timeoutSeconds: bigint
}

export interface EthereumChannelOptions {
  readonly ledger: EthereumLedger
  /** The deployed PaymentChannel contract. */
  readonly contract: Address
  /** Our account on the ledger: sends our channel's transactions, signs our claims, receives the peer's. */
  readonly account: AccountId
  /** The peer's address: the receiver of our channel, the sender of the channels we accept claims on. */
  readonly peerAddress: Address
  readonly carrier: ClaimCarrier
  /** Default: a MemoryClaimStore, forgotten on restart; a SqliteClaimStore keeps the claims in a file. */
  readonly store?: ClaimStore
  /** Without it, `sendValue` needs a channel opened with `openChannel`. */
  readonly funding?: ChannelFunding
  /** Redeem (claim on chain, without closing) once a channel's unredeemed claims reach this much wei. */
  readonly redeemThreshold?: bigint
}

/**
 * A channel-core `Channel` over the PaymentChannel contract.
 *
 * Paying: `sendValue(amount)` signs the next cumulative claim on our channel to the peer
 * (opening or topping it up first when `funding` says so) and hands it to the carrier as the
 * proof. Only when the peer accepts is the new cumulative amount recorded: a refused or lost
 * claim is signed over by the next one, and the peer credits only a claim's growth over the best
 * it holds.
 *
 * Receiving: a claim is checked against the contract (a channel from the peer to us, open,
 * within its deposit, above the best claim, signed by its sender over the EIP-712 claim of this
 * contract and chain), stored, and only then its growth passed to the value handler; if the
 * handler refuses, the stored claim is put back. `redeem` claims on chain without closing,
 * `settle` closes with the best claim, `tick` closes any channel whose sender started a reclaim
 * (the dispute window is ours to close in).
 *
 * Totals (`totals()`): each accepted payment and each credited claim adds to the store's total
 * sent or received in the same write as the claim, for the books to follow (channel-core `ChannelTotals`).
 */
export class EthereumChannel implements Channel {
  readonly contract: PaymentChannelContract
  readonly #ledger: EthereumLedger
  readonly #account: AccountId
  readonly #address: Address
  readonly #peer: Address
  readonly #carrier: ClaimCarrier
  readonly #store: ClaimStore
  readonly #funding: ChannelFunding | undefined
  readonly #redeemThreshold: bigint | undefined
  readonly #domain: ClaimDomain
  readonly #outgoing = new SerialQueue()
  readonly #incoming = new SerialQueue()
  /** Incoming channels as last read from the contract (ms, local clock), see #incomingChannel. */
  readonly #channels = new Map<Hex, { readonly channel: OnChainChannel; readonly readAt: number }>()
  #handler: ValueHandler | undefined
  #closed = false
  #outgoingChecked = false

  constructor(options: EthereumChannelOptions) {
    if (!isAddress(options.contract)) throw new InvalidChannelOptionError('contract', options.contract, 'must be an address')
    if (!isAddress(options.peerAddress)) throw new InvalidChannelOptionError('peerAddress', options.peerAddress, 'must be an address')
    const address = options.ledger.addressOf(options.account)
    if (address.toLowerCase() === options.peerAddress.toLowerCase()) throw new InvalidChannelOptionError('peerAddress', options.peerAddress, 'must differ from our address')
    checkPositive('funding.deposit', options.funding?.deposit)
    checkPositive('funding.topUpAmount', options.funding?.topUpAmount)
    checkPositive('redeemThreshold', options.redeemThreshold)
    if (options.funding !== undefined && !(typeof options.funding.timeoutSeconds === 'bigint' && options.funding.timeoutSeconds >= 0n && options.funding.timeoutSeconds < 1n << 64n)) {
      throw new InvalidChannelOptionError('funding.timeoutSeconds', options.funding.timeoutSeconds, 'must be a uint64 bigint')
    }
    this.#ledger = options.ledger
    this.contract = new PaymentChannelContract(options.ledger, options.contract)
    this.#account = options.account
    this.#address = address
    this.#peer = options.peerAddress
    this.#carrier = options.carrier
    this.#store = options.store ?? new MemoryClaimStore()
    this.#funding = options.funding
    this.#redeemThreshold = options.redeemThreshold
    this.#domain = { chainId: options.ledger.chainId, verifyingContract: options.contract }
    this.#carrier.setValueHandler((value) => this.#receive(value))
  }

  // ---- paying -----------------------------------------------------------------------------

  /** Pays `amount` wei with the next cumulative claim. Rejects with what the contract or the peer refused. */
  async sendValue(amount: bigint, options: RequestOptions = {}): Promise<void> {
    if (typeof amount !== 'bigint' || amount < 0n || amount > MAX_UINT64) throw new InvalidAmountError('amount', amount)
    if (this.#closed) throw new ChannelShutDownError()
    if (amount === 0n) return
    await this.#outgoing.run(async () => {
      const state = await this.#prepareOutgoing(amount)
      const cumulative = state.sent + amount
      const signature = await signClaim(this.#ledger, this.#account, this.#domain, state.channelId, cumulative)
      await this.#carrier.sendValue(amount, { ...options, proof: encodeClaimProof({ channelId: state.channelId, amount: cumulative, signature }) })
      this.#store.putOutgoing({ ...state, sent: cumulative }, this.totals().sent + amount)
    })
  }

  /** What the peer accepted from us and we from it, in all, from the claim store (channel-core `ChannelTotals`). */
  totals(): ChannelTotals {
    return this.#store.getTotals()
  }

  /** Opens our channel to the peer now (instead of on the first payment). Replaces a channel we had. */
  openChannel(deposit: bigint, timeoutSeconds = this.#funding?.timeoutSeconds): Promise<Hex> {
    checkPositive('deposit', deposit)
    if (timeoutSeconds === undefined) return Promise.reject(new InvalidChannelOptionError('timeoutSeconds', timeoutSeconds, 'is needed without funding'))
    return this.#outgoing.run(async () => (await this.#open(deposit, timeoutSeconds)).channelId)
  }

  /** Our channel to the peer as the contract holds it, or undefined before we opened one. */
  async outgoingChannel(): Promise<OnChainChannel | undefined> {
    const channelId = this.#store.getOutgoing()?.channelId
    return channelId === undefined ? undefined : this.contract.getChannel(channelId)
  }

  /** Starts the dispute timeout on our channel: the peer may close with its best claim until it ends. */
  startReclaim(): Promise<TransactionSummary> {
    return this.#outgoing.run(async () => this.contract.startReclaim(this.#account, this.#outgoingChannelId()))
  }

  /** Withdraws what the peer did not claim, once the timeout has passed; forgets the channel. */
  reclaim(): Promise<TransactionSummary> {
    return this.#outgoing.run(async () => {
      const summary = await this.contract.reclaim(this.#account, this.#outgoingChannelId())
      this.#store.putOutgoing(undefined)
      return summary
    })
  }

  async #prepareOutgoing(amount: bigint): Promise<OutgoingState> {
    let state = this.#store.getOutgoing()
    // Once per process, the stored channel against the contract: it may have been reclaimed or
    // topped up out of band while we were down (an operator's tool, another process).
    if (state !== undefined && !this.#outgoingChecked) {
      const onChain = await this.contract.getChannel(state.channelId)
      if (onChain === undefined || onChain.closed || onChain.reclaimAt !== undefined) {
        // Closed, or closing: the peer may close it any moment, so a claim on it could be lost.
        state = undefined
        this.#store.putOutgoing(undefined)
      } else if (onChain.deposit !== state.deposit) {
        state = { ...state, deposit: onChain.deposit }
        this.#store.putOutgoing(state)
      }
    }
    this.#outgoingChecked = true
    if (state === undefined) {
      if (this.#funding === undefined) throw new NoOutgoingChannelError(this.#peer)
      state = await this.#open(max(this.#funding.deposit, amount), this.#funding.timeoutSeconds)
    }
    const needed = state.sent + amount
    if (needed > state.deposit) {
      if (this.#funding === undefined) throw new DepositExhaustedError(state.channelId, needed, state.deposit)
      const topUp = max(this.#funding.topUpAmount ?? this.#funding.deposit, needed - state.deposit)
      await this.contract.topUp(this.#account, state.channelId, topUp)
      state = { ...state, deposit: state.deposit + topUp }
      this.#store.putOutgoing(state)
    }
    return state
  }

  async #open(deposit: bigint, timeoutSeconds: bigint): Promise<OutgoingState> {
    const { channelId } = await this.contract.open({ from: this.#account, receiver: this.#peer, deposit, timeoutSeconds })
    const state = { channelId, deposit, sent: 0n }
    this.#store.putOutgoing(state)
    return state
  }

  #outgoingChannelId(): Hex {
    const channelId = this.#store.getOutgoing()?.channelId
    if (channelId === undefined) throw new NoOutgoingChannelError(this.#peer)
    return channelId
  }

  // ---- receiving --------------------------------------------------------------------------

  setValueHandler(handler: ValueHandler | undefined): void {
    this.#handler = handler
  }

  /** Claims every unredeemed best claim on chain without closing. Resolves with the wei paid to us. */
  redeem(): Promise<bigint> {
    return this.#incoming.run(async () => {
      let paid = 0n
      for (const claim of this.#store.listIncoming()) paid += await this.#redeem(claim, 'claim')
      return paid
    })
  }

  /** Closes every incoming channel with its best claim: we are paid, the remainder goes back to the peer. */
  settle(): Promise<bigint> {
    return this.#incoming.run(async () => {
      let paid = 0n
      for (const claim of this.#store.listIncoming()) paid += await this.#redeem(claim, 'close')
      return paid
    })
  }

  /**
   * One pass of the watcher: closes, with the best claim, every incoming channel whose sender
   * started a reclaim (before the timeout ends; RFC 0032: settlement is what makes the credit
   * final), and forgets channels closed on chain. Call it well within the dispute timeout.
   */
  tick(): Promise<bigint> {
    return this.#incoming.run(async () => {
      let paid = 0n
      for (const claim of this.#store.listIncoming()) {
        const channel = await this.contract.getChannel(claim.channelId)
        if (channel === undefined || channel.closed) this.#store.deleteIncoming(claim.channelId)
        else if (channel.reclaimAt !== undefined) paid += await this.#redeem(claim, 'close')
      }
      return paid
    })
  }

  /** Stops sending and accepting; redeems what the peer paid us (without closing its channel). */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#carrier.setValueHandler(undefined)
    await this.#outgoing.run(async () => {})
    await this.redeem()
  }

  #receive(value: IncomingValue): Promise<void> {
    return this.#incoming.run(async () => {
      if (this.#closed) throw new ChannelShutDownError()
      const claim = decodeClaimProof(value.proof)
      const channel = await this.#incomingChannel(claim.channelId, claim.amount)
      if (channel === undefined) throw new ClaimWrongChannelError(claim.channelId, 'channelId', 'a channel of the contract', undefined)
      if (!sameAddress(channel.receiver, this.#address)) throw new ClaimWrongChannelError(channel.id, 'receiver', this.#address, channel.receiver)
      if (!sameAddress(channel.sender, this.#peer)) throw new ClaimWrongChannelError(channel.id, 'sender', this.#peer, channel.sender)
      if (channel.closed) throw new ClaimChannelClosedError(channel.id)
      const previous = this.#store.getIncoming(channel.id)
      const best = max(previous?.amount ?? 0n, channel.claimed)
      // The very claim we hold, again: the payer lost our acceptance and retries. It was
      // credited once; accept it without crediting it again, so both sides agree.
      if (previous !== undefined && claim.amount === previous.amount && claim.signature.toLowerCase() === previous.signature.toLowerCase()) return
      if (claim.amount <= best) throw new ClaimNotIncreasingError(channel.id, claim.amount, best)
      if (claim.amount > channel.deposit) throw new ClaimExceedsDepositError(channel.id, claim.amount, channel.deposit)
      if (!(await verifyClaim(this.#domain, channel.id, claim.amount, claim.signature, channel.sender))) throw new ClaimSignatureError(channel.id, claim.amount)
      const handler = this.#handler
      if (handler === undefined) throw new NoValueHandlerError()
      const next: IncomingClaim = { channelId: channel.id, sender: channel.sender, amount: claim.amount, signature: claim.signature }
      // Credit the growth over the best claim, not the carrier's amount: after a lost
      // acknowledgement the payer's next claim covers what we hold already.
      const growth = claim.amount - best
      // Stored, with the total received, before it is credited: after a crash in between, the
      // books find the total ahead of them and credit the difference.
      const { received } = this.totals()
      this.#store.putIncoming(next, received + growth)
      try {
        await handler({ amount: growth, proof: value.proof })
      } catch (error) {
        if (previous === undefined) this.#store.deleteIncoming(channel.id, received)
        else this.#store.putIncoming(previous, received)
        throw error
      }
      if (this.#redeemThreshold !== undefined && claim.amount - channel.claimed >= this.#redeemThreshold) await this.#redeem(next, 'claim')
    })
  }

  /**
   * The channel, from the contract or from what we read of it before. Sender and receiver never
   * change and the deposit only grows; the channel cannot close without us before the sender
   * starts a reclaim and waits out the timeout. So a read that saw no reclaim started stays
   * good for half the timeout (local clock, a margin for the chain's), and for claims within
   * the deposit it saw; otherwise (a reclaim started, a bigger claim) the contract is read again.
   */
  async #incomingChannel(channelId: Hex, amount: bigint): Promise<OnChainChannel | undefined> {
    const known = this.#channels.get(channelId)
    const now = Date.now()
    if (known !== undefined && amount <= known.channel.deposit && now - known.readAt < (Number(known.channel.timeoutSeconds) * 1000) / 2) return known.channel
    const channel = await this.contract.getChannel(channelId)
    if (channel === undefined || channel.closed || channel.reclaimAt !== undefined) this.#channels.delete(channelId)
    else this.#channels.set(channelId, { channel, readAt: now })
    return channel
  }

  /** Claims or closes on chain with `claim`; returns the wei paid to us. */
  async #redeem(claim: IncomingClaim, how: 'claim' | 'close'): Promise<bigint> {
    const channel = await this.contract.getChannel(claim.channelId)
    if (channel === undefined || channel.closed) {
      this.#store.deleteIncoming(claim.channelId)
      this.#channels.delete(claim.channelId)
      return 0n
    }
    const unredeemed = claim.amount - channel.claimed
    if (how === 'claim') {
      if (unredeemed <= 0n) return 0n
      await this.contract.claim(this.#account, claim.channelId, claim.amount, claim.signature)
      const known = this.#channels.get(claim.channelId)
      if (known !== undefined) this.#channels.set(claim.channelId, { ...known, channel: { ...known.channel, claimed: claim.amount } })
      return unredeemed
    }
    // Nothing new to claim: close at what was claimed (the contract needs no signature for that).
    const amount = unredeemed > 0n ? claim.amount : channel.claimed
    await this.contract.close(this.#account, claim.channelId, amount, unredeemed > 0n ? claim.signature : '0x')
    this.#store.deleteIncoming(claim.channelId)
    this.#channels.delete(claim.channelId)
    return max(unredeemed, 0n)
  }
}

function sameAddress(a: Address, b: Address): boolean {
  return a.toLowerCase() === b.toLowerCase()
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b
}

function checkPositive(field: string, value: bigint | undefined): void {
  if (value === undefined) return
  if (typeof value !== 'bigint' || value < 1n) throw new InvalidChannelOptionError(field, value, 'must be a bigint of at least 1')
}
