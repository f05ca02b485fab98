import { describe, expect, it } from 'vitest'
import { runThreeL2 } from '../src/three-l2.js'

// The whole demo, as `npm run demo:l2` runs it: a bcoin regtest chain, an anvil chain and two
// connector processes, started and stopped by the demo itself. Generous timeout: the regtest
// node mines 1,400 blocks as it starts, and the machine may be loaded.
describe('the three-L2 demo', () => {
  it('pays Lightning → Ethereum channel → XRP claims, conserving value on every chain and in every book', { timeout: 300_000 }, async () => {
    const result = await runThreeL2({ amount: '0.0005' })
    expect(result.sent).toBe(50_000n)
    expect(result.lightningPaid).toBe(result.sent)
    // 20 000 sat of credit: Alice pays A's invoices during the payment, not once at the end
    expect(result.lightningPayments).toBeGreaterThanOrEqual(3)
    expect(result.bitcoinFees).toBeGreaterThan(0n)
    // 50 000 sat × 40 ETH/BTC × 0.99 = 0.0198 ETH; × 5000 × 0.99 = 98.01 XRP, rounded down per packet
    expect(result.delivered).toBeGreaterThan(97_000_000n)
    expect(result.delivered).toBeLessThanOrEqual(98_010_000n)
    expect(result.bobBestClaim).toBe(result.delivered)
    expect(result.ethGasUsed).toBeGreaterThan(0n)
    expect(result.redemptionHash).toMatch(/^[0-9A-F]{64}$/)
    expect(result.checks.length).toBeGreaterThanOrEqual(15)
    for (const [what, ok] of result.checks) expect(ok, what).toBe(true)
  })
})
