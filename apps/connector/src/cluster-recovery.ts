import type { Channel } from '@stack/channel-core'
import type { StaleHold } from '@stack/ilp-shared-balances'
import type { Logger } from 'pino'
import type { SettlementLease } from './cluster-lease.js'

/** What recovery asks of the shared store (ilp-shared-balances SharedBalanceStore). */
export interface StaleHoldStore {
  staleHolds(peerId: string): Promise<StaleHold[]>
  releaseStale(peerId: string): Promise<StaleHold[]>
}

/** The peer's lock is this process's, but what the last holder left is not recovered yet: nothing is paid. */
export class SettlementRecoveryPendingError extends Error {
  override readonly name = 'SettlementRecoveryPendingError'
  constructor(readonly peerId: string) {
    super(`peer ${peerId} is not settled yet: this process has just taken its settlement lock, and has not recovered what the last holder left`)
  }
}

/** A peer this process may settle: its channel, and how its books take the channel's totals. */
export interface RecoverablePeer {
  readonly channel: Channel
  /** Connector.reconcile: the books take what the channel's totals hold beyond them. */
  reconcile(): Promise<unknown>
}

/**
 * The settlement lease of a cluster's instance, and the recovery each new tenure of a peer's
 * lock begins with, before this process pays the peer anything. A holder that crashed while its
 * channel paid left its settlement's hold in the shared store, without an expiry (no sweep may
 * release it: the payment may be out). So, in each new tenure:
 *   1. the books take the channel's totals (as at a start): the crashed holder's payment is in
 *      them now if the channel made it, once; one it did not make is not;
 *   2. the peer's stale holds (SharedBalanceStore.releaseStale: other runs' expiry-less ones) go,
 *      journaled: what they held back is now in the totals or was never paid.
 * In this order: between the two the hold and the payment both count, so we owe less, never more.
 * A channel without totals cannot say whether the payment went out: releasing its hold could
 * pay twice, committing it could lose the payment. Its holds stay pending (they count as paid),
 * logged at each tenure, for the operator.
 * This process's own holds are never stale to it: after a lost and regained lock its settlement
 * still out resolves its own.
 */
export class RecoveringLease implements SettlementLease {
  readonly #lease: SettlementLease
  readonly #store: StaleHoldStore
  readonly #logger: Logger
  /** Peer → the tenure recovered. */
  readonly #recovered = new Map<string, number>()
  readonly #acquiring = new Map<string, Promise<boolean>>()
  /** Peers whose last recovery failed: logged once until one succeeds (the loop tries every interval). */
  readonly #failing = new Set<string>()

  constructor(lease: SettlementLease, store: StaleHoldStore, logger: Logger) {
    this.#lease = lease
    this.#store = store
    this.#logger = logger.child({ component: 'cluster' })
  }

  /**
   * The lock is ours and this tenure recovered: the check of each payment (leasedChannel).
   * @throws SettlementRecoveryPendingError if the lock is ours but not recovered (`acquire` does it)
   */
  async hold(peerId: string): Promise<boolean> {
    if (!(await this.#lease.hold(peerId))) return false
    if (this.#recovered.get(peerId) !== this.#lease.tenure(peerId)) throw new SettlementRecoveryPendingError(peerId)
    return true
  }

  tenure(peerId: string): number {
    return this.#lease.tenure(peerId)
  }

  /**
   * Takes or keeps the peer's lock and, in a tenure new, recovers first; true once this process
   * may settle the peer. A failure (the store away) is logged and answers false: the next call tries again.
   */
  acquire(peerId: string, peer: RecoverablePeer): Promise<boolean> {
    let acquiring = this.#acquiring.get(peerId)
    if (acquiring === undefined) {
      acquiring = this.#acquire(peerId, peer).then(
        (done) => {
          this.#failing.delete(peerId)
          return done
        },
        (error: unknown) => {
          if (!this.#failing.has(peerId)) this.#logger.warn({ err: error, peer: peerId }, 'could not recover the settlement of the peer; it is not settled until it is')
          this.#failing.add(peerId)
          return false
        },
      )
      void acquiring.finally(() => this.#acquiring.delete(peerId))
      this.#acquiring.set(peerId, acquiring)
    }
    return acquiring
  }

  async #acquire(peerId: string, peer: RecoverablePeer): Promise<boolean> {
    if (!(await this.#lease.hold(peerId))) return false
    const tenure = this.#lease.tenure(peerId)
    if (this.#recovered.get(peerId) === tenure) return true
    await peer.reconcile()
    if (peer.channel.totals !== undefined) {
      const released = await this.#store.releaseStale(peerId)
      if (released.length > 0) this.#logger.warn({ peer: peerId, holds: holdsOf(released) }, 'released the settlement holds a crashed holder left: the books follow the channel\'s totals')
    } else {
      const stale = await this.#store.staleHolds(peerId)
      if (stale.length > 0) {
        this.#logger.warn({ peer: peerId, holds: holdsOf(stale) }, 'settlement holds a crashed holder left stay pending: the channel has no totals to say whether they were paid (resolve them by hand)')
      }
    }
    // Lost meanwhile: the next tenure recovers again.
    if (!(await this.#lease.hold(peerId)) || this.#lease.tenure(peerId) !== tenure) return false
    this.#recovered.set(peerId, tenure)
    return true
  }

  close(): Promise<void> {
    return this.#lease.close()
  }
}

function holdsOf(holds: readonly StaleHold[]): Record<string, string> {
  return Object.fromEntries(holds.map((hold) => [hold.id, hold.delta.toString()]))
}

/**
 * The holder's settle loop (RFC 0032 §"Settlement Threshold"): every `intervalMs`, and once now,
 * the lock of each peer whose channel pays under it (`leased`) is taken or kept, and recovered
 * (`lease`), before its settlement is looked at. One round at a time. Returns the stop.
 */
export function settleLoop(peers: readonly (RecoverablePeer & { id: string; settles: boolean; leased: boolean })[], settle: (peerId: string) => void, intervalMs: number, lease?: RecoveringLease): () => void {
  let running = false
  const round = async (): Promise<void> => {
    for (const peer of peers) {
      if (peer.leased && lease !== undefined && !(await lease.acquire(peer.id, peer))) continue
      if (peer.settles) settle(peer.id)
    }
  }
  const run = (): void => {
    if (running) return
    running = true
    void round().finally(() => (running = false))
  }
  run()
  const timer = setInterval(run, intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}
