/**
 * RFC 0027 §"Error Codes": every code the RFC defines, by constant name.
 * F = final (do not retry unchanged), T = temporary (retry), R = relative
 * (retry with a larger margin of amount or time).
 */
export const IlpErrorCode = Object.freeze({
  F00_BAD_REQUEST: 'F00',
  F01_INVALID_PACKET: 'F01',
  F02_UNREACHABLE: 'F02',
  F03_INVALID_AMOUNT: 'F03',
  F04_INSUFFICIENT_DESTINATION_AMOUNT: 'F04',
  F05_WRONG_CONDITION: 'F05',
  F06_UNEXPECTED_PAYMENT: 'F06',
  F07_CANNOT_RECEIVE: 'F07',
  F08_AMOUNT_TOO_LARGE: 'F08',
  F99_APPLICATION_ERROR: 'F99',
  T00_INTERNAL_ERROR: 'T00',
  T01_PEER_UNREACHABLE: 'T01',
  T02_PEER_BUSY: 'T02',
  T03_CONNECTOR_BUSY: 'T03',
  T04_INSUFFICIENT_LIQUIDITY: 'T04',
  T05_RATE_LIMITED: 'T05',
  T99_APPLICATION_ERROR: 'T99',
  R00_TRANSFER_TIMED_OUT: 'R00',
  R01_INSUFFICIENT_SOURCE_AMOUNT: 'R01',
  R02_INSUFFICIENT_TIMEOUT: 'R02',
  R99_APPLICATION_ERROR: 'R99',
} as const)

/** One of the codes RFC 0027 defines. */
export type KnownErrorCode = (typeof IlpErrorCode)[keyof typeof IlpErrorCode]

type Digit = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9'

/** The shape of every code in RFC 0027's table: class letter then two digits. */
export type ValidErrorCode = `${'F' | 'T' | 'R'}${Digit}${Digit}`

export type ErrorClass = 'final' | 'temporary' | 'relative'

// Names as in the RFC's table. The xx99 codes are "Application Error", though
// applications MAY use other names for them.
const NAMES: ReadonlyMap<string, string> = new Map<KnownErrorCode, string>([
  ['F00', 'Bad Request'],
  ['F01', 'Invalid Packet'],
  ['F02', 'Unreachable'],
  ['F03', 'Invalid Amount'],
  ['F04', 'Insufficient Destination Amount'],
  ['F05', 'Wrong Condition'],
  ['F06', 'Unexpected Payment'],
  ['F07', 'Cannot Receive'],
  ['F08', 'Amount Too Large'],
  ['F99', 'Application Error'],
  ['T00', 'Internal Error'],
  ['T01', 'Peer Unreachable'],
  ['T02', 'Peer Busy'],
  ['T03', 'Connector Busy'],
  ['T04', 'Insufficient Liquidity'],
  ['T05', 'Rate Limited'],
  ['T99', 'Application Error'],
  ['R00', 'Transfer Timed Out'],
  ['R01', 'Insufficient Source Amount'],
  ['R02', 'Insufficient Timeout'],
  ['R99', 'Application Error'],
])

const VALID_CODE = /^[FTR][0-9]{2}$/

/**
 * True when `code` has the shape of an RFC 0027 code: `F`, `T` or `R` then two ASCII
 * digits (`F42` is valid though undefined: its class still says how to react).
 * Stricter than the wire, where `code` is any 3-character IA5String, so a decoded
 * Reject may carry a code that is not valid here.
 */
export function isValidErrorCode(code: string): code is ValidErrorCode {
  return VALID_CODE.test(code)
}

/** The RFC 0027 name of a defined code (`F02` → `Unreachable`), else undefined. */
export function errorCodeName(code: string): string | undefined {
  return NAMES.get(code)
}

/**
 * The class of a code, from its letter (RFC 0027 §"F__", "T__", "R__"), or
 * undefined when the code is not valid. A sender should treat undefined as final:
 * retrying a packet nobody can explain the failure of is not safe.
 */
export function errorClass(code: ValidErrorCode): ErrorClass
export function errorClass(code: string): ErrorClass | undefined
export function errorClass(code: string): ErrorClass | undefined {
  if (!VALID_CODE.test(code)) return undefined
  switch (code.charCodeAt(0)) {
    case 0x46: // F
      return 'final'
    case 0x54: // T
      return 'temporary'
    default: // R, the only letter left
      return 'relative'
  }
}
