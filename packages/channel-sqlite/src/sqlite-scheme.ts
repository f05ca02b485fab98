/**
 * ledger-sqlite's side of the claim engine (channel-core `ClaimScheme`): ed25519 claims in the
 * 105-byte proof (claim-proof.ts), channels read from and redeemed on the shared ledger, and our
 * channel opened, topped up and replaced on demand as `funding` says.
 */
import { randomUUID } from 'node:crypto'
import { MAX_UINT64, type ClaimChannelView, type ClaimScheme, type OutgoingState, type RedeemMode, type SignedClaim } from '@stack/channel-core'
import { ChannelNotFoundError, type Ledger, type PaymentChannel, type PaymentChannelCapability } from '@stack/ledger-core'
import { generateClaimKeyPair, signClaim, verifyClaim, type ClaimKeyPair } from '@stack/ledger-sqlite'
import { decodeClaimProof, encodeClaimProof } from './claim-proof.js'
import { DepositExhaustedError, NoOutgoingChannelError } from './errors.js'

/** How the payer opens and tops up its channel on demand. */
export interface ChannelFunding {
  /** The deposit of a channel opened on demand (more if the first payment needs more). */
  readonly deposit: bigint
  /** Top up when the deposit left after a payment would fall below this. Default 0n: only when a payment needs it. */
  readonly topUpBelow?: bigint
  /** What one top-up adds (more if the payment needs more). Default `deposit`. */
  readonly topUpAmount?: bigint
  /** The settle delay of channels we open: the peer's time to redeem after we ask to close. */
  readonly settleDelayMs: number
}

/** Our side as payer: the engine's state, our claim key, and the replaced channels still closing. */
export interface SqliteOutgoingState extends OutgoingState {
  readonly keys: ClaimKeyPair
  /** Replaced channels that were still closing: the final `claimed` of each adds to `carry` once it is closed. */
  readonly retiring: readonly { readonly channelId: string; readonly sent: bigint }[]
}

export interface SqliteChannelView extends ClaimChannelView {
  readonly publicKey: Uint8Array
}

type Save = (state: SqliteOutgoingState) => void

export class SqliteScheme implements ClaimScheme<Uint8Array, SqliteOutgoingState, SqliteChannelView> {
  constructor(
    readonly ledger: Ledger & PaymentChannelCapability,
    readonly account: string,
    readonly peer: string,
    readonly funding: ChannelFunding | undefined,
    readonly now: () => number
  ) {}

  encodeProof(claim: SignedClaim<Uint8Array>): Uint8Array {
    return encodeClaimProof(claim)
  }

  decodeProof(proof: Uint8Array): SignedClaim<Uint8Array> {
    return decodeClaimProof(proof)
  }

  sign(state: SqliteOutgoingState, amount: bigint): Uint8Array {
    return signClaim(state.keys.privateKey, state.channelId as string, amount)
  }

  async readChannel(channelId: string): Promise<SqliteChannelView | undefined> {
    const channel = await this.findChannel(channelId)
    if (channel === undefined) return undefined
    const pastRedemption = channel.status === 'closed' || (channel.status === 'closing' && channel.closesAt !== undefined && this.now() >= channel.closesAt)
    return {
      id: channel.id,
      sender: channel.sender,
      receiver: channel.receiver,
      deposit: channel.deposit,
      claimed: channel.claimed,
      status: pastRedemption ? 'closed' : channel.status,
      publicKey: channel.publicKey
    }
  }

  verify(claim: SignedClaim<Uint8Array>, channel: SqliteChannelView): boolean {
    return verifyClaim(channel.publicKey, channel.id, claim.amount, claim.signature)
  }

  async redeem(claim: SignedClaim<Uint8Array>, channel: SqliteChannelView, mode: RedeemMode): Promise<bigint> {
    const unredeemed = claim.amount - channel.claimed
    if (mode === 'claim') return (await this.ledger.claimChannel({ channelId: channel.id, amount: claim.amount, signature: claim.signature })).paid
    const best = unredeemed > 0n ? { claim: { amount: claim.amount, signature: claim.signature } } : {}
    await this.ledger.requestChannelClose({ channelId: channel.id, by: 'receiver', ...best })
    return unredeemed > 0n ? unredeemed : 0n
  }

  outgoing(stored: SqliteOutgoingState | undefined): SqliteOutgoingState {
    return stored ?? { channelId: undefined, sent: 0n, carry: 0n, keys: generateClaimKeyPair(), retiring: [] }
  }

  /**
   * Lets go of our channel once it is no longer open (closing or closed), and settles the books
   * of a replaced one once it is closed: whatever the peer redeemed from it beyond the amount it
   * acknowledged (a lost acceptance) becomes `carry`, value it has and must not be paid again.
   */
  async review(state: SqliteOutgoingState, save: Save): Promise<SqliteOutgoingState> {
    let carry = state.carry
    const retiring: { channelId: string; sent: bigint }[] = []
    for (const old of state.retiring) {
      const channel = await this.findChannel(old.channelId)
      if (channel === undefined || channel.status === 'closed') carry += max((channel?.claimed ?? 0n) - old.sent, 0n)
      else retiring.push(old)
    }
    let { channelId, sent } = state
    if (channelId !== undefined) {
      const current = await this.findChannel(channelId)
      if (current === undefined || current.status !== 'open') {
        if (current?.status === 'closing') retiring.push({ channelId, sent })
        else carry += max((current?.claimed ?? 0n) - sent, 0n)
        channelId = undefined
        sent = 0n
      }
    }
    if (carry === state.carry && retiring.length === state.retiring.length && channelId === state.channelId) return state
    const next: SqliteOutgoingState = { ...state, channelId, sent, carry, retiring }
    save(next)
    return next
  }

  /** Our state with an open channel that holds `amount` more: opened or topped up as `funding` says. */
  async fund(state: SqliteOutgoingState, amount: bigint, save: Save): Promise<SqliteOutgoingState & { channelId: string }> {
    let channel = state.channelId === undefined ? undefined : await this.ledger.getChannel(state.channelId)
    // Not max(sent, claimed): what the peer redeemed beyond our acknowledged amount came from a
    // claim whose acknowledgement we lost; our next claim re-covers it, the peer credits only its growth.
    const funding = this.funding
    if (channel === undefined || state.sent + amount > MAX_UINT64) {
      if (funding === undefined) throw new NoOutgoingChannelError(this.account, this.peer)
      return (await this.open(state, max(funding.deposit, amount), funding.settleDelayMs, save)).state
    }
    const needed = state.sent + amount
    if (funding !== undefined && channel.deposit - needed < (funding.topUpBelow ?? 0n)) {
      let topUp = max(funding.topUpAmount ?? funding.deposit, needed - channel.deposit)
      if (topUp > MAX_UINT64) topUp = MAX_UINT64
      channel = await this.ledger.fundChannel({ idempotencyKey: randomUUID(), channelId: channel.id, amount: topUp })
    }
    if (needed > channel.deposit) throw new DepositExhaustedError(channel.id, needed, channel.deposit)
    return { ...state, channelId: channel.id }
  }

  /** Closes our channel once the settle delay we asked for is over (the remainder comes back to us). */
  async watchOutgoing(state: SqliteOutgoingState): Promise<void> {
    if (state.channelId === undefined) return
    const channel = await this.ledger.getChannel(state.channelId)
    if (channel.status === 'closing' && channel.closesAt !== undefined && this.now() >= channel.closesAt) await this.ledger.closeChannel(channel.id)
  }

  async open(state: SqliteOutgoingState, deposit: bigint, settleDelayMs: number, save: Save): Promise<{ state: SqliteOutgoingState & { channelId: string }; channel: PaymentChannel }> {
    const channel = await this.ledger.createChannel({
      idempotencyKey: randomUUID(),
      sender: this.account,
      receiver: this.peer,
      amount: deposit,
      publicKey: state.keys.publicKey,
      settleDelayMs
    })
    const next = { ...state, channelId: channel.id, sent: 0n }
    save(next)
    return { state: next, channel }
  }

  async findChannel(channelId: string): Promise<PaymentChannel | undefined> {
    try {
      return await this.ledger.getChannel(channelId)
    } catch (error) {
      if (error instanceof ChannelNotFoundError) return undefined
      throw error
    }
  }
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b
}
