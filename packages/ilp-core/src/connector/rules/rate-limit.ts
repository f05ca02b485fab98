import { IlpErrorCode } from '../../error-codes.js'
import { IlpError } from '../../ilp-error.js'
import type { Clock } from '../clock.js'
import type { IncomingContext, Rule } from '../pipeline.js'
import { TokenBucket } from '../token-bucket.js'

export interface RateLimitConfig {
  /** Prepares per second from this peer. */
  packetsPerSecond?: number
  /** Prepares allowed in a burst. Default: one second's worth. */
  packetBurst?: number
  /** Value per second from this peer, in its asset's units. */
  valuePerSecond?: bigint
  /** Value allowed in a burst. Default: one second's worth; a larger Prepare never passes. */
  valueBurst?: bigint
}

/** A peer's two buckets: packets and value. */
export class RateLimiter {
  readonly #packets: TokenBucket | undefined
  readonly #value: TokenBucket | undefined

  constructor(config: RateLimitConfig, now: number) {
    const { packetsPerSecond, valuePerSecond } = config
    if (packetsPerSecond !== undefined) {
      const rate = BigInt(Math.floor(packetsPerSecond))
      this.#packets = new TokenBucket(rate, BigInt(Math.floor(config.packetBurst ?? packetsPerSecond)), now)
    }
    if (valuePerSecond !== undefined) {
      this.#value = new TokenBucket(valuePerSecond, config.valueBurst ?? valuePerSecond, now)
    }
  }

  /** Takes one packet and `amount` value, or nothing: true when the Prepare may pass. */
  take(amount: bigint, now: number): boolean {
    if (this.#packets !== undefined && !this.#packets.has(1n, now)) return false
    if (this.#value !== undefined && !this.#value.has(amount, now)) return false
    this.#packets?.take(1n, now)
    this.#value?.take(amount, now)
    return true
  }
}

/**
 * Limits the Prepares a peer sends us (RFC 0018 §"Payments Griefing"): packets per second
 * and value per second, each a token bucket. Over either → T05 Rate Limited.
 */
export function rateLimitRule(clock: Pick<Clock, 'now'>): Rule<IncomingContext> {
  return (ctx, next) => {
    const limiter = ctx.source.rateLimiter
    if (limiter !== undefined && !limiter.take(ctx.prepare.amount, clock.now())) {
      return Promise.reject(new IlpError(IlpErrorCode.T05_RATE_LIMITED, `peer ${ctx.source.id} is sending too fast`))
    }
    return next(ctx)
  }
}
