/**
 * @stack/stream — the STREAM wire layer (RFC 0029, RFC 0039): packets, frames,
 * encryption, conditions and receipts as pure functions over Uint8Array. No I/O,
 * no state: connections, streams and flow control are built on top of this.
 *
 * ```ts
 * import { IlpPacketType } from '@stack/ilp-core'
 * import {
 *   FrameType, encodeStreamPacket, decodeStreamPacket,
 *   encryptionKey, fulfillmentKey, encrypt, decrypt, executionConditionOf, fulfillmentOf,
 * } from '@stack/stream'
 *
 * const sharedSecret = crypto.getRandomValues(new Uint8Array(32))
 * const key = encryptionKey(sharedSecret)
 *
 * // Sender: one Prepare carrying 1000 units to stream 1.
 * const data = encrypt(key, encodeStreamPacket({
 *   ilpPacketType: IlpPacketType.Prepare,
 *   sequence: 1n,
 *   prepareAmount: 990n, // the least the receiver should accept
 *   frames: [{ type: FrameType.StreamMoney, streamId: 1n, shares: 1n }],
 * }))
 * const executionCondition = executionConditionOf(fulfillmentKey(sharedSecret), data)
 *
 * // Receiver: open the data (DecryptionError → reject with F06), then fulfill.
 * const packet = decodeStreamPacket(decrypt(key, data))
 * if (packet.ilpPacketType !== IlpPacketType.Prepare) throw new Error('discard (RFC 0029 §5.2)')
 * const fulfillment = fulfillmentOf(fulfillmentKey(sharedSecret), data)
 * ```
 */
export {
  StreamCodecError,
  StreamInvalidFieldError,
  StreamTruncatedError,
  StreamVersionError,
  DecryptionError,
  InvalidReceiptError,
  type DecryptionFailure,
} from './errors.js'
export { StreamErrorCode } from './error-codes.js'
export { FrameType } from './frames/frame-type.js'
export { type Frame, encodeFrame, decodeFrame } from './frames/frame.js'
export type { ConnectionCloseFrame, StreamCloseFrame } from './frames/close.js'
export type { ConnectionNewAddressFrame, ConnectionAssetDetailsFrame } from './frames/connection-details.js'
export type {
  ConnectionMaxDataFrame,
  ConnectionDataBlockedFrame,
  ConnectionMaxStreamIdFrame,
  ConnectionStreamIdBlockedFrame,
} from './frames/connection-flow.js'
export type { StreamMoneyFrame, StreamMaxMoneyFrame, StreamMoneyBlockedFrame } from './frames/stream-money.js'
export type { StreamDataFrame, StreamMaxDataFrame, StreamDataBlockedFrame } from './frames/stream-data.js'
export type { StreamReceiptFrame } from './frames/stream-receipt.js'
export {
  STREAM_VERSION,
  encodeStreamPacket,
  decodeStreamPacket,
  streamPacketLength,
  type StreamPacket,
  type EncodeStreamPacketOptions,
} from './packet.js'
export {
  ENCRYPTION_OVERHEAD,
  MAX_STREAM_PACKET_LENGTH,
  hmacSha256,
  encryptionKey,
  fulfillmentKey,
  fulfillmentOf,
  executionConditionOf,
  randomCondition,
  encrypt,
  decrypt,
} from './crypto.js'
export {
  RECEIPT_VERSION,
  RECEIPT_LENGTH,
  createReceipt,
  decodeReceipt,
  verifyReceipt,
  type Receipt,
  type CreateReceiptOptions,
} from './receipt.js'
