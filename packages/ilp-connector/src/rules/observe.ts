import { IlpPacketType } from '@stack/ilp-core'
import type { IncomingContext, Rule } from '../pipeline.js'

/** One Prepare from a peer, answered: for an app's metrics (a latency histogram). */
export interface PacketObservation {
  readonly source: string
  /** From its arrival to its answer. */
  readonly seconds: number
  readonly fulfilled: boolean
}

/** Tells `observer` of every Prepare it passes, once answered (a throw counts as not fulfilled). */
export function observeRule(observer: (observation: PacketObservation) => void): Rule<IncomingContext> {
  return async (ctx, next) => {
    const start = performance.now()
    let fulfilled = false
    try {
      const reply = await next(ctx)
      fulfilled = reply.type === IlpPacketType.Fulfill
      return reply
    } finally {
      observer({ source: ctx.source.id, seconds: (performance.now() - start) / 1000, fulfilled })
    }
  }
}
