import { type Cursor, readVarUInt } from '../oer-reader.js'
import { varUIntLength, writeVarUInt } from '../oer-writer.js'
import { FrameType } from './frame-type.js'

/** RFC 0029 §5.3.3, §4.5: total bytes (over all streams) the sender is willing to receive. */
export interface ConnectionMaxDataFrame {
  type: FrameType.ConnectionMaxData
  maxOffset: bigint
}

/** RFC 0029 §5.3.4: total bytes the sender wants to send, beyond what it may. */
export interface ConnectionDataBlockedFrame {
  type: FrameType.ConnectionDataBlocked
  maxOffset: bigint
}

/** RFC 0029 §5.3.5, §3.3: the largest stream ID the sender will accept. */
export interface ConnectionMaxStreamIdFrame {
  type: FrameType.ConnectionMaxStreamId
  maxStreamId: bigint
}

/** RFC 0029 §5.3.6: the largest stream ID the sender wishes to open. */
export interface ConnectionStreamIdBlockedFrame {
  type: FrameType.ConnectionStreamIdBlocked
  maxStreamId: bigint
}

export type ConnectionFlowFrame =
  | ConnectionMaxDataFrame
  | ConnectionDataBlockedFrame
  | ConnectionMaxStreamIdFrame
  | ConnectionStreamIdBlockedFrame

export function connectionMaxDataLength(frame: ConnectionMaxDataFrame): number {
  return varUIntLength('connectionMaxData.maxOffset', frame.maxOffset)
}

export function connectionDataBlockedLength(frame: ConnectionDataBlockedFrame): number {
  return varUIntLength('connectionDataBlocked.maxOffset', frame.maxOffset)
}

export function connectionMaxStreamIdLength(frame: ConnectionMaxStreamIdFrame): number {
  return varUIntLength('connectionMaxStreamId.maxStreamId', frame.maxStreamId)
}

export function connectionStreamIdBlockedLength(frame: ConnectionStreamIdBlockedFrame): number {
  return varUIntLength('connectionStreamIdBlocked.maxStreamId', frame.maxStreamId)
}

/** All four frames carry one VarUInt. */
export function appendConnectionFlow(target: Uint8Array, at: number, frame: ConnectionFlowFrame): number {
  return writeVarUInt(target, at, 'maxOffset' in frame ? frame.maxOffset : frame.maxStreamId)
}

export function parseConnectionMaxData(c: Cursor): ConnectionMaxDataFrame {
  return { type: FrameType.ConnectionMaxData, maxOffset: readVarUInt(c, 'connectionMaxData.maxOffset') }
}

export function parseConnectionDataBlocked(c: Cursor): ConnectionDataBlockedFrame {
  return { type: FrameType.ConnectionDataBlocked, maxOffset: readVarUInt(c, 'connectionDataBlocked.maxOffset') }
}

export function parseConnectionMaxStreamId(c: Cursor): ConnectionMaxStreamIdFrame {
  return { type: FrameType.ConnectionMaxStreamId, maxStreamId: readVarUInt(c, 'connectionMaxStreamId.maxStreamId') }
}

export function parseConnectionStreamIdBlocked(c: Cursor): ConnectionStreamIdBlockedFrame {
  return {
    type: FrameType.ConnectionStreamIdBlocked,
    maxStreamId: readVarUInt(c, 'connectionStreamIdBlocked.maxStreamId'),
  }
}
