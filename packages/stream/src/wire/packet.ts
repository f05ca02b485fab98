import { IlpPacketType } from '@stack/ilp-core'
import { StreamInvalidFieldError, StreamTruncatedError, StreamVersionError } from './errors.js'
import { appendFrame, frameContentsLength, frameLengthOf, parseFrame, type Frame } from './frames/frame.js'
import { cursor, plainView, readUInt8, readVarUInt, remaining } from './oer-reader.js'
import { varUIntLength, writeVarUInt } from './oer-writer.js'

/** RFC 0029 §5.2: the only STREAM version. */
export const STREAM_VERSION = 1

/**
 * RFC 0029 §5.2: the plaintext STREAM packet (before encryption, §5.1). Version 1 is
 * implied; decoders refuse any other.
 */
export interface StreamPacket {
  /** The ILP packet the STREAM packet must travel in; a receiver discards it in any other (§5.2). */
  ilpPacketType: IlpPacketType
  /** The request/response identifier: a reply carries the sequence of its Prepare. UInt64. */
  sequence: bigint
  /** On a Prepare, the least the receiver should accept; on a reply, what arrived. UInt64. */
  prepareAmount: bigint
  frames: Frame[]
}

export interface EncodeStreamPacketOptions {
  /**
   * Appends zero bytes until the packet is this long (RFC 0029 §5.2 "Junk Data": padding
   * MUST be zeros, receivers ignore it). A packet already longer is left as it is.
   */
  padToLength?: number
}

function checkPacketType(field: string, type: number): void {
  if (type !== IlpPacketType.Prepare && type !== IlpPacketType.Fulfill && type !== IlpPacketType.Reject) {
    throw new StreamInvalidFieldError(field, `must be 12 (Prepare), 13 (Fulfill) or 14 (Reject), got ${String(type)}`)
  }
}

interface Measured {
  length: number
  /** Contents length of each frame, in order. */
  contents: number[]
}

function measure(packet: StreamPacket): Measured {
  checkPacketType('packet.ilpPacketType', packet.ilpPacketType)
  const { frames } = packet
  if (!Array.isArray(frames)) throw new StreamInvalidFieldError('packet.frames', 'must be an array')
  let length =
    2 +
    varUIntLength('packet.sequence', packet.sequence) +
    varUIntLength('packet.prepareAmount', packet.prepareAmount) +
    varUIntLength('packet.frames', BigInt(frames.length))
  const contents = new Array<number>(frames.length)
  for (let i = 0; i < frames.length; i++) {
    const size = frameContentsLength(frames[i] as Frame)
    contents[i] = size
    length += frameLengthOf(size)
  }
  return { length, contents }
}

/** Bytes of the encoded (plaintext) packet; with ENCRYPTION_OVERHEAD, the size of the ILP data field. */
export function streamPacketLength(packet: StreamPacket): number {
  return measure(packet).length
}

/**
 * RFC 0029 §5.2. Measures and checks every field first, allocates once, then writes:
 * bad input throws a StreamCodecError before anything is written.
 */
export function encodeStreamPacket(packet: StreamPacket, options?: EncodeStreamPacketOptions): Uint8Array {
  const { length, contents } = measure(packet)
  const padTo = options?.padToLength ?? 0
  if (!Number.isSafeInteger(padTo) || padTo < 0) {
    throw new StreamInvalidFieldError('options.padToLength', `must be a non-negative integer, got ${String(padTo)}`)
  }
  // Zero-filled, so padding past `length` is already the zeros §5.2 asks for.
  const target = new Uint8Array(Math.max(length, padTo))
  const { frames } = packet
  target[0] = STREAM_VERSION
  target[1] = packet.ilpPacketType
  let at = writeVarUInt(target, 2, packet.sequence)
  at = writeVarUInt(target, at, packet.prepareAmount)
  at = writeVarUInt(target, at, BigInt(frames.length))
  for (let i = 0; i < frames.length; i++) {
    at = appendFrame(target, at, frames[i] as Frame, contents[i] as number)
  }
  return target
}

/** The fewest bytes a frame can take: type byte and an empty length prefix. */
const MIN_FRAME_LENGTH = 2

/**
 * Decodes a plaintext STREAM packet (RFC 0029 §5.2). Frames of unknown types are left
 * out of `frames` (§5.3: MUST be ignored), bytes after the last frame are ignored
 * (§5.2 "Junk Data"), and byte fields are views of `bytes`. Anything else malformed
 * throws a StreamCodecError naming the field.
 */
export function decodeStreamPacket(bytes: Uint8Array): StreamPacket {
  if (!(bytes instanceof Uint8Array)) throw new StreamInvalidFieldError('packet', 'must be a Uint8Array')
  const c = cursor(plainView(bytes))
  const version = readUInt8(c, 'packet.version')
  if (version !== STREAM_VERSION) throw new StreamVersionError('packet.version', version)
  const ilpPacketType = readUInt8(c, 'packet.ilpPacketType')
  checkPacketType('packet.ilpPacketType', ilpPacketType)
  const sequence = readVarUInt(c, 'packet.sequence')
  const prepareAmount = readVarUInt(c, 'packet.prepareAmount')
  const count = readVarUInt(c, 'packet.frames')
  // Refuse a count the input cannot hold before looping over it (no hang on 2^64-1).
  if (count * BigInt(MIN_FRAME_LENGTH) > BigInt(remaining(c))) {
    throw new StreamTruncatedError('packet.frames', Number(count) * MIN_FRAME_LENGTH, remaining(c))
  }
  const frames: Frame[] = []
  for (let i = Number(count); i > 0; i--) {
    const frame = parseFrame(c)
    if (frame !== undefined) frames.push(frame)
  }
  return { ilpPacketType: ilpPacketType as IlpPacketType, sequence, prepareAmount, frames }
}
