import { IlpError, IlpErrorCode } from '@stack/ilp-core'
import type { Clock } from '../clock.js'
import type { OutgoingContext, Rule } from '../pipeline.js'

export interface ExpiryConfig {
  /** Time kept back to pass a Fulfill upstream (RFC 0027 lifecycle step 6). */
  minMessageWindowMs: number
  /** Longest we let a next hop hold a packet (and our liquidity). */
  maxHoldTimeMs: number
}

/**
 * RFC 0027 lifecycle step 6 and RFC 0018 §"Adjusting Transfer Expiry Window": the outgoing
 * expiry is min(incoming − minMessageWindow, now + maxHoldTime). If that leaves the next hop
 * less than minMessageWindow → R02 Insufficient Timeout.
 */
export function reduceExpiryRule(clock: Pick<Clock, 'now'>, config: ExpiryConfig): Rule<OutgoingContext> {
  return (ctx, next) => {
    const now = clock.now()
    const expiresAt = Math.min(ctx.incoming.expiresAt.getTime() - config.minMessageWindowMs, now + config.maxHoldTimeMs)
    if (expiresAt - now < config.minMessageWindowMs) {
      return Promise.reject(new IlpError(
        IlpErrorCode.R02_INSUFFICIENT_TIMEOUT,
        `expiry leaves ${Math.max(0, expiresAt - now)} ms after our margin of ${config.minMessageWindowMs} ms`,
      ))
    }
    return next({ ...ctx, prepare: { ...ctx.prepare, expiresAt: new Date(expiresAt) } })
  }
}
