import { InvalidFieldError } from './codec-errors.js'
import { allocatePacket, lengthPrefixSize, openEnvelope, writeLengthPrefix } from './envelope.js'
import type { FieldReader } from './field-reader.js'
import { IlpPacketType, MAX_DATA_LENGTH, type IlpReject } from './packet.js'
import { checkData, isIa5 } from './field-checks.js'

const CODE_LENGTH = 3
/** RFC 0015: an address is at most 1023 characters; triggeredBy is an address or empty. */
const MAX_TRIGGERED_BY_LENGTH = 1023

/**
 * RFC 0027 §"IlpReject". The code is any three IA5 characters (unknown codes are
 * handled by their class letter); triggeredBy is IA5, possibly empty.
 */
export function encodeReject(reject: IlpReject): Buffer {
  const { code, triggeredBy, message, data } = reject
  if (code.length !== CODE_LENGTH || !isIa5(code)) {
    throw new InvalidFieldError('reject.code', `"${code}" is not three IA5 characters`)
  }
  if (triggeredBy.length > MAX_TRIGGERED_BY_LENGTH || !isIa5(triggeredBy)) {
    throw new InvalidFieldError('reject.triggeredBy', 'must be at most 1023 IA5 characters')
  }
  checkData('reject.data', data)
  const messageLength = Buffer.byteLength(message, 'utf8')
  const bodyLength = CODE_LENGTH + lengthPrefixSize(triggeredBy.length) + triggeredBy.length +
    lengthPrefixSize(messageLength) + messageLength + lengthPrefixSize(data.length) + data.length
  const packet = allocatePacket(IlpPacketType.Reject, bodyLength)
  let at = 1 + lengthPrefixSize(bodyLength)
  at += packet.write(code, at, 'latin1')
  at = writeLengthPrefix(packet, at, triggeredBy.length)
  at += packet.write(triggeredBy, at, 'latin1')
  at = writeLengthPrefix(packet, at, messageLength)
  at += packet.write(message, at, 'utf8')
  at = writeLengthPrefix(packet, at, data.length)
  packet.set(data, at)
  return packet
}

/** Decodes a Reject; `data` is a view of `bytes`, not a copy. */
export function decodeReject(bytes: Uint8Array): IlpReject {
  return readRejectBody(openEnvelope(bytes, IlpPacketType.Reject).body)
}

export function readRejectBody(body: FieldReader): IlpReject {
  const code = body.ascii('reject.code', CODE_LENGTH)
  const triggeredBy = body.varAscii('reject.triggeredBy', MAX_TRIGGERED_BY_LENGTH)
  const message = body.varUtf8('reject.message')
  const data = body.varOctets('reject.data', MAX_DATA_LENGTH)
  body.end('reject')
  return { code, triggeredBy, message, data }
}
