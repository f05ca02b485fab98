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
})
