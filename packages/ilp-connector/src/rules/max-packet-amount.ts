import { amountTooLargeError } from '@stack/ilp-core'
import type { IncomingContext, Rule } from '../pipeline.js'

/**
 * RFC 0027 F08 Amount Too Large: a Prepare above the source peer's maximum packet amount is
 * refused, with the amount received and the maximum (both in the source's units) as data.
 */
export function maxPacketAmountRule(): Rule<IncomingContext> {
  return (ctx, next) => {
    const max = ctx.source.maxPacketAmount
    if (max !== undefined && ctx.prepare.amount > max) {
      return Promise.reject(amountTooLargeError(ctx.prepare.amount, max))
    }
    return next(ctx)
  }
}
