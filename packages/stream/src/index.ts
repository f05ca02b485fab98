/**
 * @stack/stream — STREAM (RFC 0029, RFC 0039) over ILP's PrepareHandler seam: servers,
 * connections and streams of money and data, and the wire layer beneath (packets, frames,
 * encryption, conditions and receipts as pure functions over Uint8Array).
 *
 * ```ts
 * import { createServer, createConnection } from '@stack/stream'
 *
 * const server = await createServer({ serverSecret, serverAddress: 'g.bob' }) // or ILDCP via sendPrepare
 * server.on('connection', (connection) =>
 *   connection.on('stream', (stream) => {
 *     stream.setReceiveMax(1_000_000n)
 *     stream.on('money', (amount) => console.log('got', amount))
 *   }),
 * )
 * // ILP delivers Prepares for g.bob.* to server.handlePrepare (a PrepareHandler).
 *
 * const { destinationAccount, sharedSecret } = server.generateAddressAndSecret()
 * const connection = await createConnection({ destinationAccount, sharedSecret, sendPrepare })
 * const stream = connection.createStream()
 * const outcome = await stream.sendTotal(500_000n) // { type: 'sent' | 'failed', totalSent, totalDelivered }
 * ```
 *
 * The wire layer alone:
 *
 * ```ts
 * import { IlpPacketType } from '@stack/ilp-core'
 * import { FrameType, encodeStreamPacket, encryptionKey, encrypt } from '@stack/stream'
 * const data = encrypt(encryptionKey(sharedSecret), encodeStreamPacket({
 *   ilpPacketType: IlpPacketType.Prepare, sequence: 1n, prepareAmount: 990n,
 *   frames: [{ type: FrameType.StreamMoney, streamId: 1n, shares: 1n }],
 * }))
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
} from './wire/errors.js'
export { StreamErrorCode } from './wire/error-codes.js'
export { FrameType } from './wire/frames/frame-type.js'
export { type Frame, encodeFrame, decodeFrame } from './wire/frames/frame.js'
export type { ConnectionCloseFrame, StreamCloseFrame } from './wire/frames/close.js'
export type { ConnectionNewAddressFrame, ConnectionAssetDetailsFrame } from './wire/frames/connection-details.js'
export type {
  ConnectionMaxDataFrame,
  ConnectionDataBlockedFrame,
  ConnectionMaxStreamIdFrame,
  ConnectionStreamIdBlockedFrame,
} from './wire/frames/connection-flow.js'
export type { StreamMoneyFrame, StreamMaxMoneyFrame, StreamMoneyBlockedFrame } from './wire/frames/stream-money.js'
export type { StreamDataFrame, StreamMaxDataFrame, StreamDataBlockedFrame } from './wire/frames/stream-data.js'
export type { StreamReceiptFrame } from './wire/frames/stream-receipt.js'
export {
  STREAM_VERSION,
  encodeStreamPacket,
  decodeStreamPacket,
  streamPacketLength,
  type StreamPacket,
  type EncodeStreamPacketOptions,
} from './wire/packet.js'
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
} from './wire/crypto.js'
export {
  RECEIPT_VERSION,
  RECEIPT_LENGTH,
  createReceipt,
  decodeReceipt,
  verifyReceipt,
  type Receipt,
  type CreateReceiptOptions,
} from './wire/receipt.js'
export { createServer, Server, type ServerOptions, type ServerEvents, type GenerateOptions, type ConnectionDetails } from './server.js'
export { createConnection, type CreateConnectionOptions } from './client.js'
export { Connection, type ConnectionEvents, type ConnectionOptions } from './connection.js'
export { Stream, type StreamEvents, type SendOutcome } from './stream.js'
export { ConnectionError, RateProbeError, type RateProbeFailure, type SendFailureReason } from './connection-error.js'
export { InvalidConnectionTagError } from './server-token.js'
export {
  ConnectionCore,
  type ConnectionCoreOptions,
  type ConnectionStatus,
  type CoreEvent,
  type NextStep,
  type OutgoingRequest,
  type ReceiptOptions,
} from './connection-core.js'
export type { ExchangeRateOptions, Ratio } from './controllers/exchange-rate.js'
export type { RetryOptions } from './controllers/retry.js'
