import type { Link } from '@stack/channel-core'
import type { Clock } from './clock.js'
import { errorText, type ConnectorLogger } from './logger.js'

export interface DialOptions {
  /** First wait after a failed connect. Default 100 ms. */
  initialDelayMs?: number
  /** Longest wait between attempts. Default 5 000 ms. */
  maxDelayMs?: number
  /** A connect error that retrying cannot fix (refused credentials): no more attempts. Default: none. */
  isFinal?: (error: unknown) => boolean
}

/**
 * The first connection of each link the node dials, retried with exponential backoff until it
 * succeeds: a link's own reconnect (BtpClient's) covers a connection lost after that, not one
 * that never came up.
 */
export class Dialer {
  readonly #clock: Clock
  readonly #logger: ConnectorLogger
  readonly #initialDelayMs: number
  readonly #maxDelayMs: number
  readonly #isFinal: (error: unknown) => boolean
  readonly #timers = new Set<() => void>()
  // Links of removed peers: no more attempts (a removed peer's closed link would fail forever).
  readonly #cancelled = new WeakSet<Link>()
  #stopped = false

  constructor(clock: Clock, logger: ConnectorLogger, options: DialOptions = {}) {
    this.#clock = clock
    this.#logger = logger
    this.#initialDelayMs = options.initialDelayMs ?? 100
    this.#maxDelayMs = options.maxDelayMs ?? 5_000
    this.#isFinal = options.isFinal ?? (() => false)
  }

  /** Resolves once connected, or when it gave up (a final error, or stop()): check `link.state`. */
  dial(peerId: string, link: Link): Promise<void> {
    this.#cancelled.delete(link)
    return this.#attempt(peerId, link, 0)
  }

  /** No more attempts on `link` (its peer was removed); a wait in progress ends without one. */
  cancel(link: Link): void {
    this.#cancelled.add(link)
  }

  #attempt(peerId: string, link: Link, attempt: number): Promise<void> {
    return link.connect().catch((error: unknown) => {
      if (this.#stopped || this.#cancelled.has(link)) return
      if (this.#isFinal(error)) {
        this.#logger.error('peer refused our credentials; not retrying', { peer: peerId, err: errorText(error) })
        return
      }
      const delay = Math.min(this.#maxDelayMs, this.#initialDelayMs * 2 ** Math.min(attempt, 20))
      this.#logger.warn('could not connect to peer', { peer: peerId, err: errorText(error), retryInMs: delay })
      return new Promise<void>((resolve) => {
        const cancel = this.#clock.setTimer(delay, () => {
          this.#timers.delete(abort)
          resolve(this.#stopped || this.#cancelled.has(link) ? undefined : this.#attempt(peerId, link, attempt + 1))
        })
        const abort = (): void => {
          cancel()
          resolve()
        }
        this.#timers.add(abort)
      })
    })
  }

  /** No attempt after this; the waits in progress end at once. */
  stop(): void {
    this.#stopped = true
    for (const cancel of this.#timers) cancel()
    this.#timers.clear()
  }
}
