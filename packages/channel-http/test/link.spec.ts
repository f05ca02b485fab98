import { linkTests } from '@stack/channel-core/compliance'
import { describe } from 'vitest'
import type { HttpPair } from './fixtures/http-pair.js'
import { httpPair } from './fixtures/http-pair.js'

const pairs = new WeakMap<object, HttpPair>()

describe('ILP over HTTP link pair', () => {
  linkTests({
    concurrency: 2000,
    async setup() {
      const pair = await httpPair({ maxInFlight: 5000 })
      const links = { a: pair.a, b: pair.b }
      pairs.set(links, pair)
      return links
    },
    async teardown(links) {
      await pairs.get(links)?.close()
    }
  })
})
