import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { settleAsSent } from '../src/index.js'

/** A channel whose payments resolve when the test says, recording each amount. */
function slowChannel(): { sent: bigint[]; release(): void; fail: Error | undefined; sendValue(amount: bigint): Promise<void> } {
  const waiting: (() => void)[] = []
  const channel = {
    sent: [] as bigint[],
    fail: undefined as Error | undefined,
    release: () => waiting.splice(0).forEach((go) => go()),
    sendValue: (amount: bigint) =>
      new Promise<void>((resolve, reject) => {
        waiting.push(() => (channel.fail === undefined ? (channel.sent.push(amount), resolve()) : reject(channel.fail)))
      }),
  }
  return channel
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

describe('settleAsSent', () => {
  it('pays the highest total asked for, never more, never ahead, in as few payments as the channel allows', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.bigInt({ min: 0n, max: 10n ** 12n }), { maxLength: 30 }), fc.array(fc.boolean(), { maxLength: 30 }), async (totals, releases) => {
        const channel = slowChannel()
        const settler = settleAsSent(channel)
        let asked = 0n
        for (const [i, total] of totals.entries()) {
          settler.settleUpTo(total)
          if (total > asked) asked = total
          if (releases[i] === true) {
            channel.release()
            await Promise.resolve()
          }
          // Never ahead: what was paid is at most the highest total asked for so far.
          expect(channel.sent.reduce((a, b) => a + b, 0n)).toBeLessThanOrEqual(asked)
        }
        for (let i = 0; i < totals.length + 1; i++) {
          channel.release()
          await tick()
        }
        await settler.settled()
        expect(channel.sent.reduce((a, b) => a + b, 0n)).toBe(asked)
        expect(settler.paid()).toBe(asked)
        expect(channel.sent.every((amount) => amount > 0n)).toBe(true)
        expect(channel.sent.length).toBeLessThanOrEqual(totals.length)
      }),
    )
  })

  it('coalesces totals asked for while a payment is under way', async () => {
    const channel = slowChannel()
    const settler = settleAsSent(channel)
    settler.settleUpTo(10n)
    await tick() // the payment of 10 is under way
    for (const total of [20n, 30n, 45n]) settler.settleUpTo(total)
    channel.release()
    await tick()
    channel.release()
    await settler.settled()
    expect(channel.sent).toEqual([10n, 35n])
  })

  it('stops at the first failed payment: reported once, settled() rejects, nothing paid after it', async () => {
    const channel = slowChannel()
    const failures: unknown[] = []
    const settler = settleAsSent(channel, { onFailure: (error) => failures.push(error) })
    channel.fail = new Error('ledger refused')
    settler.settleUpTo(10n)
    await tick()
    channel.release()
    await expect(settler.settled()).rejects.toThrow('ledger refused')
    channel.fail = undefined
    settler.settleUpTo(20n)
    await tick()
    channel.release()
    await expect(settler.settled()).rejects.toThrow('ledger refused')
    expect([channel.sent, failures.length, settler.paid()]).toEqual([[], 1, 0n])
  })
})
