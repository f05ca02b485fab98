import type { Channel } from '@stack/channel-core'

/** How both demos' Alice pays her connector: as her payment progresses, never ahead of it. */
export interface SettleAsSent {
  /** Pays, over the channel, what of `amountSent` is not paid yet (in order, one payment at a time). */
  settleUpTo(amountSent: bigint): void
  /** Resolves once every payment asked for so far has gone through (rejects with the first that failed). */
  settled(): Promise<void>
}

export function settleAsSent(channel: Pick<Channel, 'sendValue'>): SettleAsSent {
  let paid = 0n
  let settling = Promise.resolve()
  return {
    settleUpTo(amountSent) {
      settling = settling.then(async () => {
        if (amountSent <= paid) return
        const amount = amountSent - paid
        await channel.sendValue(amount)
        paid += amount
      })
    },
    settled: () => settling,
  }
}
