import { StreamInvalidFieldError } from '../errors.js'
import { type Cursor, cursor, plainView, readLengthPrefix, readUInt8, remaining } from '../oer-reader.js'
import { lengthPrefixLength, writeLengthPrefix } from '../oer-writer.js'
import {
  appendConnectionClose,
  appendStreamClose,
  connectionCloseLength,
  parseConnectionClose,
  parseStreamClose,
  streamCloseLength,
  type ConnectionCloseFrame,
  type StreamCloseFrame,
} from './close.js'
import {
  appendConnectionAssetDetails,
  appendConnectionNewAddress,
  connectionAssetDetailsLength,
  connectionNewAddressLength,
  parseConnectionAssetDetails,
  parseConnectionNewAddress,
  type ConnectionAssetDetailsFrame,
  type ConnectionNewAddressFrame,
} from './connection-details.js'
import {
  appendConnectionFlow,
  connectionDataBlockedLength,
  connectionMaxDataLength,
  connectionMaxStreamIdLength,
  connectionStreamIdBlockedLength,
  parseConnectionDataBlocked,
  parseConnectionMaxData,
  parseConnectionMaxStreamId,
  parseConnectionStreamIdBlocked,
  type ConnectionDataBlockedFrame,
  type ConnectionMaxDataFrame,
  type ConnectionMaxStreamIdFrame,
  type ConnectionStreamIdBlockedFrame,
} from './connection-flow.js'
import { FrameType } from './frame-type.js'
import {
  appendStreamData,
  appendStreamDataLimit,
  parseStreamData,
  parseStreamDataBlocked,
  parseStreamMaxData,
  streamDataBlockedLength,
  streamDataLength,
  streamMaxDataLength,
  type StreamDataBlockedFrame,
  type StreamDataFrame,
  type StreamMaxDataFrame,
} from './stream-data.js'
import {
  appendStreamMaxMoney,
  appendStreamMoney,
  appendStreamMoneyBlocked,
  parseStreamMaxMoney,
  parseStreamMoney,
  parseStreamMoneyBlocked,
  streamMaxMoneyLength,
  streamMoneyBlockedLength,
  streamMoneyLength,
  type StreamMaxMoneyFrame,
  type StreamMoneyBlockedFrame,
  type StreamMoneyFrame,
} from './stream-money.js'
import { appendStreamReceipt, parseStreamReceipt, streamReceiptLength, type StreamReceiptFrame } from './stream-receipt.js'

/** Every frame this code knows, tagged by `type` (RFC 0029 §5.3, RFC 0039). */
export type Frame =
  | ConnectionCloseFrame
  | ConnectionNewAddressFrame
  | ConnectionMaxDataFrame
  | ConnectionDataBlockedFrame
  | ConnectionMaxStreamIdFrame
  | ConnectionStreamIdBlockedFrame
  | ConnectionAssetDetailsFrame
  | StreamCloseFrame
  | StreamMoneyFrame
  | StreamMaxMoneyFrame
  | StreamMoneyBlockedFrame
  | StreamDataFrame
  | StreamMaxDataFrame
  | StreamDataBlockedFrame
  | StreamReceiptFrame

/** Measures (and checks) the contents of a frame: what goes inside its length prefix. */
export function frameContentsLength(frame: Frame): number {
  switch (frame.type) {
    case FrameType.ConnectionClose:
      return connectionCloseLength(frame)
    case FrameType.ConnectionNewAddress:
      return connectionNewAddressLength(frame)
    case FrameType.ConnectionMaxData:
      return connectionMaxDataLength(frame)
    case FrameType.ConnectionDataBlocked:
      return connectionDataBlockedLength(frame)
    case FrameType.ConnectionMaxStreamId:
      return connectionMaxStreamIdLength(frame)
    case FrameType.ConnectionStreamIdBlocked:
      return connectionStreamIdBlockedLength(frame)
    case FrameType.ConnectionAssetDetails:
      return connectionAssetDetailsLength(frame)
    case FrameType.StreamClose:
      return streamCloseLength(frame)
    case FrameType.StreamMoney:
      return streamMoneyLength(frame)
    case FrameType.StreamMaxMoney:
      return streamMaxMoneyLength(frame)
    case FrameType.StreamMoneyBlocked:
      return streamMoneyBlockedLength(frame)
    case FrameType.StreamData:
      return streamDataLength(frame)
    case FrameType.StreamMaxData:
      return streamMaxDataLength(frame)
    case FrameType.StreamDataBlocked:
      return streamDataBlockedLength(frame)
    case FrameType.StreamReceipt:
      return streamReceiptLength(frame)
    default:
      throw new StreamInvalidFieldError('frame.type', `unknown frame type ${String((frame as { type: unknown }).type)}`)
  }
}

/** The whole frame on the wire: type byte, length determinant, contents. */
export function frameLengthOf(contentsLength: number): number {
  return 1 + lengthPrefixLength(contentsLength) + contentsLength
}

function appendContents(target: Uint8Array, at: number, frame: Frame): number {
  switch (frame.type) {
    case FrameType.ConnectionClose:
      return appendConnectionClose(target, at, frame)
    case FrameType.ConnectionNewAddress:
      return appendConnectionNewAddress(target, at, frame)
    case FrameType.ConnectionMaxData:
    case FrameType.ConnectionDataBlocked:
    case FrameType.ConnectionMaxStreamId:
    case FrameType.ConnectionStreamIdBlocked:
      return appendConnectionFlow(target, at, frame)
    case FrameType.ConnectionAssetDetails:
      return appendConnectionAssetDetails(target, at, frame)
    case FrameType.StreamClose:
      return appendStreamClose(target, at, frame)
    case FrameType.StreamMoney:
      return appendStreamMoney(target, at, frame)
    case FrameType.StreamMaxMoney:
      return appendStreamMaxMoney(target, at, frame)
    case FrameType.StreamMoneyBlocked:
      return appendStreamMoneyBlocked(target, at, frame)
    case FrameType.StreamData:
      return appendStreamData(target, at, frame)
    case FrameType.StreamMaxData:
    case FrameType.StreamDataBlocked:
      return appendStreamDataLimit(target, at, frame)
    case FrameType.StreamReceipt:
      return appendStreamReceipt(target, at, frame)
  }
}

/** Writes a frame already measured by frameContentsLength; returns the offset after it. */
export function appendFrame(target: Uint8Array, at: number, frame: Frame, contentsLength: number): number {
  target[at] = frame.type
  return appendContents(target, writeLengthPrefix(target, at + 1, contentsLength), frame)
}

function parseContents(type: number, contents: Cursor): Frame | undefined {
  switch (type) {
    case FrameType.ConnectionClose:
      return parseConnectionClose(contents)
    case FrameType.ConnectionNewAddress:
      return parseConnectionNewAddress(contents)
    case FrameType.ConnectionMaxData:
      return parseConnectionMaxData(contents)
    case FrameType.ConnectionDataBlocked:
      return parseConnectionDataBlocked(contents)
    case FrameType.ConnectionMaxStreamId:
      return parseConnectionMaxStreamId(contents)
    case FrameType.ConnectionStreamIdBlocked:
      return parseConnectionStreamIdBlocked(contents)
    case FrameType.ConnectionAssetDetails:
      return parseConnectionAssetDetails(contents)
    case FrameType.StreamClose:
      return parseStreamClose(contents)
    case FrameType.StreamMoney:
      return parseStreamMoney(contents)
    case FrameType.StreamMaxMoney:
      return parseStreamMaxMoney(contents)
    case FrameType.StreamMoneyBlocked:
      return parseStreamMoneyBlocked(contents)
    case FrameType.StreamData:
      return parseStreamData(contents)
    case FrameType.StreamMaxData:
      return parseStreamMaxData(contents)
    case FrameType.StreamDataBlocked:
      return parseStreamDataBlocked(contents)
    case FrameType.StreamReceipt:
      return parseStreamReceipt(contents)
    default:
      // RFC 0029 §5.3: implementations MUST ignore frames with unknown types.
      return undefined
  }
}

/**
 * Reads one frame at the cursor: its type, its length-prefixed contents, and the
 * fields inside them. Unknown types give `undefined` (skipped whole, by their length).
 * Bytes left inside a known frame's contents after its last field are skipped too, as
 * the reference implementation does: room for fields a later version may append.
 */
export function parseFrame(c: Cursor): Frame | undefined {
  const type = readUInt8(c, 'frame.type')
  const length = readLengthPrefix(c, 'frame.contents')
  const contents = cursor(c.bytes, c.at, c.at + length)
  c.at += length
  return parseContents(type, contents)
}

/** Encodes a single frame (type, length, contents): for tests and tools; packets use encodeStreamPacket. */
export function encodeFrame(frame: Frame): Uint8Array {
  const contentsLength = frameContentsLength(frame)
  const target = new Uint8Array(frameLengthOf(contentsLength))
  appendFrame(target, 0, frame, contentsLength)
  return target
}

/**
 * Decodes exactly one frame filling `bytes`. Returns `undefined` for a well-formed
 * frame of an unknown type (RFC 0029 §5.3: ignored); bytes after the frame are an error.
 */
export function decodeFrame(bytes: Uint8Array): Frame | undefined {
  if (!(bytes instanceof Uint8Array)) throw new StreamInvalidFieldError('frame', 'must be a Uint8Array')
  const c = cursor(plainView(bytes))
  const frame = parseFrame(c)
  if (remaining(c) !== 0) throw new StreamInvalidFieldError('frame', `${remaining(c)} bytes after the frame`)
  return frame
}
