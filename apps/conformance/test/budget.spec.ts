import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Budget, BudgetExceededError } from '../src/index.js'

// The caps are what makes the suite safe against a node one does not own: whatever the
// sequence of takes, the counts never pass the caps, and a refused take changes nothing.

describe('Budget', () => {
  it('never lets packets or value past the caps, and refuses with BudgetExceededError', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.bigInt({ min: 0n, max: 1_000n }),
        fc.array(fc.oneof(fc.constant<'packet'>('packet'), fc.bigInt({ min: 0n, max: 300n })), { maxLength: 200 }),
        (maxPackets, maxValue, takes) => {
          const budget = new Budget(maxPackets, maxValue)
          for (const take of takes) {
            const before = { packets: budget.packets, value: budget.value }
            try {
              if (take === 'packet') budget.packet()
              else budget.spend(take)
            } catch (error) {
              expect(error).toBeInstanceOf(BudgetExceededError)
              expect({ packets: budget.packets, value: budget.value }).toEqual(before)
              if (take === 'packet') expect(before.packets).toBe(maxPackets)
              else expect(before.value + take).toBeGreaterThan(maxValue)
            }
            expect(budget.packets).toBeLessThanOrEqual(maxPackets)
            expect(budget.value).toBeLessThanOrEqual(maxValue)
          }
        },
      ),
    )
  })
})
