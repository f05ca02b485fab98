import { FrameTooLargeError, InvalidFrameFieldError, TruncatedFrameError, UnknownFrameTypeError } from './btp-errors.js'
import type { BtpFrame, ProtocolDataEntry } from './btp-frame.js'
import { BtpType, MAX_ERROR_DATA_BYTES } from './btp-frame.js'
import { isGeneralizedTime } from './generalized-time.js'

/** Frames larger than this are refused unless the caller sets its own limit. */
export const DEFAULT_MAX_FRAME_BYTES = 1 << 20

export interface DecodeOptions {
  /** Refuse frames larger than this many bytes (`FrameTooLargeError`). */
  readonly maxBytes?: number
}

/** A cursor over one frame's bytes; every read names its field for the error it may throw. */
class Reader {
  at: number

  constructor(readonly bytes: Uint8Array, at: number, readonly end: number) {
    this.at = at
  }

  need(n: number, field: string): void {
    if (this.end - this.at < n) throw new TruncatedFrameError(field, n, this.end - this.at)
  }

  u8(field: string): number {
    this.need(1, field)
    return this.bytes[this.at++] as number
  }

  /** OER length determinant (X.690 8.1.3), canonical form only. */
  length(field: string): number {
    const first = this.u8(field)
    if (first < 0x80) return first
    const size = first & 0x7f
    if (size === 0 || size > 4) throw new InvalidFrameFieldError(field, `length of length ${size} is not allowed`)
    this.need(size, field)
    let n = 0
    for (let i = 0; i < size; i++) n = n * 256 + (this.bytes[this.at++] as number)
    if (n < 0x80 || (size > 1 && n < 2 ** (8 * (size - 1)))) {
      throw new InvalidFrameFieldError(field, 'length is not in its shortest form')
    }
    return n
  }

  /** A view of the next `n` bytes as a plain Uint8Array (never a Buffer: its `slice` shares memory). */
  view(n: number, field: string): Uint8Array {
    this.need(n, field)
    const out = new Uint8Array(this.bytes.buffer, this.bytes.byteOffset + this.at, n)
    this.at += n
    return out
  }

  varOctets(field: string): Uint8Array {
    return this.view(this.length(field), field)
  }

  ia5(n: number, field: string): string {
    this.need(n, field)
    let text = ''
    for (let i = 0; i < n; i++) {
      const c = this.bytes[this.at + i] as number
      if (c > 0x7f) throw new InvalidFrameFieldError(field, 'is not an IA5String (7-bit ASCII)')
      text += String.fromCharCode(c)
    }
    this.at += n
    return text
  }

  varIa5(field: string): string {
    return this.ia5(this.length(field), field)
  }
}

function readProtocolData(r: Reader): ProtocolDataEntry[] {
  // Count: OER variable-length unsigned integer.
  const size = r.u8('protocolData.count')
  if (size === 0 || size > 4) throw new InvalidFrameFieldError('protocolData.count', `length of count ${size} is not allowed`)
  r.need(size, 'protocolData.count')
  if (size > 1 && r.bytes[r.at] === 0) throw new InvalidFrameFieldError('protocolData.count', 'count is not in its shortest form')
  let count = 0
  for (let i = 0; i < size; i++) count = count * 256 + (r.bytes[r.at++] as number)
  // Each entry takes at least 3 bytes: a cheap bound before allocating anything.
  if (count * 3 > r.end - r.at) {
    throw new InvalidFrameFieldError('protocolData.count', `${count} entries cannot fit in ${r.end - r.at} bytes`)
  }
  const entries: ProtocolDataEntry[] = new Array<ProtocolDataEntry>(count)
  for (let i = 0; i < count; i++) {
    const protocolName = r.varIa5(`protocolData[${i}].protocolName`)
    const contentType = r.u8(`protocolData[${i}].contentType`)
    const data = r.varOctets(`protocolData[${i}].data`)
    entries[i] = { protocolName, contentType, data }
  }
  return entries
}

export interface BtpFrameHeader {
  readonly type: number
  readonly requestId: number
}

/**
 * Type and requestId of a frame, when at least its first five bytes are there; enough to
 * answer a request that is otherwise unreadable or too large.
 */
export function readBtpHeader(bytes: Uint8Array): BtpFrameHeader | undefined {
  if (bytes.length < 5) return undefined
  const requestId = ((bytes[1] as number) * 0x100_0000) + (((bytes[2] as number) << 16) | ((bytes[3] as number) << 8) | (bytes[4] as number))
  return { type: bytes[0] as number, requestId }
}

/**
 * Decodes one BTP packet (RFC 0023 §Overview, asn1/BilateralTransferProtocol.asn). Byte
 * fields of the result are views of `bytes`, not copies. Throws one of `BtpDecodeError`,
 * naming the field, for anything that is not exactly one well-formed frame.
 */
export function decodeBtpFrame(bytes: Uint8Array, options: DecodeOptions = {}): BtpFrame {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_FRAME_BYTES
  if (bytes.length > maxBytes) throw new FrameTooLargeError(bytes.length, maxBytes)
  const outer = new Reader(bytes, 0, bytes.length)
  const type = outer.u8('type')
  if (type !== BtpType.Response && type !== BtpType.Error && type !== BtpType.Message && type !== BtpType.Transfer) {
    throw new UnknownFrameTypeError(type)
  }
  outer.need(4, 'requestId')
  const header = readBtpHeader(bytes) as BtpFrameHeader
  outer.at += 4
  const requestId = header.requestId
  const contentsLength = outer.length('data')
  outer.need(contentsLength, 'data')
  if (outer.at + contentsLength !== bytes.length) {
    throw new InvalidFrameFieldError('frame', `${bytes.length - outer.at - contentsLength} bytes after the end of the packet`)
  }
  const r = new Reader(bytes, outer.at, outer.at + contentsLength)
  let frame: BtpFrame
  switch (type) {
    case BtpType.Response:
      frame = { type, requestId, protocolData: readProtocolData(r) }
      break
    case BtpType.Message:
      frame = { type, requestId, protocolData: readProtocolData(r) }
      break
    case BtpType.Transfer: {
      r.need(8, 'transfer.amount')
      const amount = new DataView(bytes.buffer, bytes.byteOffset + r.at, 8).getBigUint64(0)
      r.at += 8
      frame = { type, requestId, amount, protocolData: readProtocolData(r) }
      break
    }
    case BtpType.Error: {
      const code = r.ia5(3, 'error.code')
      const name = r.varIa5('error.name')
      const triggeredAt = r.varIa5('error.triggeredAt')
      if (!isGeneralizedTime(triggeredAt)) throw new InvalidFrameFieldError('error.triggeredAt', 'is not a GeneralizedTime')
      const dataLength = r.length('error.data')
      if (dataLength > MAX_ERROR_DATA_BYTES) throw new InvalidFrameFieldError('error.data', `exceeds ${MAX_ERROR_DATA_BYTES} bytes`)
      const data = r.view(dataLength, 'error.data')
      frame = { type, requestId, code, name, triggeredAt, data, protocolData: readProtocolData(r) }
      break
    }
  }
  if (r.at !== r.end) throw new InvalidFrameFieldError('data', `${r.end - r.at} bytes after the protocol data`)
  return frame
}

/** A MESSAGE or RESPONSE whose one protocol data entry is `ilp` (see `readIlpFrame`). */
export interface IlpFrame {
  readonly type: typeof BtpType.Message | typeof BtpType.Response
  readonly requestId: number
  readonly contentType: number
  /** A view of the input, as `decodeBtpFrame` gives it. */
  readonly data: Uint8Array
}

/** OER length determinant at `at` in its canonical form, up to 2 length bytes; -1 otherwise. */
function shortLength(bytes: Uint8Array, at: number): number {
  const first = bytes[at] as number
  if (first < 0x80) return first
  if (first === 0x81) return (bytes[at + 1] as number) >= 0x80 ? (bytes[at + 1] as number) : -1
  if (first === 0x82) {
    const n = ((bytes[at + 1] as number) << 8) | (bytes[at + 2] as number)
    return n >= 0x100 ? n : -1
  }
  return -1
}

const lengthSize = (n: number): number => (n < 0x80 ? 1 : n < 0x100 ? 2 : 3)

/**
 * The per-packet fast path of the decoder: when `bytes` are exactly a MESSAGE or RESPONSE with
 * one protocol data entry named `ilp` (any content type), its type, requestId and data — the
 * same as `decodeBtpFrame` would read; otherwise undefined, for `decodeBtpFrame` to read or
 * refuse with its typed error. Builds no frame object.
 */
export function readIlpFrame(bytes: Uint8Array): IlpFrame | undefined {
  const type = bytes[0]
  if ((type !== BtpType.Message && type !== BtpType.Response) || bytes.length < 14) return undefined
  const contents = shortLength(bytes, 5)
  let at = 5 + lengthSize(contents)
  if (contents < 0 || at + contents !== bytes.length) return undefined
  // count 1 in one byte, then the name `ilp`
  if (bytes[at] !== 1 || bytes[at + 1] !== 1 || bytes[at + 2] !== 3 || bytes[at + 3] !== 0x69 || bytes[at + 4] !== 0x6c || bytes[at + 5] !== 0x70) {
    return undefined
  }
  const contentType = bytes[at + 6] as number
  at += 7
  if (at >= bytes.length) return undefined
  const length = shortLength(bytes, at)
  at += lengthSize(length)
  if (length < 0 || at + length !== bytes.length) return undefined
  const requestId = ((bytes[1] as number) * 0x100_0000) + (((bytes[2] as number) << 16) | ((bytes[3] as number) << 8) | (bytes[4] as number))
  return { type, requestId, contentType, data: new Uint8Array(bytes.buffer, bytes.byteOffset + at, length) }
}
