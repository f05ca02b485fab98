import { IlpErrorCode } from '../../error-codes.js'
import { IlpError } from '../../ilp-error.js'
import type { IlpReply } from '../../packet.js'
import type { Clock } from '../clock.js'
import type { IncomingContext, OutgoingContext, Rule } from '../pipeline.js'

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

/**
 * The reply deadline (RFC 0027 lifecycle step 10: "connectors SHOULD return ILP Reject packets
 * when the Prepare expires, even if they have not yet received a response"). When the
 * outgoing Prepare expires before the next hop answers, this rule throws R00; the reply, if it
 * ever comes, is dropped — the next hop is not paid for it. (A link sender's own deadline ends
 * its wait at the same moment, so nothing needs aborting: no per-packet AbortController.)
 */
export function replyDeadlineRule(clock: Clock): Rule<OutgoingContext> {
  return (ctx, next) => {
    const remaining = ctx.prepare.expiresAt.getTime() - clock.now()
    if (remaining <= 0) {
      return Promise.reject(new IlpError(IlpErrorCode.R00_TRANSFER_TIMED_OUT, 'packet expired before it was sent'))
    }
    return new Promise<IlpReply>((resolve, reject) => {
      const cancel = clock.setTimer(remaining, () => {
        reject(new IlpError(IlpErrorCode.R00_TRANSFER_TIMED_OUT, `no reply from ${ctx.destination.id} before the packet expired`))
      })
      // A promise settles once: whichever of the reply and the timer comes first decides.
      let reply: Promise<IlpReply>
      try {
        reply = next(ctx)
      } catch (error) {
        reply = Promise.reject(error)
      }
      reply.then(
        (reply) => {
          cancel()
          resolve(reply)
        },
        (error: unknown) => {
          cancel()
          reject(error)
        },
      )
    })
  }
}
