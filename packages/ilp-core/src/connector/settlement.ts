import { MAX_UINT64 } from '../packet.js'
import type { BalanceStore } from './balance-store.js'
import type { PeerAccount } from './pipeline.js'

export interface SettlementLogger {
  warn(message: string, details?: unknown): void
}

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
 * convention (balance-store.ts) the balance is what we owe the peer, so we settle when it
 * reaches `settleThreshold`, paying enough to bring it down to `settleTo`.
 *
 * The payment is held against the balance while the Channel works (so a second check does not
 * pay it twice, and the minimum-balance check already counts it), committed when the Channel
 * resolves and released — the revert — if it fails. One settlement per peer at a time.
 */
export class Settlement {
  readonly #store: BalanceStore
  readonly #logger: SettlementLogger
  readonly #inFlight = new Set<string>()
  readonly counters: SettlementCounters = { sent: 0, sentAmount: 0n, failed: 0, failedAmount: 0n, received: 0, receivedAmount: 0n }

  constructor(store: BalanceStore, logger: SettlementLogger) {
    this.#store = store
    this.#logger = logger
  }

  /**
   * Starts a settlement if the peer is at its threshold; resolves when it is over. After one
   * succeeds, the threshold is checked again: packets fulfilled while it was out (a chain-backed
   * channel may take seconds) may have put the peer over it with no packet left to notice.
   */
  maybeSettle(peer: PeerAccount): Promise<void> {
    const { channel, settleThreshold } = peer
    if (channel === undefined || settleThreshold === undefined || this.#inFlight.has(peer.id)) return Promise.resolve()
    const { balance, pendingDebit } = this.#store.get(peer.id)
    // Count holds from the peer's own Prepares as if they will be fulfilled: we pay less, not more.
    const owed = balance + pendingDebit
    if (owed < settleThreshold) return Promise.resolve()
    let amount = owed - peer.settleTo
    if (amount <= 0n) return Promise.resolve()
    if (amount > MAX_UINT64) amount = MAX_UINT64
    const hold = this.#store.reserve(peer.id, -amount)
    this.#inFlight.add(peer.id)
    return Promise.resolve()
      .then(() => channel.sendValue(amount))
      .then(
        () => {
          this.counters.sent++
          this.counters.sentAmount += amount
          try {
            hold.commit()
          } catch (error) {
            // The value left; only our books failed. The hold stays pending, so it still counts
            // against what we owe the peer, and nobody is left with an unhandled rejection.
            this.#logger.warn(`settled ${amount} to peer ${peer.id} but could not record it; the hold stays pending`, error)
          }
          return true
        },
        (error: unknown) => {
          hold.release()
          this.counters.failed++
          this.counters.failedAmount += amount
          this.#logger.warn(`settlement of ${amount} to peer ${peer.id} failed; balance restored`, error)
          return false
        },
      )
      .then((settled) => {
        this.#inFlight.delete(peer.id)
        // Not after a failure: the next packet tries again, rather than a loop against a dead channel.
        if (settled) return this.maybeSettle(peer)
      })
  }

  /** Value the peer sent us over its Channel: we owe it that much more. */
  receive(peer: PeerAccount, amount: bigint): void {
    if (amount <= 0n || amount > MAX_UINT64) throw new RangeError(`incoming value ${amount} is not a positive UInt64`)
    this.#store.adjust(peer.id, amount)
    this.counters.received++
    this.counters.receivedAmount += amount
  }
}
