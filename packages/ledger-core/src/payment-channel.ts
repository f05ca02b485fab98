/**
 * The payment-channel capability: unidirectional channels native to the ledger, in the style
 * of the XRP Ledger's (PaymentChannelCreate / Fund / Claim). The sender locks funds in the
 * channel and hands the receiver signed claims of a growing cumulative amount, off-ledger;
 * the receiver redeems the best one on the ledger whenever it likes. Closing: the receiver may
 * close at once (after redeeming its best claim); the sender must ask and wait the settle
 * delay, which is the receiver's time to redeem (RFC 0032: settlement is what makes the
 * credit extended between peers final).
 */
import type { AccountId, Ledger } from './ledger.js'

export type ChannelStatus = 'open' | 'closing' | 'closed'

export interface PaymentChannel {
  /** Chosen by the ledger; its format is the ledger's (ledger-sqlite: 64 lowercase hex digits). */
  readonly id: string
  readonly sender: AccountId
  readonly receiver: AccountId
  /** The key that signs the sender's claims, in the ledger's key scheme (ledger-sqlite: raw ed25519, 32 bytes). */
  readonly publicKey: Uint8Array
  /** Everything ever locked in the channel (create + fund). */
  readonly deposit: bigint
  /** Everything paid out to the receiver so far: the largest claim redeemed. */
  readonly claimed: bigint
  readonly settleDelayMs: number
  /**
   * `closing`: the sender asked to close, the receiver may still redeem until `closesAt`;
   * from `closesAt` on the channel takes nothing more and anyone may `closeChannel` it.
   */
  readonly status: ChannelStatus
  /** Set while closing: when the settle delay ends (ms since the epoch, ledger clock). */
  readonly closesAt: number | undefined
  readonly createdAt: number
  readonly closedAt: number | undefined
}

export interface CreateChannelRequest {
  /** As for transfers: same key + same body → the same channel, created once. */
  readonly idempotencyKey: string
  readonly sender: AccountId
  readonly receiver: AccountId
  /** Locked from the sender's account (its credit limit applies). */
  readonly amount: bigint
  readonly publicKey: Uint8Array
  /** How long the receiver has to redeem after the sender asks to close. Integer ms ≥ 0. */
  readonly settleDelayMs: number
}

export interface FundChannelRequest {
  readonly idempotencyKey: string
  readonly channelId: string
  /** Locked from the sender's account. */
  readonly amount: bigint
}

/** A claim as the sender signs it: the channel, the cumulative amount, the signature over `claimMessage`. */
export interface ChannelClaim {
  readonly channelId: string
  /** Cumulative: everything the receiver may have from the channel, not an increment. */
  readonly amount: bigint
  readonly signature: Uint8Array
}

export interface ClaimResult {
  readonly channel: PaymentChannel
  /** What this redemption paid the receiver: the claim minus what was claimed before. */
  readonly paid: bigint
}

export interface RequestChannelCloseRequest {
  readonly channelId: string
  /**
   * `sender`: starts the settle delay (or closes at once if nothing is left to claim).
   * `receiver`: redeems `claim` if given, then closes at once.
   * A centralized ledger takes the caller's word for which party it is; the claim signature
   * is what protects the sender's funds.
   */
  readonly by: 'sender' | 'receiver'
  readonly claim?: { readonly amount: bigint; readonly signature: Uint8Array }
}

export interface PaymentChannelCapability {
  /** The exact bytes the sender signs for a claim of cumulative `amount` on `channelId`. Pure. */
  claimMessage(channelId: string, amount: bigint): Uint8Array
  /** @throws InvalidAmountError, InvalidArgumentError, UnknownAccountError, InsufficientFundsError, IdempotencyConflictError */
  createChannel(request: CreateChannelRequest): Promise<PaymentChannel>
  /** @throws ChannelNotFoundError, ChannelClosedError, ChannelClosingError, InsufficientFundsError, IdempotencyConflictError */
  fundChannel(request: FundChannelRequest): Promise<PaymentChannel>
  /**
   * Pays the receiver `claim.amount - claimed`.
   * @throws ChannelNotFoundError, ChannelClosedError (closed, or the settle delay ran out),
   *   InvalidClaimSignatureError, ClaimNotIncreasingError, ClaimExceedsDepositError, InvalidAmountError
   */
  claimChannel(claim: ChannelClaim): Promise<ClaimResult>
  /** @throws ChannelNotFoundError, ChannelClosedError, and for a receiver's claim what `claimChannel` throws */
  requestChannelClose(request: RequestChannelCloseRequest): Promise<PaymentChannel>
  /**
   * Closes a channel whose settle delay has elapsed: the remainder (deposit − claimed) goes
   * back to the sender.
   * @throws ChannelNotFoundError, ChannelClosedError, CloseNotRequestedError, SettleDelayNotElapsedError
   */
  closeChannel(channelId: string): Promise<PaymentChannel>
  /** @throws ChannelNotFoundError */
  getChannel(channelId: string): Promise<PaymentChannel>
}

const channelMethods = [
  'claimMessage',
  'createChannel',
  'fundChannel',
  'claimChannel',
  'requestChannelClose',
  'closeChannel',
  'getChannel'
] as const satisfies readonly (keyof PaymentChannelCapability)[]

/** True when the ledger declares the `payment-channels` capability and has its methods. */
export function hasPaymentChannels(ledger: Ledger): ledger is Ledger & PaymentChannelCapability {
  if (!ledger.capabilities.has('payment-channels')) return false
  const record = ledger as unknown as Record<string, unknown>
  return channelMethods.every((method) => typeof record[method] === 'function')
}
