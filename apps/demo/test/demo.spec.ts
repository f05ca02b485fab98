import { describe, expect, it } from 'vitest'
import { runDemo } from '../src/main.js'

describe('the demo', () => {
  it('pays over BTP and conserves value: fulfilled = received, the forged packet rejected', async () => {
    const result = await runDemo(5)
    expect(result.received).toBe(result.fulfilled)
    expect(result.fulfilled).toBe(100n + 200n + 300n + 400n)
    expect(result.rejected).toBe(1)
  })
})
