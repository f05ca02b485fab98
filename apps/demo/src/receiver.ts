import { createHmac } from 'node:crypto'
import {
  IlpErrorCode,
  IlpPacketType,
  verifyFulfillment,
  type IlpPrepare,
  type IlpReply,
} from '@stack/ilp-core'

/**
 * A minimal receiver: it shares a secret with the sender, who derives each packet's
 * fulfillment as HMAC-SHA256(secret, data) — the idea STREAM (RFC 0029 §4.4) refines.
 * It fulfills what it can prove it may, rejects the rest, and keeps a tally.
 */
export function fulfillmentFor(secret: Uint8Array, data: Uint8Array): Uint8Array {
  return createHmac('sha256', secret).update(data).digest()
}

export function createReceiver(address: string, secret: Uint8Array) {
  let received = 0n
  const handle = async (prepare: IlpPrepare): Promise<IlpReply> => {
    const fulfillment = fulfillmentFor(secret, prepare.data)
    if (!verifyFulfillment(fulfillment, prepare.executionCondition)) {
      return {
        type: IlpPacketType.Reject,
        code: IlpErrorCode.F05_WRONG_CONDITION,
        triggeredBy: address,
        message: 'condition was not made with our shared secret',
        data: new Uint8Array(0),
      }
    }
    received += prepare.amount
    return { type: IlpPacketType.Fulfill, fulfillment, data: new Uint8Array(0) }
  }
  return { handle, received: () => received }
}
