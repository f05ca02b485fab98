import { describe, expect, it } from 'vitest'
import { runThreeL2 } from '../src/three-l2.js'

describe('the three-L2 demo', () => {
  it('pays SQLite channel → Ethereum channel → XRP claims, conserving value on every ledger', async () => {
    const result = await runThreeL2({ amount: '5.00' })
    expect(result.sent).toBe(500n)
    // 5.00 USD × 0.0004 × 0.99 = 0.00198 ETH; × 5000 × 0.99 = 9.801 XRP, rounded down per packet
    expect(result.delivered).toBeGreaterThan(9_700_000n)
    expect(result.delivered).toBeLessThanOrEqual(9_801_000n)
    expect(result.bobBestClaim).toBe(result.delivered)
    expect(result.ethGasUsed).toBeGreaterThan(0n)
    expect(result.redemptionHash).toMatch(/^[0-9A-F]{64}$/)
    expect(result.checks.length).toBeGreaterThanOrEqual(12)
    for (const [what, ok] of result.checks) expect(ok, what).toBe(true)
  })
})
