import { IlpError, IlpErrorCode, IlpPacketType, verifyFulfillment } from '@stack/ilp-core'
import type { Clock } from '../clock.js'
import type { OutgoingContext, Rule } from '../pipeline.js'

/**
 * RFC 0027 lifecycle step 10: a Fulfill counts only if its fulfillment hashes to the condition
 * and it came back before the expiry. A wrong fulfillment → F05 Wrong Condition (as the
 * reference connectors answer); a late one → R00 Transfer Timed Out. Either way the Fulfill
 * goes no further, so the next hop is not credited and the sender not debited.
 */
export function validateFulfillmentRule(clock: Pick<Clock, 'now'>): Rule<OutgoingContext> {
  return async (ctx, next) => {
    const reply = await next(ctx)
    if (reply.type !== IlpPacketType.Fulfill) return reply
    if (!verifyFulfillment(reply.fulfillment, ctx.prepare.executionCondition)) {
      throw new IlpError(IlpErrorCode.F05_WRONG_CONDITION, `fulfillment from ${ctx.destination.id} does not match the condition`)
    }
    if (clock.now() >= ctx.prepare.expiresAt.getTime()) {
      throw new IlpError(IlpErrorCode.R00_TRANSFER_TIMED_OUT, `fulfillment from ${ctx.destination.id} arrived after the expiry`)
    }
    return reply
  }
}
