import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MAX_UINT64, type Channel, type IncomingValue } from '../channel.js'

export interface ChannelPair {
  readonly a: Channel
  readonly b: Channel
}

export interface ChannelTestOptions {
  setup(): Promise<ChannelPair>
  teardown(pair: ChannelPair): Promise<void>
  /** The largest amount one payment may carry. Default the largest UInt64; a ledger with a lower cap (the XRP Ledger's 10^17 drops) names it. */
  readonly largestAmount?: bigint
}

/** The contract of a Channel, run by every implementation against itself. */
export function channelTests(options: ChannelTestOptions): void {
  const largest = options.largestAmount ?? MAX_UINT64
  describe('Channel compliance', () => {
    let pair: ChannelPair

    beforeEach(async () => {
      pair = await options.setup()
    })
    afterEach(async () => {
      await options.teardown(pair)
    })

    it('delivers the amount sent to the peer value handler', async () => {
      const received: IncomingValue[] = []
      pair.b.setValueHandler((value) => {
        received.push(value)
      })
      await pair.a.sendValue(12_345n)
      expect(received.map((value) => value.amount)).toEqual([12_345n])
      expect(received[0]?.proof).toBeInstanceOf(Uint8Array)
    })

    it(`carries the largest amount (${largest}) exactly`, async () => {
      const received: bigint[] = []
      pair.b.setValueHandler(({ amount }) => {
        received.push(amount)
      })
      await pair.a.sendValue(largest)
      expect(received).toEqual([largest])
    })

    it('rejects the send when the peer refuses the value', async () => {
      pair.b.setValueHandler(() => {
        throw new Error('refused')
      })
      await expect(pair.a.sendValue(1n)).rejects.toBeInstanceOf(Error)
    })

    it('refuses an amount that is not a UInt64 before sending', async () => {
      let called = false
      pair.b.setValueHandler(() => {
        called = true
      })
      await expect(pair.a.sendValue(-1n)).rejects.toBeInstanceOf(Error)
      await expect(pair.a.sendValue(1n << 64n)).rejects.toBeInstanceOf(Error)
      expect(called).toBe(false)
    })
  })
}
