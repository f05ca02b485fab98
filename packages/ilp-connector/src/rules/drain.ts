import { IlpError, IlpErrorCode } from '@stack/ilp-core'
import type { Clock } from '../clock.js'
import type { IncomingContext, Rule } from '../pipeline.js'

/**
 * The graceful shutdown's gate, the outermost incoming rule: it counts the Prepares in flight
 * and, once draining, refuses new ones with T03 Connector Busy (RFC 0027: temporary, try again
 * later or elsewhere) while those already in flight are answered.
 */
export class Drain {
  #draining = false
  #inFlight = 0
  #onIdle: (() => void) | undefined

  get draining(): boolean {
    return this.#draining
  }

  /** Prepares being handled now. */
  get inFlight(): number {
    return this.#inFlight
  }

  rule(): Rule<IncomingContext> {
    return async (ctx, next) => {
      if (this.#draining) throw new IlpError(IlpErrorCode.T03_CONNECTOR_BUSY, 'connector is shutting down')
      this.#inFlight++
      try {
        return await next(ctx)
      } finally {
        if (--this.#inFlight === 0) this.#onIdle?.()
      }
    }
  }

  /**
   * Refuses new Prepares from now on; resolves once none is in flight, or after `timeoutMs`
   * (what is still in flight then is the caller's to cut).
   */
  drain(timeoutMs: number, clock: Pick<Clock, 'setTimer'>): Promise<void> {
    this.#draining = true
    if (this.#inFlight === 0) return Promise.resolve()
    return new Promise((resolve) => {
      const cancel = clock.setTimer(timeoutMs, () => {
        this.#onIdle = undefined
        resolve()
      })
      this.#onIdle = () => {
        this.#onIdle = undefined
        cancel()
        resolve()
      }
    })
  }
}
