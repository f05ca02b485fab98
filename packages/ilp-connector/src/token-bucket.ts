/**
 * A token bucket over bigints, exact: tokens are kept in thousandths so that a refill of
 * `ratePerSecond` per 1000 ms adds `ratePerSecond` thousandths per millisecond, no fractions.
 * Time is passed in.
 */
export class TokenBucket {
  readonly #ratePerSecond: bigint
  readonly #capacity: bigint // thousandths
  #tokens: bigint // thousandths
  #updatedAt: number

  /** Starts full. `capacity` defaults to one second's worth. */
  constructor(ratePerSecond: bigint, capacity: bigint, now: number) {
    if (ratePerSecond < 0n || capacity < 0n) throw new RangeError('token bucket rate and capacity must be ≥ 0')
    this.#ratePerSecond = ratePerSecond
    this.#capacity = capacity * 1000n
    this.#tokens = this.#capacity
    this.#updatedAt = now
  }

  /** True when `amount` tokens are there now (refilling first); does not take them. */
  has(amount: bigint, now: number): boolean {
    this.#refill(now)
    return this.#tokens >= amount * 1000n
  }

  /** Takes `amount` tokens if there; true when taken. */
  take(amount: bigint, now: number): boolean {
    if (!this.has(amount, now)) return false
    this.#tokens -= amount * 1000n
    return true
  }

  #refill(now: number): void {
    const elapsed = Math.floor(now - this.#updatedAt)
    if (elapsed <= 0) return // a clock that went backwards refills nothing
    this.#updatedAt += elapsed
    const tokens = this.#tokens + BigInt(elapsed) * this.#ratePerSecond
    this.#tokens = tokens > this.#capacity ? this.#capacity : tokens
  }
}
