/** ILPv4 packet types (RFC 0027 §"Packet Format"): the type byte of the OER envelope. */
export enum IlpPacketType {
  Prepare = 12,
  Fulfill = 13,
  Reject = 14,
}

/** RFC 0027: an amount is a UInt64 on the wire; in code it is a bigint in [0, 2^64-1]. */
export const MAX_UINT64 = 0xffff_ffff_ffff_ffffn

/** RFC 0027: the data field of every packet is at most 32767 bytes. */
export const MAX_DATA_LENGTH = 32767

export interface IlpPrepare {
  amount: bigint
  expiresAt: Date
  /** 32 bytes: SHA-256 of the fulfillment. */
  executionCondition: Uint8Array
  destination: string
  data: Uint8Array
}

export interface IlpFulfill {
  /** 32 bytes whose SHA-256 is the Prepare's condition. */
  fulfillment: Uint8Array
  data: Uint8Array
}

export interface IlpReject {
  /** Three characters: class letter F, T or R and two digits (RFC 0027 §"ILP Error Codes"). */
  code: string
  /** Address of the node that rejected; may be empty when unknown. */
  triggeredBy: string
  message: string
  data: Uint8Array
}

/** What `decodePacket` returns: the packet with its type as the tag. */
export type IlpPacket =
  | ({ type: IlpPacketType.Prepare } & IlpPrepare)
  | ({ type: IlpPacketType.Fulfill } & IlpFulfill)
  | ({ type: IlpPacketType.Reject } & IlpReject)

/** The answer to a Prepare: a Fulfill or a Reject, tagged by `type`. */
export type IlpReply = Exclude<IlpPacket, { type: IlpPacketType.Prepare }>

/**
 * The one seam between ILP and whatever uses it (RFC 0027 §"Packet Lifecycle"): take
 * a Prepare, resolve with its Fulfill or Reject. A sender calls the next hop's
 * handler; a receiver (a STREAM server, a connector) is one. Expected failures are
 * Rejects, not exceptions.
 */
export type PrepareHandler = (prepare: IlpPrepare) => Promise<IlpReply>
