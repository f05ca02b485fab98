import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PollingRateBackend } from '@stack/ilp-connector'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fileRateSource, RateSourceError, urlRateSource } from '../src/rate-sources.js'

const quiet = { warn: () => undefined }

describe('rate sources', () => {
  describe('polling', () => {
    let dir: string
    let server: Server
    let base: string
    let body = '{"USD":"1","EUR":"0.9"}'

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'rates-'))
      server = createServer((request, response) => {
        if (request.url === '/slow') return // never answers
        if (request.url === '/missing') {
          response.writeHead(404).end()
          return
        }
        response.writeHead(200, { 'content-type': 'application/json' }).end(body)
      })
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    })

    afterAll(async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
      await rm(dir, { recursive: true, force: true })
    })

    it('reads a rates file and picks up changes on refresh', async () => {
      const path = join(dir, 'rates.json')
      await writeFile(path, '{"USD":"1","EUR":"0.9"}')
      const rates = new PollingRateBackend(fileRateSource(path), { logger: quiet })
      expect(rates.rate('USD', 'EUR')).toBeUndefined()
      await rates.start()
      rates.stop()
      expect(rates.rate('USD', 'EUR')?.toString()).toBe('0.9')
      await writeFile(path, '{"USD":"1","EUR":"0.95"}')
      await rates.refresh()
      expect(rates.rate('USD', 'EUR')?.toString()).toBe('0.95')
    })

    it('keeps the last rates when a refresh fails, until they are older than maxAgeMs', async () => {
      const path = join(dir, 'rates2.json')
      await writeFile(path, '{"USD":"1","EUR":"0.9"}')
      let now = 0
      const rates = new PollingRateBackend(fileRateSource(path), { maxAgeMs: 1000, now: () => now })
      await rates.refresh()
      await writeFile(path, 'not json')
      await expect(rates.refresh()).rejects.toThrow(RateSourceError)
      now = 1000
      expect(rates.rate('USD', 'EUR')?.toString()).toBe('0.9')
      now = 1001
      expect(rates.rate('USD', 'EUR')).toBeUndefined()
    })

    it('fetches rates from a URL', async () => {
      body = '{"USD":"1","EUR":"0.8"}'
      const rates = new PollingRateBackend(urlRateSource(`${base}/rates`))
      await rates.refresh()
      expect(rates.rate('USD', 'EUR')?.toString()).toBe('0.8')
    })

    it('gives up on a URL after the timeout, and on a non-200 answer', async () => {
      await expect(urlRateSource(`${base}/slow`, { timeoutMs: 50 })()).rejects.toThrow(/no answer within 50 ms/)
      await expect(urlRateSource(`${base}/missing`)()).rejects.toThrow(/HTTP 404/)
    })
  })
})
