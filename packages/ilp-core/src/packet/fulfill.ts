import { InvalidFieldError } from './codec-errors.js'
import { allocatePacket, lengthPrefixSize, openEnvelope, writeLengthPrefix } from './envelope.js'
import type { FieldReader } from './field-reader.js'
import { IlpPacketType, MAX_DATA_LENGTH, type IlpFulfill } from './packet.js'
import { checkData } from './field-checks.js'

const FULFILLMENT_LENGTH = 32

/** RFC 0027 §"IlpFulfill". */
export function encodeFulfill(fulfill: IlpFulfill): Buffer {
  const { fulfillment, data } = fulfill
  if (fulfillment.length !== FULFILLMENT_LENGTH) {
    throw new InvalidFieldError('fulfill.fulfillment', `must be ${FULFILLMENT_LENGTH} bytes, got ${fulfillment.length}`)
  }
  checkData('fulfill.data', data)
  const bodyLength = FULFILLMENT_LENGTH + lengthPrefixSize(data.length) + data.length
  const packet = allocatePacket(IlpPacketType.Fulfill, bodyLength)
  let at = 1 + lengthPrefixSize(bodyLength)
  packet.set(fulfillment, at)
  at = writeLengthPrefix(packet, at + FULFILLMENT_LENGTH, data.length)
  packet.set(data, at)
  return packet
}

/** Decodes a Fulfill; byte fields are views of `bytes`, not copies. */
export function decodeFulfill(bytes: Uint8Array): IlpFulfill {
  return readFulfillBody(openEnvelope(bytes, IlpPacketType.Fulfill).body)
}

export function readFulfillBody(body: FieldReader): IlpFulfill {
  const fulfillment = body.octets('fulfill.fulfillment', FULFILLMENT_LENGTH)
  const data = body.varOctets('fulfill.data', MAX_DATA_LENGTH)
  body.end('fulfill')
  return { fulfillment, data }
}
