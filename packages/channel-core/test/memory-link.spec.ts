import { describe, expect, it } from 'vitest'
import { linkTests } from '../src/compliance/index.js'
import { createMemoryLinkPair, LinkBusyError, LinkClosedError, LinkNotConnectedError } from '../src/index.js'

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

describe('memory link under load', () => {
  it('holds thousands of requests in flight without piling listeners on the link, and rejects them all on close', async () => {
    const warnings: string[] = []
    const onWarning = (warning: Error) => warnings.push(warning.name)
    process.on('warning', onWarning)
    const [a, b] = createMemoryLinkPair()
    await a.connect()
    await b.connect()
    b.setRequestHandler(() => new Promise<Uint8Array>(() => undefined)) // never answers
    const requests = Array.from({ length: 2000 }, () => a.request(new Uint8Array([1]), { timeoutMs: 60_000 }))
    await new Promise((resolve) => setTimeout(resolve, 10))
    await a.close()
    const results = await Promise.allSettled(requests)
    process.off('warning', onWarning)
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof LinkClosedError)).toBe(true)
    expect(warnings).not.toContain('MaxListenersExceededWarning')
  })
})
