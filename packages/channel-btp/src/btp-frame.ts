/**
 * BTP 2.0 frames (RFC 0023 and asn1/BilateralTransferProtocol.asn) as plain data. The codec
 * is in encode.ts / decode.ts; nothing here does I/O.
 */

/** RFC 0023 §BTP Type IDs. 3, 4 and 5 (Prepare, Fulfill, Reject of BTP 1) are retired. */
export const BtpType = {
  Response: 1,
  Error: 2,
  Message: 6,
  Transfer: 7
} as const
export type BtpType = (typeof BtpType)[keyof typeof BtpType]

/** ContentType of a protocol data entry (ASN.1: INTEGER 0..255, three named). */
export const ContentType = {
  ApplicationOctetStream: 0,
  TextPlainUtf8: 1,
  ApplicationJson: 2
} as const

export interface ProtocolDataEntry {
  /** IA5String (7-bit ASCII). `ilp` is reserved for ILP packets (RFC 0023 ASN.1). */
  readonly protocolName: string
  /** 0..255. */
  readonly contentType: number
  readonly data: Uint8Array
}

export interface BtpResponse {
  readonly type: typeof BtpType.Response
  readonly requestId: number
  readonly protocolData: readonly ProtocolDataEntry[]
}

export interface BtpError {
  readonly type: typeof BtpType.Error
  readonly requestId: number
  /** Three IA5 characters, e.g. `F01` (RFC 0023 §Error Codes). */
  readonly code: string
  /** IA5String, e.g. `InvalidFieldsError`. */
  readonly name: string
  /** GeneralizedTime text, e.g. `20261124193000.123Z`; see `toGeneralizedTime`. */
  readonly triggeredAt: string
  /** At most 8192 bytes (ASN.1 SIZE constraint). */
  readonly data: Uint8Array
  readonly protocolData: readonly ProtocolDataEntry[]
}

export interface BtpMessage {
  readonly type: typeof BtpType.Message
  readonly requestId: number
  readonly protocolData: readonly ProtocolDataEntry[]
}

export interface BtpTransfer {
  readonly type: typeof BtpType.Transfer
  readonly requestId: number
  /** UInt64. */
  readonly amount: bigint
  readonly protocolData: readonly ProtocolDataEntry[]
}

export type BtpFrame = BtpResponse | BtpError | BtpMessage | BtpTransfer

export const MAX_ERROR_DATA_BYTES = 8192
