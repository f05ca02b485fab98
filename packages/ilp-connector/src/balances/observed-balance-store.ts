import type { ChannelTotals } from '@stack/channel-core'
import type { NodeEvents } from '../events.js'
import { andThen, type BalanceSnapshot, type BalanceStore, type MaybePromise, type Reservation } from '@stack/ilp-core'

/**
 * A BalanceStore that emits a BalanceEvent after each committed change of `store` (none for a
 * hold taken or released: it moves no balance). A committed hold is a packet's; a hold the
 * settlement of a channel without totals commits counts as one too (the store cannot tell).
 */
export function observeBalances(store: BalanceStore, events: NodeEvents): BalanceStore {
  const changed = (peer: string, delta: bigint, cause: 'packet' | 'settlement' | 'adjustment', reason?: string): void => {
    if (delta === 0n || !events.listening) return
    events.emit({ type: 'balance', peer, delta, balance: store.get(peer).balance, cause, ...(reason === undefined ? {} : { reason }) })
  }
  return {
    reserve: (peerId: string, delta: bigint, minBalance?: bigint, expiresAt?: Date): MaybePromise<Reservation> =>
      andThen(store.reserve(peerId, delta, minBalance, expiresAt), (hold) => ({
        peerId: hold.peerId,
        delta: hold.delta,
        get state() {
          return hold.state
        },
        commit: () =>
          andThen(hold.commit(), (done) => {
            if (done) changed(peerId, delta, 'packet')
            return done
          }),
        release: () => hold.release(),
      })),
    adjust: (peerId: string, delta: bigint, reason?: string): MaybePromise<bigint> =>
      andThen(store.adjust(peerId, delta, reason), (balance) => {
        changed(peerId, delta, reason === undefined ? 'settlement' : 'adjustment', reason)
        return balance
      }),
    applySettled: (peerId: string, totals: ChannelTotals): MaybePromise<ChannelTotals> =>
      andThen(store.applySettled(peerId, totals), (added) => {
        changed(peerId, added.received - added.sent, 'settlement')
        return added
      }),
    adoptSettled: (peerId, totals) => store.adoptSettled(peerId, totals),
    settled: (peerId) => store.settled(peerId),
    get: (peerId): BalanceSnapshot => store.get(peerId),
    snapshot: () => store.snapshot(),
  }
}
