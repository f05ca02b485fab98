import { InvalidFieldError, TruncatedPacketError } from './packet/codec-errors.js'
import { IlpErrorCode } from './error-codes.js'
import { isIa5 } from './packet/field-checks.js'
import { IlpPacketType, MAX_DATA_LENGTH, MAX_UINT64, type IlpReject } from './packet/packet.js'

export interface IlpErrorOptions {
  /** Address of the node that created the error; unset means "whoever sends the Reject". */
  triggeredBy?: string
  data?: Uint8Array
  cause?: unknown
}

/** An ILP Reject as an exception: thrown inside a node, turned into a Reject in one place. */
export class IlpError extends Error {
  override readonly name = 'IlpError'
  readonly code: string
  readonly triggeredBy: string | undefined
  readonly data: Uint8Array

  /** Throws InvalidFieldError if `code` or `data` could not go on the wire. */
  constructor(code: string, message: string, options: IlpErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    // RFC 0027 §"ILP Reject": code is a 3-character IA5String. Any such code is accepted
    // (not only F/T/R + digits) so that a connector can relay every Reject it decodes.
    if (code.length !== 3 || !isIa5(code)) {
      throw new InvalidFieldError('code', `"${code}" is not three IA5 characters`)
    }
    const data = options.data ?? new Uint8Array(0)
    if (data.length > MAX_DATA_LENGTH) {
      throw new InvalidFieldError('data', `length ${data.length} exceeds the maximum of ${MAX_DATA_LENGTH}`)
    }
    this.code = code
    this.triggeredBy = options.triggeredBy
    this.data = data
  }

  /** The Reject to send; `defaultTriggeredBy` (the sending node's address) fills an unset triggeredBy. */
  toReject(defaultTriggeredBy: string): RejectReply {
    return reject(this.code, this.triggeredBy ?? defaultTriggeredBy, this.message, this.data)
  }

  /** Keeps every field, an empty triggeredBy included, so a relayed Reject is unchanged. */
  static fromReject(reject: IlpReject): IlpError {
    return new IlpError(reject.code, reject.message, { triggeredBy: reject.triggeredBy, data: reject.data })
  }
}

const EMPTY = new Uint8Array(0)

/** A Reject as a reply: usable as an IlpReject and as an IlpReply. */
export type RejectReply = { type: IlpPacketType.Reject } & IlpReject

/**
 * The one way a Reject is made (RFC 0027 §"IlpReject"): `triggeredBy` is the address of the node
 * that refused (empty when unknown). Fields are checked when it is encoded.
 */
export function reject(code: string, triggeredBy: string, message: string, data: Uint8Array = EMPTY): RejectReply {
  return { type: IlpPacketType.Reject, code, triggeredBy, message, data }
}

/** RFC 0027 F08 data, asn1/InterledgerErrorData.asn `AmountTooLargeErrorData`. */
export interface AmountTooLargeData {
  /** Local amount the connector received. */
  receivedAmount: bigint
  /** Largest amount the connector forwards, inclusive, in the same units. */
  maximumAmount: bigint
}

// Two OER UInt64s: fixed 8 bytes each, big endian, no length prefixes (RFC 0030).
const AMOUNT_TOO_LARGE_LENGTH = 16

function checkUInt64(field: string, amount: bigint): void {
  if (typeof amount !== 'bigint' || amount < 0n || amount > MAX_UINT64) {
    throw new InvalidFieldError(field, `${String(amount)} is not a UInt64 (0 to 2^64-1)`)
  }
}

export function encodeAmountTooLargeData({ receivedAmount, maximumAmount }: AmountTooLargeData): Uint8Array {
  checkUInt64('F08.receivedAmount', receivedAmount)
  checkUInt64('F08.maximumAmount', maximumAmount)
  const bytes = new Uint8Array(AMOUNT_TOO_LARGE_LENGTH)
  const view = new DataView(bytes.buffer)
  view.setBigUint64(0, receivedAmount)
  view.setBigUint64(8, maximumAmount)
  return bytes
}

/**
 * Reads F08 data. Senders must expect empty data too: RFC 0027 says a connector
 * SHOULD (not MUST) include it. The SEQUENCE has no extension marker, so bytes
 * after the two amounts are an error.
 */
export function decodeAmountTooLargeData(data: Uint8Array): AmountTooLargeData {
  if (data.length < 8) {
    throw new TruncatedPacketError('F08.receivedAmount', 8, data.length)
  }
  if (data.length < AMOUNT_TOO_LARGE_LENGTH) {
    throw new TruncatedPacketError('F08.maximumAmount', 8, data.length - 8)
  }
  if (data.length > AMOUNT_TOO_LARGE_LENGTH) {
    throw new InvalidFieldError('F08', `${data.length - AMOUNT_TOO_LARGE_LENGTH} bytes after maximumAmount`)
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  return { receivedAmount: view.getBigUint64(0), maximumAmount: view.getBigUint64(8) }
}

/** The F08 Reject a connector sends for a Prepare above its maximum packet amount. */
export function amountTooLargeError(receivedAmount: bigint, maximumAmount: bigint, triggeredBy?: string): IlpError {
  const data = encodeAmountTooLargeData({ receivedAmount, maximumAmount })
  return new IlpError(
    IlpErrorCode.F08_AMOUNT_TOO_LARGE,
    `amount too large: received ${receivedAmount}, maximum ${maximumAmount}`,
    triggeredBy === undefined ? { data } : { triggeredBy, data },
  )
}
