import { readFile } from 'node:fs/promises'
import { get as httpGet } from 'node:http'
import { get as httpsGet } from 'node:https'
import type BigNumber from 'bignumber.js'
import { parseRateTable, PriceTable, type RateBackend } from './exchange-rate.js'

/** Loads a rate table (parsed JSON, checked by parseRateTable). */
export type RateSource = () => Promise<Map<string, BigNumber>>

export interface RateFeedLogger {
  warn(message: string, details?: unknown): void
}

/** A rates file or URL could not be read. */
export class RateSourceError extends Error {
  override readonly name = 'RateSourceError'
  constructor(readonly source: string, message: string, options?: { cause?: unknown }) {
    super(`${source}: ${message}`, options)
  }
}

/** Reads a JSON rate table (`{ "USD": "1", "EUR": "0.92" }`) from a file. */
export function fileRateSource(path: string): RateSource {
  return async () => {
    let text: string
    try {
      text = await readFile(path, 'utf8')
    } catch (error) {
      throw new RateSourceError(path, 'cannot read', { cause: error })
    }
    return parseRateTable(parseJson(path, text))
  }
}

const MAX_RESPONSE_BYTES = 1 << 20

/** GETs a JSON rate table over http(s), giving up after `timeoutMs`. */
export function urlRateSource(url: string, options: { timeoutMs?: number } = {}): RateSource {
  const timeoutMs = options.timeoutMs ?? 5_000
  const get = new URL(url).protocol === 'https:' ? httpsGet : httpGet
  return () =>
    new Promise((resolve, reject) => {
      const request = get(url, { timeout: timeoutMs, headers: { accept: 'application/json' } }, (response) => {
        if (response.statusCode !== 200) {
          response.resume()
          reject(new RateSourceError(url, `HTTP ${response.statusCode ?? '?'}`))
          return
        }
        const chunks: Buffer[] = []
        let size = 0
        response.on('data', (chunk: Buffer) => {
          size += chunk.length
          if (size > MAX_RESPONSE_BYTES) request.destroy(new RateSourceError(url, 'response too large'))
          else chunks.push(chunk)
        })
        response.on('end', () => {
          try {
            resolve(parseRateTable(parseJson(url, Buffer.concat(chunks).toString('utf8'))))
          } catch (error) {
            reject(error)
          }
        })
        response.on('error', reject)
      })
      request.on('timeout', () => request.destroy(new RateSourceError(url, `no answer within ${timeoutMs} ms`)))
      request.on('error', (error) => reject(error instanceof RateSourceError ? error : new RateSourceError(url, error.message, { cause: error })))
    })
}

function parseJson(source: string, text: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new RateSourceError(source, 'not JSON', { cause: error })
  }
}

export interface PollingRateBackendOptions {
  /** Time between refreshes. Default 60 000 ms. */
  intervalMs?: number
  /** Rates older than this are not used (rate() is undefined). Default: no limit. */
  maxAgeMs?: number
  now?: () => number
  logger?: RateFeedLogger
}

/**
 * Rates from a file or URL, refreshed on an interval. A failed refresh keeps the last good
 * table (logged); `maxAgeMs` bounds how long it may be used.
 */
export class PollingRateBackend implements RateBackend {
  readonly #load: RateSource
  readonly #intervalMs: number
  readonly #maxAgeMs: number | undefined
  readonly #now: () => number
  readonly #logger: RateFeedLogger
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
