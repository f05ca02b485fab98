import { describe, expect, it } from 'vitest'
import { runDemo } from '../src/main.js'

// Its connectors are processes: on a loaded machine they take a while to start.
describe('the demo', () => {
  it('pays across two ledgers, two connectors and three payment channels, conserving value on every ledger', { timeout: 240_000 }, async () => {
    const result = await runDemo({ amount: '30.00', progress: false })
    expect(result.sent).toBe(3_000n)
    expect(result.aliceSpentOnLedger).toBe(3_000n)
    // 0.9 × 0.99 = 0.891 per cent, rounded down per packet: a little under 2673
    expect(result.delivered).toBeGreaterThan(2_600n)
    expect(result.delivered).toBeLessThanOrEqual(2_673n)
    expect(result.bobOnLedger).toBe(result.delivered)
    expect(result.audits).toEqual({ usd: true, eur: true })
  })
})
