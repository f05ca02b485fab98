import { Writer } from 'oer-utils'
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

/** Wraps a body written with oer-utils into its envelope. */
export function sealEnvelope(type: IlpPacketType, body: Writer): Buffer {
  const envelope = new Writer(body.length + 4)
  envelope.writeUInt8(type)
  envelope.writeVarOctetString(body.getBuffer())
  return envelope.getBuffer()
}
