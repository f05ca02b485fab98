import { describe, expect, it } from 'vitest'
import { runDemo } from '../src/main.js'

describe('the demo', () => {
  it('pays USD to EUR with STREAM through a connector over BTP, conserving value on both sides', async () => {
    const result = await runDemo(5_000n)
    expect(result.aliceSent).toBe(5_000n)
    expect(result.aliceOwesConnector).toBe(5_000n)
    // 0.9 × 0.99 = 0.891 per unit, rounded down per packet: a little under 4455
    expect(result.delivered).toBeGreaterThan(4_400n)
    expect(result.delivered).toBeLessThanOrEqual(4_455n)
    expect(result.bobReceived).toBe(result.delivered)
    expect(result.connectorOwesBob).toBe(result.delivered)
  })
})
