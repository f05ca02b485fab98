import type { Channel, Link } from '@stack/channel-core'
import { MAX_UINT64, type Asset, type PeerRelation, type PrepareHandler } from '@stack/ilp-core'
import type { RateLimitConfig } from './rate-limiter.js'

export interface PeerConfig {
  /** Unique; for a child also its address segment (RFC 0031 address = `<our address>.<id>`). */
  id: string
  relation: PeerRelation
  asset: Asset
  /** Packets both ways. Without it (and without `handler`) the peer can send (handlePrepare) but not receive. */
  link?: Link
  /** Delivers packets to an in-process receiver instead of a link. */
  handler?: PrepareHandler
  channel?: Channel
  /** Largest Prepare accepted from this peer, in its units (F08 above). */
  maxPacketAmount?: bigint
  rateLimit?: RateLimitConfig
  /** Lowest the peer's balance (what we owe it) may go: −credit we extend. Unset: no limit. */
  minBalance?: bigint
  /** We pay the peer over its Channel (needed) when we owe it this much… */
  settleThreshold?: bigint
  /** …bringing what we owe down to this. Default 0. */
  settleTo?: bigint
}

/** A peer configuration that cannot work. */
export class InvalidPeerConfigError extends Error {
  override readonly name = 'InvalidPeerConfigError'
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`)
  }
}

/**
 * What is wrong with a settlement threshold and target, or undefined: RFC 0032 §"Settlement
 * Threshold" — a settlement brings what we owe the peer from `settleThreshold` down to
 * `settleTo`, so settleTo needs a threshold above it. The one check (a configuration file's
 * reader calls it too, to name the field in its own terms).
 */
export function settleToIssue(settleThreshold: bigint | undefined, settleTo: bigint | undefined): string | undefined {
  if (settleTo === undefined) return undefined
  if (settleThreshold === undefined) return 'needs settleThreshold'
  return settleTo >= settleThreshold ? `must be below settleThreshold (${settleThreshold})` : undefined
}

/** Throws InvalidPeerConfigError for the first field of `config` that cannot work. */
export function checkPeerConfig(config: PeerConfig): void {
  if (typeof config.id !== 'string' || config.id.length === 0) throw new InvalidPeerConfigError('id', 'must be a non-empty string')
  if (!['parent', 'peer', 'child'].includes(config.relation)) {
    throw new InvalidPeerConfigError('relation', `"${String(config.relation)}" is not parent, peer or child`)
  }
  const { scale } = config.asset
  if (!Number.isInteger(scale) || scale < 0 || scale > 255) throw new InvalidPeerConfigError('asset.scale', `${scale} is not a UInt8`)
  if (config.maxPacketAmount !== undefined && (config.maxPacketAmount < 0n || config.maxPacketAmount > MAX_UINT64)) {
    throw new InvalidPeerConfigError('maxPacketAmount', `${config.maxPacketAmount} is not a UInt64`)
  }
  // RFC 0032 §"Settlement Threshold": a threshold names when to pay over the peer's Channel.
  if (config.settleThreshold !== undefined && config.channel === undefined) {
    throw new InvalidPeerConfigError('settleThreshold', 'needs a channel: a peer without one is never paid')
  }
  const settleTo = settleToIssue(config.settleThreshold, config.settleTo)
  if (settleTo !== undefined) throw new InvalidPeerConfigError('settleTo', settleTo)
  const limit = config.rateLimit
  if (limit?.packetsPerSecond !== undefined && !(limit.packetsPerSecond >= 0)) {
    throw new InvalidPeerConfigError('rateLimit.packetsPerSecond', `${limit.packetsPerSecond} is not ≥ 0`)
  }
  if (limit?.valuePerSecond !== undefined && limit.valuePerSecond < 0n) {
    throw new InvalidPeerConfigError('rateLimit.valuePerSecond', `${limit.valuePerSecond} is not ≥ 0`)
  }
}
