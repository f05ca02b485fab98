/**
 * Typed failures of the STREAM wire layer. Every codec answers bad input with a
 * StreamCodecError naming the field it was handling — never a bare RangeError from
 * a buffer read, a hang, or a partially filled object.
 */
export abstract class StreamCodecError extends Error {
  /** The field (e.g. `packet.sequence`, `streamMoney.shares`) the codec was handling. */
  readonly field: string

  constructor(field: string, message: string) {
    super(`${field}: ${message}`)
    this.field = field
  }
}

/** The input ended before the field was complete. */
export class StreamTruncatedError extends StreamCodecError {
  override readonly name = 'StreamTruncatedError'
  readonly needed: number
  readonly available: number

  constructor(field: string, needed: number, available: number) {
    super(field, `needs ${needed} bytes, only ${available} left`)
    this.needed = needed
    this.available = available
  }
}

/** The field is complete but its value is not allowed (by RFC 0029, RFC 0039 or OER). */
export class StreamInvalidFieldError extends StreamCodecError {
  override readonly name = 'StreamInvalidFieldError'
}

/** A STREAM packet or receipt of a version this code does not speak (only 1 exists). */
export class StreamVersionError extends StreamCodecError {
  override readonly name = 'StreamVersionError'
  readonly version: number

  constructor(field: string, version: number) {
    super(field, `unsupported version ${version}`)
    this.version = version
  }
}

export type DecryptionFailure = 'too-short' | 'authentication-failed'

/**
 * RFC 0029 §5.1: the data is not a STREAM encryption envelope sealed with this key.
 * A receiver answers such a Prepare with F06 Unexpected Payment (§4.2).
 */
export class DecryptionError extends Error {
  override readonly name = 'DecryptionError'
  readonly reason: DecryptionFailure

  constructor(reason: DecryptionFailure, message: string) {
    super(message)
    this.reason = reason
  }
}

/** RFC 0039: a well-formed receipt whose HMAC does not match the receipt secret. */
export class InvalidReceiptError extends Error {
  override readonly name = 'InvalidReceiptError'
}
