/**
 * The refusals every cumulative-claim payment channel shares (channel-sqlite, channel-ethereum,
 * channel-xrp), one class per reason with a fixed `name` and the offending field or value, so a
 * caller handles them the same whatever the ledger. Every refusal of an incoming claim extends
 * `ClaimRefusedError`: the claim was not stored and its value was not credited.
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
 * The claim names a channel that is not ours to receive from this peer: unknown (`field` =
 * `channelId`), paying another account, or funded by another (the ledger's own field names).
 */
export class ClaimWrongChannelError extends ClaimRefusedError {
  override readonly name = 'ClaimWrongChannelError'
  constructor(readonly channelId: string, readonly field: string, readonly expected: string, readonly actual: string | undefined) {
    super(`claim on channel ${channelId}: ${field} is ${actual ?? '(none)'}, expected ${expected}`)
  }
}

/** The signature does not verify against the channel's key (forged, or for another amount or channel). */
export class ClaimSignatureError extends ClaimRefusedError {
  override readonly name = 'ClaimSignatureError'
  constructor(readonly channelId: string, readonly amount: bigint) {
    super(`claim of ${amount} on channel ${channelId} has no valid signature`)
  }
}

/** The cumulative amount is not above the best claim held (or redeemed) already: a replay or an old claim. */
export class ClaimNotIncreasingError extends ClaimRefusedError {
  override readonly name = 'ClaimNotIncreasingError'
  constructor(readonly channelId: string, readonly amount: bigint, readonly best: bigint) {
    super(`claim of ${amount} on channel ${channelId} is not above the best claim of ${best}`)
  }
}

/** The cumulative amount is above what the channel holds: its ledger would never pay it. */
export class ClaimExceedsDepositError extends ClaimRefusedError {
  override readonly name = 'ClaimExceedsDepositError'
  constructor(readonly channelId: string, readonly amount: bigint, readonly deposit: bigint) {
    super(`claim of ${amount} on channel ${channelId} exceeds its deposit of ${deposit}`)
  }
}

/** The channel is closed (or closing past its settle delay): its ledger would refuse the claim. */
export class ClaimChannelClosedError extends ClaimRefusedError {
  override readonly name = 'ClaimChannelClosedError'
  constructor(readonly channelId: string) {
    super(`payment channel ${channelId} is closed`)
  }
}

/** Value arrived but no value handler is set: it is refused rather than credited to nobody. */
export class NoValueHandlerError extends ClaimRefusedError {
  override readonly name = 'NoValueHandlerError'
  constructor() {
    super('no value handler is set')
  }
}

/** Our channel holds less than the cumulative claim needs, and we may not top it up. */
export class DepositExhaustedError extends Error {
  override readonly name = 'DepositExhaustedError'
  constructor(readonly channelId: string, readonly needed: bigint, readonly deposit: bigint) {
    super(`payment channel ${channelId} holds ${deposit}, the claim needs ${needed}`)
  }
}

/** The channel endpoint was closed: it sends and accepts nothing more. */
export class ChannelShutDownError extends Error {
  override readonly name = 'ChannelShutDownError'
  constructor() {
    super('this payment channel endpoint is closed')
  }
}

/** An option passed to a channel or its store is out of range. */
export class InvalidChannelOptionError extends Error {
  override readonly name = 'InvalidChannelOptionError'
  constructor(readonly field: string, readonly value: unknown, readonly reason: string) {
    super(`${field}: ${reason}, got ${typeof value === 'bigint' ? `${value}n` : String(value)}`)
  }
}
