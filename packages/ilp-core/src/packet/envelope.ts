import { InvalidFieldError } from './codec-errors.js'
import { FieldReader } from './field-reader.js'
import { IlpPacketType } from './packet.js'

/** The field-name prefix of each packet type, e.g. `prepare` for `prepare.amount`. */
const names: Record<IlpPacketType, string> = {
  [IlpPacketType.Prepare]: 'prepare',
  [IlpPacketType.Fulfill]: 'fulfill',
  [IlpPacketType.Reject]: 'reject',
}

/**
 * RFC 0027 §"Packet Format": a packet is a type byte and an OER length-prefixed
 * body. Returns the reader positioned at the body; bytes after it are an error.
 */
export function openEnvelope(bytes: Uint8Array, expected?: IlpPacketType): { type: IlpPacketType; body: FieldReader } {
  const body = new FieldReader(bytes)
  const type = body.uint8('packet.type')
  if (expected === undefined ? !(type in names) : type !== expected) {
    const wanted = expected === undefined ? '12, 13 or 14' : String(expected)
    throw new InvalidFieldError('packet.type', `is ${type}, expected ${wanted}`)
  }
  body.envelope(names[type as IlpPacketType])
  return { type, body }
}

/** Bytes taken by an OER length determinant for `length` (RFC 0030). */
export function lengthPrefixSize(length: number): number {
  return length < 0x80 ? 1 : length < 0x100 ? 2 : length < 0x10000 ? 3 : 4
}

/** Writes the length determinant of `length` at `offset`; returns the offset after it. */
export function writeLengthPrefix(target: Uint8Array, offset: number, length: number): number {
  if (length < 0x80) {
    target[offset] = length
    return offset + 1
  }
  const size = lengthPrefixSize(length) - 1
  target[offset++] = 0x80 | size
  for (let shift = 8 * (size - 1); shift >= 0; shift -= 8) target[offset++] = (length >>> shift) & 0xff
  return offset
}

/**
 * The encoders' side of the envelope: a packet of `type` sized for a body of `bodyLength`
 * bytes, type and length written; the body goes from `1 + lengthPrefixSize(bodyLength)`. The
 * encoders measure first and write once into it (the bench in bench/ shows the gain).
 */
export function allocatePacket(type: IlpPacketType, bodyLength: number): Buffer {
  const packet = Buffer.allocUnsafe(1 + lengthPrefixSize(bodyLength) + bodyLength)
  packet[0] = type
  writeLengthPrefix(packet, 1, bodyLength)
  return packet
}
