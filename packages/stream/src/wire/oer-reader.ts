import { StreamInvalidFieldError, StreamTruncatedError } from './errors.js'
import { MAX_UINT64 } from '@stack/ilp-core'

/**
 * The read side of the codecs: a plain cursor over `bytes[at, end)` and functions
 * that read one OER field each, naming it in any error. Byte fields come back as
 * views of the input, not copies. `end` bounds a frame's contents, so a frame can
 * never read into the next one.
 */
export interface Cursor {
  readonly bytes: Uint8Array
  at: number
  readonly end: number
}

export function cursor(bytes: Uint8Array, at = 0, end = bytes.length): Cursor {
  return { bytes, at, end }
}

/** A plain Uint8Array view of the same memory: byte fields decoded from a Buffer are not Buffers. */
export function plainView(bytes: Uint8Array): Uint8Array {
  return bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

export function remaining(c: Cursor): number {
  return c.end - c.at
}

function need(c: Cursor, field: string, length: number): void {
  if (c.end - c.at < length) throw new StreamTruncatedError(field, length, c.end - c.at)
}

export function readUInt8(c: Cursor, field: string): number {
  need(c, field, 1)
  return c.bytes[c.at++] as number
}

/**
 * RFC 0030 length determinant, canonical form only: short form below 128; long form
 * 0x80 | n with n (1..8) big-endian bytes, no leading zero, value at least 128.
 * The length must fit in what is left of the input.
 */
export function readLengthPrefix(c: Cursor, field: string): number {
  const first = readUInt8(c, field)
  if (first < 0x80) {
    need(c, field, first)
    return first
  }
  const size = first & 0x7f
  if (size === 0 || size > 8) throw new StreamInvalidFieldError(field, `length determinant of ${size} bytes`)
  need(c, field, size)
  const { bytes } = c
  if (bytes[c.at] === 0) throw new StreamInvalidFieldError(field, 'non-canonical length determinant (leading zero)')
  let length = 0
  for (let i = 0; i < size; i++) length = length * 256 + (bytes[c.at + i] as number)
  c.at += size
  if (length < 0x80) throw new StreamInvalidFieldError(field, `non-canonical length determinant: ${length} in long form`)
  need(c, field, length)
  return length
}

export function readVarOctets(c: Cursor, field: string): Uint8Array {
  const length = readLengthPrefix(c, field)
  return c.bytes.subarray(c.at, (c.at += length))
}

/** Length-prefixed contents of a VarUInt, checked canonical (RFC 0030: no leading zeros, at least one byte). */
function varUIntContents(c: Cursor, field: string): number {
  const size = readLengthPrefix(c, field)
  if (size === 0) throw new StreamInvalidFieldError(field, 'VarUInt of length 0')
  if (size > 1 && c.bytes[c.at] === 0) throw new StreamInvalidFieldError(field, 'non-canonical VarUInt (leading zero)')
  return size
}

function readBigEndian(bytes: Uint8Array, at: number, size: number): bigint {
  if (size <= 6) {
    let n = 0
    for (let i = 0; i < size; i++) n = n * 256 + (bytes[at + i] as number)
    return BigInt(n)
  }
  let high = 0
  for (let i = 0; i < size - 4; i++) high = high * 256 + (bytes[at + i] as number)
  let low = 0
  for (let i = size - 4; i < size; i++) low = low * 256 + (bytes[at + i] as number)
  return (BigInt(high) << 32n) | BigInt(low)
}

/** A VarUInt that must fit a UInt64 (RFC 0029 §5.1.4): anything longer is an error. */
export function readVarUInt(c: Cursor, field: string): bigint {
  const size = varUIntContents(c, field)
  if (size > 8) throw new StreamInvalidFieldError(field, `VarUInt of ${size} bytes exceeds UInt64`)
  const value = readBigEndian(c.bytes, c.at, size)
  c.at += size
  return value
}

/**
 * RFC 0029 §5.1.4: StreamMaxMoney.receiveMax and StreamMoneyBlocked.sendMax larger
 * than a UInt64 decode as 2^64-1. Only those two fields read through here.
 */
export function readSaturatingVarUInt(c: Cursor, field: string): bigint {
  const size = varUIntContents(c, field)
  if (size > 8) {
    c.at += size
    return MAX_UINT64
  }
  const value = readBigEndian(c.bytes, c.at, size)
  c.at += size
  return value
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

export function readVarUtf8(c: Cursor, field: string): string {
  const bytes = readVarOctets(c, field)
  try {
    return utf8.decode(bytes)
  } catch {
    throw new StreamInvalidFieldError(field, 'is not valid UTF-8')
  }
}

/** Length-prefixed bytes read as latin1: one char per byte, so a later ASCII check sees every byte. */
export function readVarLatin1(c: Cursor, field: string): string {
  const bytes = readVarOctets(c, field)
  let text = ''
  for (let i = 0; i < bytes.length; i += 4096) {
    text += String.fromCharCode(...bytes.subarray(i, i + 4096))
  }
  return text
}
