import { MAX_UINT64, decodeAmountTooLargeData } from '@stack/ilp-core'

/**
 * What the sender knows of the largest packet the path forwards, and how it knows it
 * (the @interledger/pay shape): nothing yet, exactly (from the F08 data of RFC 0027), or
 * only an upper bound after an F08 without usable data.
 */
export type MaxPacketState =
  | { type: 'unknown' }
  | { type: 'precise'; max: bigint }
  | { type: 'imprecise'; max: bigint }

export class MaxPacketAmountController {
  state: MaxPacketState = { type: 'unknown' }

  /** The largest source amount the next packet may carry. */
  get limit(): bigint {
    return this.state.type === 'unknown' ? MAX_UINT64 : this.state.max
  }

  /**
   * RFC 0027 F08: the connector says `receivedAmount` arrived and at most `maximumAmount`
   * passes, both in its units: scale our `sent` by the same ratio (rounded down). Returns
   * the new limit; 0 means the path cannot carry money.
   */
  onAmountTooLarge(sent: bigint, data: Uint8Array): bigint {
    let max: bigint | undefined
    try {
      const { receivedAmount, maximumAmount } = decodeAmountTooLargeData(data)
      if (receivedAmount > 0n) max = (sent * maximumAmount) / receivedAmount
    } catch {
      max = undefined
    }
    if (max !== undefined && max < sent) {
      if (max < this.limit) this.state = { type: 'precise', max }
    } else {
      // No usable data (or data claiming the packet fitted): halve, and do not trust it fully.
      const halved = sent / 2n
      if (halved < this.limit) this.state = { type: 'imprecise', max: halved }
    }
    return this.limit
  }
}
