/**
 * Time, injected: every rule that reads the time or waits for a deadline takes a Clock, so
 * tests drive time by hand (quic-go's `getWindowUpdate(now)` habit, STYLE.md).
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
  /** Calls `callback` once after `delayMs`; returns the function that cancels it. */
  setTimer(delayMs: number, callback: () => void): () => void
}

// setTimeout fires at once for delays above 2^31-1 ms; a later deadline waits that long first.
const MAX_TIMER_DELAY = 0x7fff_ffff

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(delayMs, callback) {
    const timer = setTimeout(callback, Math.min(Math.max(0, delayMs), MAX_TIMER_DELAY))
    return () => clearTimeout(timer)
  },
}
