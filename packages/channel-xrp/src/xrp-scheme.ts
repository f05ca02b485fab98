/**
 * The XRP Ledger's side of the claim engine (channel-core `ClaimScheme`): claims in the ledger's
 * own format (claim.ts) in this package's proof (claim-proof.ts), channels as the caller's
 * `XrpChannelDirectory` knows them, and our one configured channel to pay on. No server is
 * contacted: there is no `redeem` here (the operator submits `XrpClaimChannel.redemption`'s blob)
 * and no funding (PaymentChannelCreate and Fund are the operator's too).
 */
import type { ClaimChannelView, ClaimScheme, OutgoingState, SignedClaim } from '@stack/channel-core'
import { signClaim, verifyClaim, type ClaimKeyPair } from './claim.js'
import { decodeClaimProof, encodeClaimProof } from './claim-proof.js'
import type { XrpChannelDirectory, XrpChannelState } from './channel-state.js'
import { DepositExhaustedError, NoOutgoingChannelError } from './errors.js'

export interface XrpOutgoingChannel {
  /** Our channel to the peer, created on the ledger (ledger-xrp's PaymentChannelCreate, submitted by the operator). */
  readonly channelId: string
  /** The key pair whose public key the channel was created with. */
  readonly keys: ClaimKeyPair
}

/**
 * Our side as payer: the engine's state on the channel we pay on, and the cumulative drops
 * accepted on each channel we paid on before (a configuration may name another channel, and back).
 */
export interface XrpOutgoingState extends OutgoingState {
  readonly sentOn: ReadonlyMap<string, bigint>
}

export interface XrpChannelView extends ClaimChannelView {
  readonly publicKey: string
}

/** The ledger's names of a channel's two accounts (its PaymentChannel object's fields). */
export const xrpFieldNames = { sender: 'account', receiver: 'destination' } as const

export class XrpScheme implements ClaimScheme<string, XrpOutgoingState, XrpChannelView> {
  readonly fieldNames = xrpFieldNames

  constructor(
    readonly account: string,
    readonly peer: string,
    readonly directory: XrpChannelDirectory,
    readonly channel: XrpOutgoingChannel | undefined
  ) {}

  encodeProof(claim: SignedClaim<string>): Uint8Array {
    return encodeClaimProof(claim)
  }

  decodeProof(proof: Uint8Array): SignedClaim<string> {
    return decodeClaimProof(proof)
  }

  sign(state: XrpOutgoingState, amount: bigint): string {
    return signClaim((this.channel as XrpOutgoingChannel).keys.privateKey, state.channelId as string, amount)
  }

  async readChannel(channelId: string): Promise<XrpChannelView | undefined> {
    const channel = await this.directory.getChannel(channelId)
    return channel === undefined ? undefined : xrpChannelView(channel)
  }

  verify(claim: SignedClaim<string>, channel: XrpChannelView): boolean {
    return verifyClaim(channel.publicKey, channel.id, claim.amount, claim.signature)
  }

  /** The state on our configured channel: the one stored, or the drops once accepted on it. */
  outgoing(stored: XrpOutgoingState | undefined): XrpOutgoingState {
    const channelId = this.channel?.channelId
    if (stored?.channelId === channelId && stored !== undefined) return stored
    const sentOn = new Map(stored?.sentOn)
    if (stored?.channelId !== undefined) sentOn.set(stored.channelId, stored.sent)
    return { channelId, sent: channelId === undefined ? 0n : (sentOn.get(channelId) ?? 0n), carry: stored?.carry ?? 0n, sentOn }
  }

  /** Our configured channel, if it holds `amount` more as the directory knows it. */
  async fund(state: XrpOutgoingState, amount: bigint): Promise<XrpOutgoingState & { channelId: string }> {
    const channelId = state.channelId
    if (channelId === undefined || this.channel === undefined) throw new NoOutgoingChannelError(this.account, this.peer)
    const channel = await this.directory.getChannel(channelId)
    if (channel === undefined) throw new NoOutgoingChannelError(this.account, this.peer)
    const needed = state.sent + amount
    if (needed > channel.amount) throw new DepositExhaustedError(channelId, needed, channel.amount)
    return { ...state, channelId }
  }
}

/** A directory's channel as the engine sees it: `closed` (gone, or closing too soon to redeem) refuses claims. */
export function xrpChannelView(channel: XrpChannelState): XrpChannelView {
  return {
    id: channel.channelId.toUpperCase(),
    sender: channel.account,
    receiver: channel.destination,
    deposit: channel.amount,
    claimed: channel.balance,
    status: channel.closed === true ? 'closed' : 'open',
    publicKey: channel.publicKey
  }
}
