import { InvalidFrameFieldError } from './btp-errors.js'
import type { BtpFrame, ProtocolDataEntry } from './btp-frame.js'
import { BtpType, MAX_ERROR_DATA_BYTES } from './btp-frame.js'
import { isGeneralizedTime } from './generalized-time.js'

// Measure first, allocate once, write (the quic-go habit): one Uint8Array per frame.

const nameCache = new Map<string, Uint8Array>()

function ia5(text: string, field: string, cache = false): Uint8Array {
  const cached = cache ? nameCache.get(text) : undefined
  if (cached !== undefined) return cached
  const out = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c > 0x7f) throw new InvalidFrameFieldError(field, 'is not an IA5String (7-bit ASCII)')
    out[i] = c
  }
  if (cache && nameCache.size < 64 && text.length <= 32) nameCache.set(text, out)
  return out
}

/** Bytes of an OER length determinant for `n` (X.690 8.1.3: short form below 128). */
function lengthOfLength(n: number): number {
  if (n < 0x80) return 1
  if (n <= 0xff) return 2
  if (n <= 0xffff) return 3
  if (n <= 0xffffff) return 4
  return 5
}

/** Bytes of the minimal unsigned big-endian encoding of `n` (at least one). */
function uintBytes(n: number): number {
  if (n <= 0xff) return 1
  if (n <= 0xffff) return 2
  if (n <= 0xffffff) return 3
  return 4
}

function writeLength(out: Uint8Array, at: number, n: number): number {
  if (n < 0x80) {
    out[at] = n
    return at + 1
  }
  const size = uintBytes(n)
  out[at++] = 0x80 | size
  for (let i = size - 1; i >= 0; i--) out[at++] = (n >>> (8 * i)) & 0xff
  return at
}

interface Prepared {
  readonly names: Uint8Array[]
  readonly size: number
}

function measureProtocolData(entries: readonly ProtocolDataEntry[]): Prepared {
  const names: Uint8Array[] = []
  // Count: OER variable-length unsigned integer (a length byte, then the minimal bytes).
  let size = 1 + uintBytes(entries.length)
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] as ProtocolDataEntry
    const name = ia5(entry.protocolName, `protocolData[${i}].protocolName`, true)
    if (!Number.isInteger(entry.contentType) || entry.contentType < 0 || entry.contentType > 255) {
      throw new InvalidFrameFieldError(`protocolData[${i}].contentType`, 'must be an integer 0..255')
    }
    names.push(name)
    size += lengthOfLength(name.length) + name.length + 1 + lengthOfLength(entry.data.length) + entry.data.length
  }
  return { names, size }
}

function writeProtocolData(out: Uint8Array, at: number, entries: readonly ProtocolDataEntry[], names: Uint8Array[]): number {
  const countSize = uintBytes(entries.length)
  out[at++] = countSize
  for (let i = countSize - 1; i >= 0; i--) out[at++] = (entries.length >>> (8 * i)) & 0xff
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] as ProtocolDataEntry
    const name = names[i] as Uint8Array
    at = writeLength(out, at, name.length)
    out.set(name, at)
    at += name.length
    out[at++] = entry.contentType
    at = writeLength(out, at, entry.data.length)
    out.set(entry.data, at)
    at += entry.data.length
  }
  return at
}

/**
 * Encodes one BTP packet: type, requestId (UInt32), then the type's fields as an OER
 * length-prefixed octet string (RFC 0023 §Overview). Throws `InvalidFrameFieldError` naming
 * the field when a value cannot be encoded.
 */
export function encodeBtpFrame(frame: BtpFrame): Uint8Array {
  const { requestId } = frame
  if (!Number.isInteger(requestId) || requestId < 0 || requestId > 0xffff_ffff) {
    throw new InvalidFrameFieldError('requestId', 'must be a UInt32')
  }
  const pd = measureProtocolData(frame.protocolData)
  let contents = pd.size
  let code: Uint8Array | undefined
  let name: Uint8Array | undefined
  let time: Uint8Array | undefined
  switch (frame.type) {
    case BtpType.Response:
    case BtpType.Message:
      break
    case BtpType.Transfer:
      if (typeof frame.amount !== 'bigint' || frame.amount < 0n || frame.amount > 0xffff_ffff_ffff_ffffn) {
        throw new InvalidFrameFieldError('transfer.amount', 'must be a UInt64')
      }
      contents += 8
      break
    case BtpType.Error:
      code = ia5(frame.code, 'error.code')
      if (code.length !== 3) throw new InvalidFrameFieldError('error.code', 'must be 3 characters')
      name = ia5(frame.name, 'error.name')
      if (!isGeneralizedTime(frame.triggeredAt)) throw new InvalidFrameFieldError('error.triggeredAt', 'is not a GeneralizedTime')
      time = ia5(frame.triggeredAt, 'error.triggeredAt')
      if (frame.data.length > MAX_ERROR_DATA_BYTES) {
        throw new InvalidFrameFieldError('error.data', `exceeds ${MAX_ERROR_DATA_BYTES} bytes`)
      }
      contents += 3 + lengthOfLength(name.length) + name.length + lengthOfLength(time.length) + time.length +
        lengthOfLength(frame.data.length) + frame.data.length
      break
    default:
      throw new InvalidFrameFieldError('type', `cannot encode type ${(frame as { type: unknown }).type as number}`)
  }
  const out = new Uint8Array(5 + lengthOfLength(contents) + contents)
  out[0] = frame.type
  out[1] = requestId >>> 24
  out[2] = (requestId >>> 16) & 0xff
  out[3] = (requestId >>> 8) & 0xff
  out[4] = requestId & 0xff
  let at = writeLength(out, 5, contents)
  if (frame.type === BtpType.Transfer) {
    const amount = frame.amount
    const view = new DataView(out.buffer, out.byteOffset, out.byteLength)
    view.setBigUint64(at, amount)
    at += 8
  } else if (frame.type === BtpType.Error) {
    out.set(code as Uint8Array, at)
    at += 3
    at = writeLength(out, at, (name as Uint8Array).length)
    out.set(name as Uint8Array, at)
    at += (name as Uint8Array).length
    at = writeLength(out, at, (time as Uint8Array).length)
    out.set(time as Uint8Array, at)
    at += (time as Uint8Array).length
    at = writeLength(out, at, frame.data.length)
    out.set(frame.data, at)
    at += frame.data.length
  }
  writeProtocolData(out, at, frame.protocolData, pd.names)
  return out
}

/** `ilp` as IA5 bytes (RFC 0023: the sub-protocol of ILP packets). */
const ILP_NAME = [0x69, 0x6c, 0x70] as const

/**
 * The frame of nearly every packet: a MESSAGE (or its RESPONSE) whose one protocol data entry
 * is `ilp`, octet-stream, carrying `data`. The same bytes as `encodeBtpFrame` of that frame,
 * written without building it, into a Buffer (so `ws` sends it as is, without a view of it).
 */
export function encodeIlpFrame(type: typeof BtpType.Message | typeof BtpType.Response, requestId: number, data: Uint8Array): Buffer {
  // count (01 01), name (03 'ilp'), content type (00), then data with its length
  const contents = 7 + lengthOfLength(data.length) + data.length
  const out = Buffer.allocUnsafe(5 + lengthOfLength(contents) + contents)
  out[0] = type
  out[1] = requestId >>> 24
  out[2] = (requestId >>> 16) & 0xff
  out[3] = (requestId >>> 8) & 0xff
  out[4] = requestId & 0xff
  let at = writeLength(out, 5, contents)
  out[at++] = 1
  out[at++] = 1
  out[at++] = 3
  out[at++] = ILP_NAME[0]
  out[at++] = ILP_NAME[1]
  out[at++] = ILP_NAME[2]
  out[at++] = 0
  at = writeLength(out, at, data.length)
  out.set(data, at)
  return out
}
