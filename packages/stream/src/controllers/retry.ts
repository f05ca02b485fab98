/** Backoff after temporary (T) and relative (R) rejects, RFC 0027 §"Error Codes". Time is passed in. */
export interface RetryOptions {
  /** First delay, ms. Default 100. */
  initialDelay?: number
  /** Ceiling, ms. Default 10 000. */
  maxDelay?: number
  /** Growth per consecutive failure. Default 2. */
  factor?: number
}

export class RetryController {
  private readonly initialDelay: number
  private readonly maxDelay: number
  private readonly factor: number
  private delay: number
  /** No packet before this time (ms since epoch, as passed in). */
  notBefore = 0
  /** Failures since the last success. */
  consecutiveFailures = 0

  constructor(options: RetryOptions = {}) {
    this.initialDelay = options.initialDelay ?? 100
    this.maxDelay = options.maxDelay ?? 10_000
    this.factor = options.factor ?? 2
    this.delay = this.initialDelay
  }

  ready(now: number): boolean {
    return now >= this.notBefore
  }

  onTemporaryFailure(now: number): void {
    this.consecutiveFailures++
    // Rejects that arrive while already backing off answer packets sent before the backoff
    // began: one episode (say, every packet in flight hitting T04 at once), one step of growth.
    if (now < this.notBefore) return
    this.notBefore = now + this.delay
    this.delay = Math.min(this.delay * this.factor, this.maxDelay)
  }

  onSuccess(): void {
    this.delay = this.initialDelay
    this.consecutiveFailures = 0
  }
}
