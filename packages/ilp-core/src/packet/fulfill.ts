import { Writer } from 'oer-utils'
import { InvalidFieldError } from './codec-errors.js'
import { asBuffer } from './bytes.js'
import { openEnvelope, sealEnvelope } from './envelope.js'
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
  const body = new Writer(FULFILLMENT_LENGTH + 3 + data.length)
  body.writeOctetString(asBuffer(fulfillment), FULFILLMENT_LENGTH)
  body.writeVarOctetString(asBuffer(data))
  return sealEnvelope(IlpPacketType.Fulfill, body)
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
