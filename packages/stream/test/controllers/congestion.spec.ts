import { describe, expect, it } from 'vitest'
import { CongestionController } from '../../src/controllers/congestion.js'

describe('CongestionController', () => {
  it('limits packets in flight', () => {
    const c = new CongestionController({ maxInFlightPackets: 2 })
    c.onSend(10n)
    c.onSend(10n)
    expect(c.canSendPacket).toBe(false)
    c.onReply(10n)
    expect(c.canSendPacket).toBe(true)
    expect(c.inFlightAmount).toBe(10n)
  })

  it('halves the amount window on T04 and grows it additively on fulfills (AIMD)', () => {
    const c = new CongestionController()
    expect(c.amountRoom).toBeUndefined()
    c.onSend(1000n)
    c.onSend(1000n)
    c.onReply(1000n)
    c.onInsufficientLiquidity(1000n)
    expect(c.window).toBe(1000n)
    expect(c.amountRoom).toBe(0n)
    c.onReply(1000n)
    c.onFulfill(500n)
    expect(c.window).toBe(1250n)
  })
})
