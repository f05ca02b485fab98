import { timingSafeEqual } from 'node:crypto'
import { conditionOf, IlpPacketType, type IlpPrepare, type IlpReply } from '@stack/ilp-core'
import { decrypt, encrypt, encryptionKey, fulfillmentKey, fulfillmentOf, randomCondition } from '../wire/crypto.js'
import type { Frame } from '../wire/frames/frame.js'
import { decodeStreamPacket, encodeStreamPacket, type StreamPacket } from '../wire/packet.js'
import type { OutgoingRequest, RequestContent } from './types.js'

/** The money of one of our Prepares and where it stands in the connection. */
export interface RequestTerms {
  sequence: bigint
  amount: bigint
  minDestination: bigint
  rateEpoch: number
}

/**
 * A connection's keys (RFC 0029 §5.1.2, §6.2), derived once from the shared secret, and
 * everything that seals or opens its STREAM packets: our Prepares with their conditions,
 * the other side's replies, its Prepares and our replies to them.
 */
export class PacketSealer {
  private readonly encryptionKey: Uint8Array
  private readonly fulfillmentKey: Uint8Array

  constructor(sharedSecret: Uint8Array) {
    this.encryptionKey = encryptionKey(sharedSecret)
    this.fulfillmentKey = fulfillmentKey(sharedSecret)
  }

  /** Our Prepare carrying `frames` and `content`, asking the receiver for at least `minDestination`. */
  sealRequest(terms: RequestTerms, frames: Frame[], content: RequestContent, destination: string, expiresAt: Date): OutgoingRequest {
    const { sequence, amount, minDestination } = terms
    const data = encrypt(this.encryptionKey, encodeStreamPacket({ ilpPacketType: IlpPacketType.Prepare, sequence, prepareAmount: minDestination, frames }))
    let fulfillment: Uint8Array | undefined
    let executionCondition: Uint8Array
    if (content.probe) {
      // RFC 0029 §6.1: a probe must not be fulfillable.
      executionCondition = randomCondition()
    } else {
      fulfillment = fulfillmentOf(this.fulfillmentKey, data)
      executionCondition = conditionOf(fulfillment)
    }
    // One literal, one shape for every request (the hot path reads them on every reply).
    return {
      sequence,
      prepare: { amount, expiresAt, executionCondition, destination, data },
      fulfillment,
      amount,
      minDestination,
      rateEpoch: terms.rateEpoch,
      stream: content.stream,
      data: content.data,
      closes: content.closes,
      advertised: content.advertised,
      moneyBlocked: content.moneyBlocked,
      probe: content.probe,
      carriesAddress: content.carriesAddress,
      connectionClose: content.connectionClose,
      streamIdBlocked: content.streamIdBlocked,
      validates: content.validates,
    }
  }

  /** The receiver's STREAM reply inside a Fulfill or Reject, if it is one and answers our packet `sequence`. */
  openReply(sequence: bigint, reply: IlpReply): StreamPacket | undefined {
    if (reply.data.length === 0) return undefined
    try {
      const packet = decodeStreamPacket(decrypt(this.encryptionKey, reply.data))
      // RFC 0029 §5.2: discard a reply with another sequence or on the wrong ILP packet type.
      if (packet.sequence !== sequence || packet.ilpPacketType !== reply.type) return undefined
      return packet
    } catch {
      return undefined
    }
  }

  /** The STREAM packet in a Prepare's data; throws if it does not decrypt or decode (RFC 0029 §4.2: F06). */
  openPrepare(data: Uint8Array): StreamPacket {
    return decodeStreamPacket(decrypt(this.encryptionKey, data))
  }

  /** RFC 0029 §6.3: the fulfillment of a Prepare, or undefined if its condition is not ours (a probe). */
  fulfillmentFor(prepare: IlpPrepare): Uint8Array | undefined {
    const fulfillment = fulfillmentOf(this.fulfillmentKey, prepare.data)
    return timingSafeEqual(conditionOf(fulfillment), prepare.executionCondition) ? fulfillment : undefined
  }

  /** Our reply's data to the other side's Prepare `sequence`, of `amount` as it arrived. */
  sealReply(type: IlpPacketType.Fulfill | IlpPacketType.Reject, sequence: bigint, amount: bigint, frames: Frame[]): Uint8Array {
    return encrypt(this.encryptionKey, encodeStreamPacket({ ilpPacketType: type, sequence, prepareAmount: amount, frames }))
  }
}
