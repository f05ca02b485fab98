import { openEnvelope } from './envelope.js'
import { readFulfillBody } from './fulfill.js'
import { IlpPacketType, type IlpPacket } from './packet.js'
import { readPrepareBody } from './prepare.js'
import { readRejectBody } from './reject.js'

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
