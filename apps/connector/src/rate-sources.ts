import { readFile } from 'node:fs/promises'
import { get as httpGet } from 'node:http'
import { get as httpsGet } from 'node:https'
import { parseRateTable, type RateSource } from '@stack/ilp-connector'

/**
 * The connector's rate feeds (config `rates.file`, `rates.url`): the I/O behind a
 * PollingRateBackend, which the library takes injected.
 */

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

