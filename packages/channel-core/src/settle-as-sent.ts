import type { Channel } from './channel.js'

/** A payer that pays its peer over a Channel for what its packets delivered, never ahead of it. */
export interface SettleAsSent {
  /**
   * Pays, over the channel, what of `amountSent` (the running total fulfilled) is not paid yet.
   * One payment at a time, in order; totals asked for while one is under way are paid together
   * by the next, so a fast payment does not become one claim per packet.
   */
  settleUpTo(amountSent: bigint): void
  /** Resolves once every total asked for so far is paid (rejects with the first payment that failed; none is made after it). */
  settled(): Promise<void>
  /** What has been paid so far. */
  paid(): bigint
}

/** `onFailure`: told once, when a payment fails (say, to stop sending packets nobody will pay for). */
export function settleAsSent(channel: Pick<Channel, 'sendValue'>, options: { onFailure?: (error: unknown) => void } = {}): SettleAsSent {
  let paid = 0n
  let target = 0n
  let settling = Promise.resolve()
  let failed = false
  return {
    settleUpTo(amountSent) {
      if (amountSent <= target) return
      target = amountSent
      settling = settling.then(async () => {
        const amount = target - paid
        if (amount <= 0n) return
        try {
          await channel.sendValue(amount)
        } catch (error) {
          if (!failed) options.onFailure?.(error)
          failed = true
          throw error
        }
        paid += amount
      })
      // Handled here (so no unhandled rejection), and still thrown to whoever awaits settled().
      settling.catch(() => undefined)
    },
    settled: () => settling,
    paid: () => paid,
  }
}
