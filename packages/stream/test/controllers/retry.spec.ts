import { describe, expect, it } from 'vitest'
import { RetryController } from '../../src/controllers/retry.js'

describe('RetryController', () => {
  it('backs off exponentially up to the ceiling and resets on success; time is passed in', () => {
    const c = new RetryController({ initialDelay: 10, maxDelay: 30, factor: 2 })
    expect(c.ready(0)).toBe(true)
    c.onTemporaryFailure(100)
    expect(c.ready(109)).toBe(false)
    expect(c.ready(110)).toBe(true)
    c.onTemporaryFailure(110) // +20
    c.onTemporaryFailure(130) // +30 (ceiling)
    expect(c.notBefore).toBe(160)
    expect(c.consecutiveFailures).toBe(3)
    c.onSuccess()
    c.onTemporaryFailure(200)
    expect(c.notBefore).toBe(210)
  })

  it('counts a burst of rejects during one backoff as one step, not one per packet in flight', () => {
    const c = new RetryController({ initialDelay: 100, maxDelay: 10_000, factor: 2 })
    for (let i = 0; i < 10; i++) c.onTemporaryFailure(1_000 + i) // ten packets in flight, all T04
    expect(c.notBefore).toBe(1_100)
    expect(c.consecutiveFailures).toBe(10)
    c.onTemporaryFailure(1_100) // the next try fails too: now it grows
    expect(c.notBefore).toBe(1_300)
  })
})
