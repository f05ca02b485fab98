import { describe, expect, it } from 'vitest'
import { runClusterDemo } from '../src/cluster.js'

describe('the cluster demo', () => {
  it('carries alice\'s stream over three instances while one is killed and restarted; the books square', async () => {
    const result = await runClusterDemo({ packets: 300, concurrency: 4 })
    for (const [what, ok] of result.checks) expect(ok, what).toBe(true)
    // Most of the stream got through, and every instance took some of it.
    expect(result.fulfilled).toBeGreaterThan(250n * 100n)
    expect(result.perInstance.a).toBeGreaterThan(0)
    expect(result.perInstance.c).toBeGreaterThan(0)
    expect(result.charged).toBeLessThanOrEqual(result.owed)
  }, 180_000)
})
