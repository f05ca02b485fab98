import { StreamInvalidFieldError } from '../errors.js'
import { type Cursor, readVarOctets, readVarUInt } from '../oer-reader.js'
import { varOctetsLength, varUIntLength, writeVarOctets, writeVarUInt } from '../oer-writer.js'
import { FrameType } from './frame-type.js'

/** RFC 0029 §5.3.11: bytes of a stream at `offset`; resent data repeats the exact frame. */
export interface StreamDataFrame {
  type: FrameType.StreamData
  streamId: bigint
  offset: bigint
  /** Decoded frames hold a view of the decoded packet's bytes, not a copy. */
  data: Uint8Array
}

/** RFC 0029 §5.3.12, §4.4.4: the total bytes the sender is willing to receive on the stream. */
export interface StreamMaxDataFrame {
  type: FrameType.StreamMaxData
  streamId: bigint
  maxOffset: bigint
}

/** RFC 0029 §5.3.13: the total bytes the sender wants to send on the stream. */
export interface StreamDataBlockedFrame {
  type: FrameType.StreamDataBlocked
  streamId: bigint
  maxOffset: bigint
}

export function streamDataLength(frame: StreamDataFrame): number {
  if (!(frame.data instanceof Uint8Array)) throw new StreamInvalidFieldError('streamData.data', 'must be a Uint8Array')
  return (
    varUIntLength('streamData.streamId', frame.streamId) +
    varUIntLength('streamData.offset', frame.offset) +
    varOctetsLength(frame.data)
  )
}

export function appendStreamData(target: Uint8Array, at: number, frame: StreamDataFrame): number {
  at = writeVarUInt(target, at, frame.streamId)
  at = writeVarUInt(target, at, frame.offset)
  return writeVarOctets(target, at, frame.data)
}

export function parseStreamData(c: Cursor): StreamDataFrame {
  const streamId = readVarUInt(c, 'streamData.streamId')
  const offset = readVarUInt(c, 'streamData.offset')
  const data = readVarOctets(c, 'streamData.data')
  return { type: FrameType.StreamData, streamId, offset, data }
}

export function streamMaxDataLength(frame: StreamMaxDataFrame): number {
  return varUIntLength('streamMaxData.streamId', frame.streamId) + varUIntLength('streamMaxData.maxOffset', frame.maxOffset)
}

export function streamDataBlockedLength(frame: StreamDataBlockedFrame): number {
  return (
    varUIntLength('streamDataBlocked.streamId', frame.streamId) +
    varUIntLength('streamDataBlocked.maxOffset', frame.maxOffset)
  )
}

/** StreamMaxData and StreamDataBlocked have the same two VarUInts. */
export function appendStreamDataLimit(
  target: Uint8Array,
  at: number,
  frame: StreamMaxDataFrame | StreamDataBlockedFrame,
): number {
  return writeVarUInt(target, writeVarUInt(target, at, frame.streamId), frame.maxOffset)
}

export function parseStreamMaxData(c: Cursor): StreamMaxDataFrame {
  const streamId = readVarUInt(c, 'streamMaxData.streamId')
  const maxOffset = readVarUInt(c, 'streamMaxData.maxOffset')
  return { type: FrameType.StreamMaxData, streamId, maxOffset }
}

export function parseStreamDataBlocked(c: Cursor): StreamDataBlockedFrame {
  const streamId = readVarUInt(c, 'streamDataBlocked.streamId')
  const maxOffset = readVarUInt(c, 'streamDataBlocked.maxOffset')
  return { type: FrameType.StreamDataBlocked, streamId, maxOffset }
}
