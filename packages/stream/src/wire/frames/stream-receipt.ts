import { StreamInvalidFieldError } from '../errors.js'
import { type Cursor, readVarOctets, readVarUInt } from '../oer-reader.js'
import { varOctetsLength, varUIntLength, writeVarOctets, writeVarUInt } from '../oer-writer.js'
import { FrameType } from './frame-type.js'

/**
 * RFC 0039 / asn1 Stream.asn: a receipt of the total received on a stream, sent by the
 * receiver on Fulfills. The receipt is length-prefixed opaque bytes here: a sender must
 * carry receipts of versions it cannot decode (see `decodeReceipt` for version 1).
 */
export interface StreamReceiptFrame {
  type: FrameType.StreamReceipt
  streamId: bigint
  receipt: Uint8Array
}

export function streamReceiptLength(frame: StreamReceiptFrame): number {
  if (!(frame.receipt instanceof Uint8Array)) {
    throw new StreamInvalidFieldError('streamReceipt.receipt', 'must be a Uint8Array')
  }
  return varUIntLength('streamReceipt.streamId', frame.streamId) + varOctetsLength(frame.receipt)
}

export function appendStreamReceipt(target: Uint8Array, at: number, frame: StreamReceiptFrame): number {
  return writeVarOctets(target, writeVarUInt(target, at, frame.streamId), frame.receipt)
}

export function parseStreamReceipt(c: Cursor): StreamReceiptFrame {
  const streamId = readVarUInt(c, 'streamReceipt.streamId')
  const receipt = readVarOctets(c, 'streamReceipt.receipt')
  return { type: FrameType.StreamReceipt, streamId, receipt }
}
