/**
 * Typed failures of the BTP codec. Every decoder answers bad input with one of these, naming
 * the field it was reading — never a bare RangeError and never a half-filled frame.
 */
export abstract class BtpCodecError extends Error {
  /** The field (`requestId`, `protocolData[1].protocolName`, `error.triggeredAt` …). */
  readonly field: string

  constructor(field: string, message: string) {
    super(`${field}: ${message}`)
    this.field = field
  }
}

/** The input ended before the field was complete. */
export class TruncatedFrameError extends BtpCodecError {
  override readonly name = 'TruncatedFrameError'

  constructor(field: string, needed: number, available: number) {
    super(field, `needs ${needed} bytes, only ${available} left`)
  }
}

/** The field is complete but its value is not allowed (by RFC 0023, its ASN.1, or OER). */
export class InvalidFrameFieldError extends BtpCodecError {
  override readonly name = 'InvalidFrameFieldError'
}

/** The type byte is not one BTP 2.0 uses (RFC 0023: 1, 2, 6, 7; 3–5 are retired). */
export class UnknownFrameTypeError extends BtpCodecError {
  override readonly name = 'UnknownFrameTypeError'

  constructor(readonly type: number) {
    super('type', `unknown or retired BTP type ${type}`)
  }
}

/** The frame is larger than the receiver accepts; nothing past the header was read. */
export class FrameTooLargeError extends BtpCodecError {
  override readonly name = 'FrameTooLargeError'

  constructor(readonly size: number, readonly limit: number) {
    super('frame', `${size} bytes exceeds the limit of ${limit}`)
  }
}

export type BtpDecodeError = TruncatedFrameError | InvalidFrameFieldError | UnknownFrameTypeError | FrameTooLargeError
