import { type Cursor, readUInt8, readVarUInt, readVarUtf8 } from '../oer-reader.js'
import { checkUInt8, utf8Length, varUIntLength, lengthPrefixLength, writeVarUInt, writeVarUtf8 } from '../oer-writer.js'
import { FrameType } from './frame-type.js'

/** RFC 0029 §5.3.1: the sender closes the connection (normally or with an error). */
export interface ConnectionCloseFrame {
  type: FrameType.ConnectionClose
  /** A StreamErrorCode (RFC 0029 §5.4); other UInt8 values are kept as they are. */
  errorCode: number
  errorMessage: string
}

/** RFC 0029 §5.3.7: the sender closes one stream. */
export interface StreamCloseFrame {
  type: FrameType.StreamClose
  streamId: bigint
  /** A StreamErrorCode (RFC 0029 §5.4); other UInt8 values are kept as they are. */
  errorCode: number
  errorMessage: string
}

export function connectionCloseLength(frame: ConnectionCloseFrame): number {
  checkUInt8('connectionClose.errorCode', frame.errorCode)
  const message = utf8Length('connectionClose.errorMessage', frame.errorMessage)
  return 1 + lengthPrefixLength(message) + message
}

export function appendConnectionClose(target: Uint8Array, at: number, frame: ConnectionCloseFrame): number {
  target[at] = frame.errorCode
  const message = frame.errorMessage
  return writeVarUtf8(target, at + 1, message, utf8Length('connectionClose.errorMessage', message))
}

export function parseConnectionClose(c: Cursor): ConnectionCloseFrame {
  const errorCode = readUInt8(c, 'connectionClose.errorCode')
  const errorMessage = readVarUtf8(c, 'connectionClose.errorMessage')
  return { type: FrameType.ConnectionClose, errorCode, errorMessage }
}

export function streamCloseLength(frame: StreamCloseFrame): number {
  checkUInt8('streamClose.errorCode', frame.errorCode)
  const message = utf8Length('streamClose.errorMessage', frame.errorMessage)
  return varUIntLength('streamClose.streamId', frame.streamId) + 1 + lengthPrefixLength(message) + message
}

export function appendStreamClose(target: Uint8Array, at: number, frame: StreamCloseFrame): number {
  at = writeVarUInt(target, at, frame.streamId)
  target[at] = frame.errorCode
  const message = frame.errorMessage
  return writeVarUtf8(target, at + 1, message, utf8Length('streamClose.errorMessage', message))
}

export function parseStreamClose(c: Cursor): StreamCloseFrame {
  const streamId = readVarUInt(c, 'streamClose.streamId')
  const errorCode = readUInt8(c, 'streamClose.errorCode')
  const errorMessage = readVarUtf8(c, 'streamClose.errorMessage')
  return { type: FrameType.StreamClose, streamId, errorCode, errorMessage }
}
