import { andThen, MAX_UINT64, type BalanceStore, type MaybePromise, type Reservation } from '@stack/ilp-core'
import type { ConnectorLogger } from './logger.js'
import type { Channel, ChannelTotals } from '@stack/channel-core'
import type { NodeEvents } from './events.js'
import type { PeerAccount } from './pipeline.js'

/** Settlement counts, as plain data. */
export interface SettlementCounters {
  sent: number
  sentAmount: bigint
  failed: number
  failedAmount: bigint
  received: number
  receivedAmount: bigint
}

/**
 * Decides when to pay a peer over its Channel (RFC 0032 §"Settlement Threshold"). In our sign
 * convention (ilp-core's balance-store.ts) the balance is what we owe the peer, so we settle when it
 * reaches `settleThreshold`, paying enough to bring it down to `settleTo`.
 *
 * The payment is held against the balance while the Channel works (so a second check does not
 * pay it twice, and the minimum-balance check already counts it). One settlement per peer at a time.
 *
 * A Channel with totals (channel-core `ChannelTotals`) is the truth of what was paid: once it
 * is done, success or not, the books are brought to its totals (BalanceStore.applySettled) and
 * the hold is released; value from the peer likewise; and `reconcile` at start applies what a
 * crash left between the channel's write and ours. A Channel without totals has its hold
 * committed when it resolves and released — the revert — if it fails.
 */
export class Settlement {
  readonly #store: BalanceStore
  readonly #logger: Pick<ConnectorLogger, 'warn'>
  readonly #inFlight = new Set<string>()
  readonly counters: SettlementCounters = { sent: 0, sentAmount: 0n, failed: 0, failedAmount: 0n, received: 0, receivedAmount: 0n }

  readonly #events: NodeEvents | undefined

  constructor(store: BalanceStore, logger: Pick<ConnectorLogger, 'warn'>, events?: NodeEvents) {
    this.#store = store
    this.#logger = logger
    this.#events = events
  }

  /**
   * Starts a settlement if the peer is at its threshold; resolves when it is over. After one
   * succeeds, the threshold is checked again: packets fulfilled while it was out (a chain-backed
   * channel may take seconds) may have put the peer over it with no packet left to notice.
   */
  maybeSettle(peer: PeerAccount): Promise<void> {
    const { channel, settleThreshold } = peer
    if (channel === undefined || settleThreshold === undefined || this.#inFlight.has(peer.id)) return Promise.resolve()
    const owed = this.#owed(peer.id)
    if (owed < settleThreshold) return Promise.resolve()
    return this.#pay(peer, channel, owed - peer.settleTo).then((paid) => {
      // Not after a failure: the next packet tries again, rather than a loop against a dead channel.
      if (paid !== undefined) return this.maybeSettle(peer)
    })
  }

  /**
   * An operator's "settle now": pays what we owe the peer above its settleTo, threshold or not.
   * Resolves with the amount paid: 0 if nothing is owed or a settlement is out already, undefined
   * if the channel's payment failed (the books are restored). The peer needs a channel.
   */
  settleNow(peer: PeerAccount & { channel: Channel }): Promise<bigint | undefined> {
    if (this.#inFlight.has(peer.id)) return Promise.resolve(0n)
    return this.#pay(peer, peer.channel, this.#owed(peer.id) - peer.settleTo)
  }

  // Holds from the peer's own Prepares count as if they will be fulfilled: we pay less, not more.
  #owed(peerId: string): bigint {
    const { balance, pendingDebit } = this.#store.get(peerId)
    return balance + pendingDebit
  }

  // One payment, held against the balance while the channel works; undefined if it failed
  // (or the books could not hold it: nothing was sent then). A synchronous store holds it at once.
  #pay(peer: PeerAccount, channel: Channel, wanted: bigint): Promise<bigint | undefined> {
    if (wanted <= 0n) return Promise.resolve(0n)
    const amount = wanted > MAX_UINT64 ? MAX_UINT64 : wanted
    this.#inFlight.add(peer.id)
    let held: MaybePromise<Reservation>
    try {
      held = this.#store.reserve(peer.id, -amount)
    } catch (error) {
      held = Promise.reject(error)
    }
    return Promise.resolve(held).then(
      (hold) => this.#send(peer, channel, amount, hold),
      (error: unknown) => {
        this.#inFlight.delete(peer.id)
        this.#logger.warn(`settlement of ${amount} to peer ${peer.id} not started: the books could not hold it`, error)
        return undefined
      },
    )
  }

  async #send(peer: PeerAccount, channel: Channel, amount: bigint, hold: Reservation): Promise<bigint | undefined> {
    let paid: boolean
    try {
      await channel.sendValue(amount)
      this.counters.sent++
      this.counters.sentAmount += amount
      paid = true
    } catch (error) {
      this.counters.failed++
      this.counters.failedAmount += amount
      this.#logger.warn(`settlement of ${amount} to peer ${peer.id} failed; balance restored`, error)
      paid = false
    }
    await this.#resolve(peer.id, channel, hold, paid)
    this.#inFlight.delete(peer.id)
    this.#events?.emit({ type: 'settlement', peer: peer.id, direction: 'sent', amount, outcome: paid ? 'ok' : 'failed' })
    return paid ? amount : undefined
  }

  /**
   * Value the peer sent us over its Channel: we owe it that much more — by its totals if it has
   * them (they count the value already). Throws, and the Channel refuses the value, if the books cannot take it.
   */
  receive(peer: PeerAccount, amount: bigint): MaybePromise<void> {
    if (amount <= 0n || amount > MAX_UINT64) throw new RangeError(`incoming value ${amount} is not a positive UInt64`)
    const totals = peer.channel?.totals?.()
    const written = totals === undefined ? this.#store.adjust(peer.id, amount) : this.#store.applySettled(peer.id, totals)
    return andThen(written, () => {
      this.counters.received++
      this.counters.receivedAmount += amount
      this.#events?.emit({ type: 'settlement', peer: peer.id, direction: 'received', amount, outcome: 'ok' })
    })
  }

  /**
   * At start: the books take whatever the channel's totals hold beyond them (a crash came between
   * the channel's write and ours). Returns what was applied. Throws SettledTotalsBehindError
   * if the channel has less than the books applied. Books that have no totals of the peer yet
   * adopt the channel's, applying nothing.
   */
  reconcile(peerId: string, channel: Channel): MaybePromise<ChannelTotals | undefined> {
    const totals = channel.totals?.()
    if (totals === undefined) return undefined
    // Books without totals of the peer (new, or in memory) take them as they are.
    return andThen(this.#store.adoptSettled(peerId, totals), (adopted) => {
      if (adopted) return { sent: 0n, received: 0n }
      return andThen(this.#store.applySettled(peerId, totals), (added) => {
        if (added.sent !== 0n || added.received !== 0n) {
          this.#logger.warn(`settlement totals applied to the books at start for peer ${peerId}: sent ${added.sent}, received ${added.received} (a crash came between the channel's write and ours)`)
        }
        return added
      })
    })
  }

  /**
   * The payment is over: the books follow the channel's totals (or, without them, the hold is
   * committed if it was paid), then the hold goes. If our books cannot be written, the hold stays
   * pending: it goes on counting against what we owe, so it is not paid again.
   */
  async #resolve(peerId: string, channel: Channel, hold: Reservation, paid: boolean): Promise<void> {
    try {
      if (channel.totals !== undefined) {
        await this.#store.applySettled(peerId, channel.totals())
        await hold.release()
      } else if (paid) await hold.commit()
      else await hold.release()
    } catch (error) {
      this.#logger.warn(`could not record the settlement with peer ${peerId}; its hold stays pending`, error)
    }
  }
}
