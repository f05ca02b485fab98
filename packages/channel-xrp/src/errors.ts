/**
 * One class per reason this channel refuses something, each with a fixed `name` and the
 * offending field or value. Every refusal of an incoming claim extends `ClaimRefusedError`:
 * the claim was not stored and its value was not credited.
 */

/** The base of every refusal of an incoming claim. Never thrown itself. */
export abstract class ClaimRefusedError extends Error {
  abstract override readonly name: string
}

/** The proof bytes are not a claim of this channel's wire format (see claim-proof.ts). */
export class MalformedClaimError extends ClaimRefusedError {
  override readonly name = 'MalformedClaimError'
  constructor(readonly field: string, readonly reason: string) {
    super(`malformed claim: ${field} ${reason}`)
  }
}

/**
 * The claim names a channel that is not ours to receive from this peer: unknown
 * (`field` = `channelId`), paying another account (`destination`), or funded by another (`account`).
 */
export class ClaimWrongChannelError extends ClaimRefusedError {
  override readonly name = 'ClaimWrongChannelError'
  constructor(readonly channelId: string, readonly field: 'channelId' | 'destination' | 'account', readonly expected: string, readonly actual: string | undefined) {
    super(`claim on channel ${channelId}: ${field} is ${actual ?? '(none)'}, expected ${expected}`)
  }
}

/** The signature does not verify against the channel's public key (forged, or for another amount or channel). */
export class ClaimSignatureError extends ClaimRefusedError {
  override readonly name = 'ClaimSignatureError'
  constructor(readonly channelId: string, readonly amount: bigint) {
    super(`claim of ${amount} drops on channel ${channelId} has no valid signature`)
  }
}

/** The cumulative amount is not above the best claim held (or the channel's balance paid out): a replay or an old claim. */
export class ClaimNotIncreasingError extends ClaimRefusedError {
  override readonly name = 'ClaimNotIncreasingError'
  constructor(readonly channelId: string, readonly amount: bigint, readonly best: bigint) {
    super(`claim of ${amount} drops on channel ${channelId} is not above the best claim of ${best}`)
  }
}

/** The cumulative amount is above the channel's amount as we know it: the ledger would never pay it. */
export class ClaimExceedsChannelError extends ClaimRefusedError {
  override readonly name = 'ClaimExceedsChannelError'
  constructor(readonly channelId: string, readonly amount: bigint, readonly channelAmount: bigint) {
    super(`claim of ${amount} drops on channel ${channelId} exceeds the channel's ${channelAmount} drops`)
  }
}

/** The channel is closed or expiring as we know it: the ledger may refuse the claim. */
export class ClaimChannelClosedError extends ClaimRefusedError {
  override readonly name = 'ClaimChannelClosedError'
  constructor(readonly channelId: string) {
    super(`payment channel ${channelId} is closed or closing`)
  }
}

/** Value arrived but no value handler is set: it is refused rather than credited to nobody. */
export class NoValueHandlerError extends ClaimRefusedError {
  override readonly name = 'NoValueHandlerError'
  constructor() {
    super('no value handler is set')
  }
}

/** We have no outgoing channel to pay from: open one on the ledger (PaymentChannelCreate) and configure it. */
export class NoOutgoingChannelError extends Error {
  override readonly name = 'NoOutgoingChannelError'
  constructor(readonly account: string, readonly destination: string) {
    super(`no payment channel from ${account} to ${destination} is configured`)
  }
}

/** Our channel holds less than the cumulative claim needs: fund it (PaymentChannelFund) first. */
export class DepositExhaustedError extends Error {
  override readonly name = 'DepositExhaustedError'
  constructor(readonly channelId: string, readonly needed: bigint, readonly channelAmount: bigint) {
    super(`payment channel ${channelId} holds ${channelAmount} drops, the claim needs ${needed}`)
  }
}

/** The channel endpoint was closed: it sends and accepts nothing more. */
export class ChannelShutDownError extends Error {
  override readonly name = 'ChannelShutDownError'
  constructor() {
    super('this payment channel endpoint is closed')
  }
}

/** An option passed to the channel is out of range. */
export class InvalidChannelOptionError extends Error {
  override readonly name = 'InvalidChannelOptionError'
  constructor(readonly field: string, readonly value: unknown, readonly reason: string) {
    super(`${field}: ${reason}, got ${typeof value === 'bigint' ? `${value}n` : String(value)}`)
  }
}

/** We hold no unredeemed claim on this channel. */
export class NothingToRedeemError extends Error {
  override readonly name = 'NothingToRedeemError'
  constructor(readonly channelId: string) {
    super(`no unredeemed claim on payment channel ${channelId}`)
  }
}
