import type BigNumber from 'bignumber.js'
import type { ConnectorLogger } from '../logger.js'
import { PriceTable, type RateBackend } from './exchange-rate.js'

/**
 * Loads a rate table (checked by parseRateTable): the I/O of a rate feed, injected — a file
 * or a URL in the connector app, anything in a test.
 */
export type RateSource = () => Promise<Map<string, BigNumber>>

export interface PollingRateBackendOptions {
  /** Time between refreshes. Default 60 000 ms. */
  intervalMs?: number
  /** Rates older than this are not used (rate() is undefined). Default: no limit. */
  maxAgeMs?: number
  now?: () => number
  logger?: Pick<ConnectorLogger, 'warn'>
}

/**
 * Rates from a RateSource, refreshed on an interval. A failed refresh keeps the last good
 * table (logged); `maxAgeMs` bounds how long it may be used.
 */
export class PollingRateBackend implements RateBackend {
  readonly #load: RateSource
  readonly #intervalMs: number
  readonly #maxAgeMs: number | undefined
  readonly #now: () => number
  readonly #logger: Pick<ConnectorLogger, 'warn'>
  #table: PriceTable | undefined
  #loadedAt = 0
  #timer: ReturnType<typeof setInterval> | undefined

  constructor(load: RateSource, options: PollingRateBackendOptions = {}) {
    this.#load = load
    this.#intervalMs = options.intervalMs ?? 60_000
    this.#maxAgeMs = options.maxAgeMs
    this.#now = options.now ?? Date.now
    this.#logger = options.logger ?? console
  }

  /** Loads once (rejects if that fails), then refreshes every interval until stop(). */
  async start(): Promise<void> {
    await this.refresh()
    this.stop()
    this.#timer = setInterval(() => {
      this.refresh().catch((error: unknown) => this.#logger.warn('rate refresh failed; keeping the last rates', error))
    }, this.#intervalMs)
    this.#timer.unref()
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#timer = undefined
  }

  async refresh(): Promise<void> {
    this.#table = new PriceTable(await this.#load())
    this.#loadedAt = this.#now()
  }

  rate(sourceCode: string, destCode: string): BigNumber | undefined {
    if (this.#table === undefined) return undefined
    if (this.#maxAgeMs !== undefined && this.#now() - this.#loadedAt > this.#maxAgeMs) return undefined
    return this.#table.rate(sourceCode, destCode)
  }
}
