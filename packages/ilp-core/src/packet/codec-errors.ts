/**
 * Typed failures of the wire codecs. Every decoder in this package answers bad
 * input with one of these, naming the field it was reading — never a bare
 * RangeError from a buffer read and never a partially filled object.
 */
export abstract class IlpCodecError extends Error {
  /** The field (e.g. `prepare.amount`, `reject.code`) the codec was handling. */
  readonly field: string

  constructor(field: string, message: string) {
    super(`${field}: ${message}`)
    this.field = field
  }
}

/** The input ended before the field was complete. */
export class TruncatedPacketError extends IlpCodecError {
  override readonly name = 'TruncatedPacketError'

  constructor(field: string, needed: number, available: number) {
    super(field, `needs ${needed} bytes, only ${available} left`)
  }
}

/** The field is complete but its value is not allowed (by the RFC or by OER). */
export class InvalidFieldError extends IlpCodecError {
  override readonly name = 'InvalidFieldError'
}
