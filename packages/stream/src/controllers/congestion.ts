/**
 * Congestion control: a limit on packets in flight, and an amount window that shrinks by
 * half when a connector runs out of liquidity (T04) and grows again additively as packets
 * are fulfilled (AIMD, like TCP's congestion window with the amount as the "bytes").
 */
export interface CongestionOptions {
  /** Prepares awaiting a reply at once. Default 10. */
  maxInFlightPackets?: number
}

export class CongestionController {
  readonly maxInFlightPackets: number
  inFlightPackets = 0
  inFlightAmount = 0n
  /** Source units allowed in flight; undefined until the path first says T04. */
  window: bigint | undefined

  constructor(options: CongestionOptions = {}) {
    this.maxInFlightPackets = options.maxInFlightPackets ?? 10
  }

  get canSendPacket(): boolean {
    return this.inFlightPackets < this.maxInFlightPackets
  }

  /** The most the next packet may carry under the window. */
  get amountRoom(): bigint | undefined {
    if (this.window === undefined) return undefined
    const room = this.window - this.inFlightAmount
    return room > 0n ? room : 0n
  }

  onSend(amount: bigint): void {
    this.inFlightPackets++
    this.inFlightAmount += amount
  }

  onReply(amount: bigint): void {
    this.inFlightPackets--
    this.inFlightAmount -= amount
  }

  /** Additive increase: about one packet's worth per window of fulfilled amount. */
  onFulfill(amount: bigint): void {
    if (this.window === undefined || amount === 0n) return
    const step = (amount * amount) / this.window
    this.window += step > 0n ? step : 1n
  }

  /** Multiplicative decrease: half of what was in flight when liquidity ran out (RFC 0027 T04). */
  onInsufficientLiquidity(amount: bigint): void {
    if (amount === 0n) return
    const halved = (this.inFlightAmount + amount) / 2n
    this.window = halved > 0n ? halved : 1n
  }
}
