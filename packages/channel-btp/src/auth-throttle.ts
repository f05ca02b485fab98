/**
 * Throttling of failed BTP authentications per remote address (RFC 0023 leaves it to the
 * server). Sans I/O: the server asks it, with the time, whether to take a connection and how
 * long to hold a refusal.
 *
 * - A refusal is held before it is sent: the first `freeFailures` of an address go at once,
 *   then each waits twice as long as the one before, up to `maxDelayMs`.
 * - An address may have `maxPendingPerAddress` connections between opening and their verdict;
 *   a held refusal keeps its place. More are closed at once, unread. So one address gets at
 *   most maxPendingPerAddress verdicts per maxDelayMs, however many sockets it opens.
 * - Valid credentials are never held: accepted the moment they are read. During a burst a
 *   login from the same address may find every place taken (and be told to try again later);
 *   once the burst stops the places are free within maxDelayMs, or the auth timeout for
 *   connections that send nothing. Other addresses are not affected at all.
 */

export interface AuthThrottleOptions {
  /** Failures of one address answered at once, before the delays start. Default 3. */
  readonly freeFailures?: number
  /** The first delay, doubled at each further failure. Default 100 ms. */
  readonly baseDelayMs?: number
  /** The longest a refusal is held. Default 5000 ms. */
  readonly maxDelayMs?: number
  /** Connections of one address awaiting their verdict at once. Default 8. */
  readonly maxPendingPerAddress?: number
  /** An address without a failure for this long starts afresh. Default 60 000 ms. */
  readonly forgetAfterMs?: number
}

interface AddressState {
  pending: number
  failures: number
  lastFailureAt: number
}

/** Addresses remembered at most; the ones whose last failure is oldest go first. */
const MAX_ADDRESSES = 10_000

export class AuthThrottle {
  readonly #options: Required<AuthThrottleOptions>
  /** In order of last failure (an entry is moved to the end at each one). */
  readonly #addresses = new Map<string, AddressState>()

  constructor(options: AuthThrottleOptions = {}) {
    this.#options = {
      freeFailures: options.freeFailures ?? 3,
      baseDelayMs: options.baseDelayMs ?? 100,
      maxDelayMs: options.maxDelayMs ?? 5_000,
      maxPendingPerAddress: options.maxPendingPerAddress ?? 8,
      forgetAfterMs: options.forgetAfterMs ?? 60_000,
    }
  }

  /** A connection from `address` opened: true to take it (call `release` once it is decided). */
  admit(address: string, now: number): boolean {
    const state = this.#state(address, now)
    if (state.pending >= this.#options.maxPendingPerAddress) return false
    state.pending++
    return true
  }

  /** The connection's verdict is out (accepted, or refused and closed), or it closed first. */
  release(address: string): void {
    const state = this.#addresses.get(address)
    if (state === undefined) return
    state.pending--
    if (state.pending <= 0 && state.failures === 0) this.#addresses.delete(address)
  }

  /** A failed authentication from `address`: how long to hold its refusal (ms). */
  failed(address: string, now: number): number {
    const state = this.#state(address, now)
    state.failures++
    state.lastFailureAt = now
    this.#addresses.delete(address)
    this.#addresses.set(address, state)
    if (this.#addresses.size > MAX_ADDRESSES) this.#evict()
    const { freeFailures, baseDelayMs, maxDelayMs } = this.#options
    const over = state.failures - freeFailures
    return over <= 0 ? 0 : Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(over - 1, 30))
  }

  #state(address: string, now: number): AddressState {
    let state = this.#addresses.get(address)
    if (state === undefined) {
      state = { pending: 0, failures: 0, lastFailureAt: now }
      this.#addresses.set(address, state)
    } else if (now - state.lastFailureAt > this.#options.forgetAfterMs) {
      state.failures = 0
    }
    return state
  }

  #evict(): void {
    for (const [address, state] of this.#addresses) {
      if (this.#addresses.size <= MAX_ADDRESSES) return
      if (state.pending === 0) this.#addresses.delete(address)
    }
  }
}
