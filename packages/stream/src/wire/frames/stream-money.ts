import { type Cursor, readSaturatingVarUInt, readVarUInt } from '../oer-reader.js'
import { varUIntLength, writeVarUInt } from '../oer-writer.js'
import { FrameType } from './frame-type.js'

/**
 * RFC 0029 §5.3.8: this stream's share of the Prepare amount is
 * `amount * shares / (sum of shares of all StreamMoney frames in the packet)`.
 */
export interface StreamMoneyFrame {
  type: FrameType.StreamMoney
  streamId: bigint
  shares: bigint
}

/** RFC 0029 §5.3.9: in the sender's units, how much the stream may receive in total and has received. */
export interface StreamMaxMoneyFrame {
  type: FrameType.StreamMaxMoney
  streamId: bigint
  /** Saturates: a larger VarUInt on the wire decodes as 2^64-1 (RFC 0029 §5.1.4). */
  receiveMax: bigint
  totalReceived: bigint
}

/** RFC 0029 §5.3.10: in the sender's units, how much it wants to send in total and has sent. */
export interface StreamMoneyBlockedFrame {
  type: FrameType.StreamMoneyBlocked
  streamId: bigint
  /** Saturates: a larger VarUInt on the wire decodes as 2^64-1 (RFC 0029 §5.1.4). */
  sendMax: bigint
  totalSent: bigint
}

export function streamMoneyLength(frame: StreamMoneyFrame): number {
  return varUIntLength('streamMoney.streamId', frame.streamId) + varUIntLength('streamMoney.shares', frame.shares)
}

export function appendStreamMoney(target: Uint8Array, at: number, frame: StreamMoneyFrame): number {
  return writeVarUInt(target, writeVarUInt(target, at, frame.streamId), frame.shares)
}

export function parseStreamMoney(c: Cursor): StreamMoneyFrame {
  const streamId = readVarUInt(c, 'streamMoney.streamId')
  const shares = readVarUInt(c, 'streamMoney.shares')
  return { type: FrameType.StreamMoney, streamId, shares }
}

export function streamMaxMoneyLength(frame: StreamMaxMoneyFrame): number {
  return (
    varUIntLength('streamMaxMoney.streamId', frame.streamId) +
    varUIntLength('streamMaxMoney.receiveMax', frame.receiveMax) +
    varUIntLength('streamMaxMoney.totalReceived', frame.totalReceived)
  )
}

export function appendStreamMaxMoney(target: Uint8Array, at: number, frame: StreamMaxMoneyFrame): number {
  at = writeVarUInt(target, at, frame.streamId)
  at = writeVarUInt(target, at, frame.receiveMax)
  return writeVarUInt(target, at, frame.totalReceived)
}

export function parseStreamMaxMoney(c: Cursor): StreamMaxMoneyFrame {
  const streamId = readVarUInt(c, 'streamMaxMoney.streamId')
  const receiveMax = readSaturatingVarUInt(c, 'streamMaxMoney.receiveMax')
  const totalReceived = readVarUInt(c, 'streamMaxMoney.totalReceived')
  return { type: FrameType.StreamMaxMoney, streamId, receiveMax, totalReceived }
}

export function streamMoneyBlockedLength(frame: StreamMoneyBlockedFrame): number {
  return (
    varUIntLength('streamMoneyBlocked.streamId', frame.streamId) +
    varUIntLength('streamMoneyBlocked.sendMax', frame.sendMax) +
    varUIntLength('streamMoneyBlocked.totalSent', frame.totalSent)
  )
}

export function appendStreamMoneyBlocked(target: Uint8Array, at: number, frame: StreamMoneyBlockedFrame): number {
  at = writeVarUInt(target, at, frame.streamId)
  at = writeVarUInt(target, at, frame.sendMax)
  return writeVarUInt(target, at, frame.totalSent)
}

export function parseStreamMoneyBlocked(c: Cursor): StreamMoneyBlockedFrame {
  const streamId = readVarUInt(c, 'streamMoneyBlocked.streamId')
  const sendMax = readSaturatingVarUInt(c, 'streamMoneyBlocked.sendMax')
  const totalSent = readVarUInt(c, 'streamMoneyBlocked.totalSent')
  return { type: FrameType.StreamMoneyBlocked, streamId, sendMax, totalSent }
}
