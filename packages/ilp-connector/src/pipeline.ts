import type { Channel } from '@stack/channel-core'
import type { Asset, IlpPrepare, IlpReply, PeerRelation, PrepareHandler } from '@stack/ilp-core'
import type { RateLimiter } from './rate-limiter.js'


/** What the rules know of a peer: its settings, resolved once when the peer is added. */
export interface PeerAccount {
  readonly id: string
  readonly relation: PeerRelation
  readonly asset: Asset
  readonly maxPacketAmount: bigint | undefined
  readonly minBalance: bigint | undefined
  readonly settleThreshold: bigint | undefined
  readonly settleTo: bigint
  readonly rateLimiter: RateLimiter | undefined
  readonly channel: Channel | undefined
  /**
   * Sends to this peer; undefined when packets cannot be sent to it (a local sender with no
   * link). Settles by the Prepare's expiry; failing to deliver is a Reject from us, or a throw.
   */
  readonly send: PrepareHandler | undefined
}

/** A Prepare as received from `source`. */
export interface IncomingContext {
  readonly source: PeerAccount
  readonly prepare: IlpPrepare
  /** Fires when the reply can no longer reach `source` (its link closed). */
  readonly signal: AbortSignal | undefined
}

/** The Prepare the switch builds for the next hop, with the one it came from. */
export interface OutgoingContext {
  readonly source: PeerAccount
  readonly destination: PeerAccount
  /** The Prepare as received, in the source's units. */
  readonly incoming: IlpPrepare
  /** The Prepare to forward, in the destination's units. */
  readonly prepare: IlpPrepare
}

export type Handler<C> = (ctx: C) => Promise<IlpReply>

/**
 * One connector rule (the rafiki pipeline, STYLE.md): look at the packet, then either throw an
 * IlpError (a Reject created here), or call `next` — possibly with a changed context — and look
 * at the reply on its way back. Rules never build Rejects themselves: typed IlpErrors become
 * Rejects in one place, the connector's entry point.
 */
export type Rule<C> = (ctx: C, next: Handler<C>) => Promise<IlpReply>

/** Composes rules, first outermost, in front of `terminal`. */
export function compose<C>(rules: readonly Rule<C>[], terminal: Handler<C>): Handler<C> {
  return rules.reduceRight<Handler<C>>((next, rule) => (ctx) => rule(ctx, next), terminal)
}
