import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Batcher } from '../src/batcher.js'

describe('Batcher (group commit)', () => {
  it('answers each op with its own result, sends at most maxInFlight batches of at most maxBatch, and fails only the batch that failed (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ value: fc.integer(), fail: fc.boolean() }), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 4 }),
        async (ops, maxBatch, maxInFlight) => {
          let inFlight = 0
          let most = 0
          const sizes: number[] = []
          // A batch fails when any of its ops asks to: all of that batch's ops are refused, no other.
          const batcher = new Batcher<{ value: number; fail: boolean }, number>(
            async (batch) => {
              inFlight++
              most = Math.max(most, inFlight)
              sizes.push(batch.length)
              await new Promise((resolve) => setTimeout(resolve, Math.random() * 3))
              inFlight--
              if (batch.some((op) => op.fail)) throw new Error('batch refused')
              return batch.map((op) => op.value * 2)
            },
            { maxBatch, maxInFlight },
          )
          const outcomes = await Promise.allSettled(ops.map((op) => batcher.submit(op)))
          expect(most).toBeLessThanOrEqual(maxInFlight)
          expect(Math.max(...sizes)).toBeLessThanOrEqual(maxBatch)
          expect(sizes.reduce((a, b) => a + b, 0)).toBe(ops.length)
          expect(batcher.stats).toEqual({ batches: sizes.length, ops: ops.length })
          outcomes.forEach((outcome, i) => {
            if (outcome.status === 'fulfilled') expect(outcome.value).toBe((ops[i] as { value: number }).value * 2)
          })
          // Each failed op shared its batch with an op that asked to fail; an op that asked to fail failed.
          ops.forEach((op, i) => {
            if (op.fail) expect(outcomes[i]?.status).toBe('rejected')
          })
          expect(outcomes.filter((o) => o.status === 'rejected').length).toBeGreaterThanOrEqual(ops.filter((op) => op.fail).length)
        },
      ),
      { numRuns: 60 },
    )
  })

  it('sends an op alone when idle, and groups the ops that arrive while a batch is out', async () => {
    const sizes: number[] = []
    let release: () => void = () => undefined
    const batcher = new Batcher<number, number>(
      async (batch) => {
        sizes.push(batch.length)
        if (sizes.length === 1) await new Promise<void>((resolve) => (release = resolve))
        return batch
      },
      { maxBatch: 100, maxInFlight: 1 },
    )
    const first = batcher.submit(0)
    await new Promise((resolve) => setImmediate(resolve))
    const rest = Array.from({ length: 10 }, (_, i) => batcher.submit(i + 1))
    release()
    expect(await first).toBe(0)
    expect(await Promise.all(rest)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    expect(sizes).toEqual([1, 10])
  })

  it('refuses the ops of a batch whose run throws at once', async () => {
    const batcher = new Batcher<number, number>(
      () => {
        throw new Error('no connection')
      },
      { maxBatch: 10, maxInFlight: 1 },
    )
    await expect(batcher.submit(1)).rejects.toThrow('no connection')
  })
})
