import { describe, expect, it } from 'vitest'
import { linkTests } from '../src/compliance/index.js'
import { createMemoryLinkPair, LinkBusyError, LinkNotConnectedError } from '../src/index.js'

linkTests({
  async setup() {
    const [a, b] = createMemoryLinkPair()
    await a.connect()
    await b.connect()
    return { a, b }
  },
  async teardown({ a, b }) {
    await a.close()
    await b.close()
  }
})

describe('memory link', () => {
  it('refuses to send before connect', async () => {
    const [a] = createMemoryLinkPair()
    await expect(a.request(new Uint8Array(1))).rejects.toBeInstanceOf(LinkNotConnectedError)
  })

  it('refuses requests past the in-flight bound without sending them', async () => {
    const [a, b] = createMemoryLinkPair({ maxInFlight: 2 })
    await a.connect()
    await b.connect()
    let seen = 0
    b.setRequestHandler(() => {
      seen++
      return new Promise<Uint8Array>(() => undefined)
    })
    const first = a.request(new Uint8Array(1), { timeoutMs: 20 })
    const second = a.request(new Uint8Array(1), { timeoutMs: 20 })
    await expect(a.request(new Uint8Array(1))).rejects.toBeInstanceOf(LinkBusyError)
    await Promise.allSettled([first, second])
    expect(seen).toBe(2)
    await a.close()
    await b.close()
  })
})
