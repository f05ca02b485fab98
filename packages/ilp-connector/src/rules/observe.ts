import { IlpError, IlpErrorCode, IlpPacketType } from '@stack/ilp-core'
import type { IncomingContext, Rule } from '../pipeline.js'

/** One Prepare from a peer, answered: for an app's metrics (a latency histogram) and packet log. */
export interface PacketObservation {
  readonly source: string
  readonly destination: string
  /** In the source's units. */
  readonly amount: bigint
  /** From its arrival to its answer. */
  readonly seconds: number
  readonly fulfilled: boolean
  /** The Reject's code (T00 for a throw); undefined for a Fulfill. */
  readonly code: string | undefined
}

/** Tells `observer` of every Prepare it passes, once answered (a throw counts as not fulfilled). */
export function observeRule(observer: (observation: PacketObservation) => void): Rule<IncomingContext> {
  return async (ctx, next) => {
    const start = performance.now()
    let code: string | undefined = IlpErrorCode.T00_INTERNAL_ERROR
    try {
      const reply = await next(ctx)
      code = reply.type === IlpPacketType.Fulfill ? undefined : reply.code
      return reply
    } catch (error) {
      if (error instanceof IlpError) code = error.code
      throw error
    } finally {
      const { destination, amount } = ctx.prepare
      observer({ source: ctx.source.id, destination, amount, seconds: (performance.now() - start) / 1000, fulfilled: code === undefined, code })
    }
  }
}
