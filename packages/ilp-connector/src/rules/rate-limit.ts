import { IlpError, IlpErrorCode } from '@stack/ilp-core'
import type { Clock } from '../clock.js'
import type { IncomingContext, Rule } from '../pipeline.js'

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
