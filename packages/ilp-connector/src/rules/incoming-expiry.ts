import { IlpError, IlpErrorCode } from '@stack/ilp-core'
import type { Clock } from '../clock.js'
import type { IncomingContext, Rule } from '../pipeline.js'

/** RFC 0027 R00: a Prepare that arrives already expired is not worth forwarding. */
export function incomingExpiryRule(clock: Pick<Clock, 'now'>): Rule<IncomingContext> {
  // Not async, like the other checks: an async wrapper per rule costs each packet promise turns.
  return (ctx, next) => {
    if (ctx.prepare.expiresAt.getTime() <= clock.now()) {
      return Promise.reject(new IlpError(IlpErrorCode.R00_TRANSFER_TIMED_OUT, 'packet expired before it arrived'))
    }
    return next(ctx)
  }
}
