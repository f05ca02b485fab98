import { openEnvelope } from './envelope.js'
import { encodeFulfill, readFulfillBody } from './fulfill.js'
import { InvalidFieldError } from './codec-errors.js'
import { IlpPacketType, type IlpPacket, type IlpReply } from './packet.js'
import { readPrepareBody } from './prepare.js'
import { encodeReject, readRejectBody } from './reject.js'

/** Decodes any ILPv4 packet into a union tagged by `type`. */
export function decodePacket(bytes: Uint8Array): IlpPacket {
  const { type, body } = openEnvelope(bytes)
  switch (type) {
    case IlpPacketType.Prepare:
      return { type, ...readPrepareBody(body) }
    case IlpPacketType.Fulfill:
      return { type, ...readFulfillBody(body) }
    case IlpPacketType.Reject:
      return { type, ...readRejectBody(body) }
  }
}

/** Decodes the answer to a Prepare: a Fulfill or a Reject, never a Prepare. */
export function decodeReply(bytes: Uint8Array): IlpReply {
  const packet = decodePacket(bytes)
  if (packet.type === IlpPacketType.Prepare) {
    throw new InvalidFieldError('packet.type', 'is a Prepare, expected a Fulfill or a Reject')
  }
  return packet
}

/** Encodes a Fulfill or Reject by its tag. */
export function encodeReply(reply: IlpReply): Uint8Array {
  return reply.type === IlpPacketType.Fulfill ? encodeFulfill(reply) : encodeReject(reply)
}
