import { MAX_UINT64 } from '@stack/ilp-core'
import { StreamInvalidFieldError } from './errors.js'

/**
 * The write side of the codecs, quic-go style: every field has a `…Length` that
 * measures it (and checks it, so a bad value fails before anything is allocated)
 * and a `write…` that puts it at an offset of a buffer already sized for it and
 * returns the next offset.
 */

/** Throws unless `value` is a bigint in [0, 2^64-1] (RFC 0029 §5.1.4: we encode no larger VarUInt). */
export function checkUInt64(field: string, value: bigint): void {
  if (typeof value !== 'bigint' || value < 0n || value > MAX_UINT64) {
    throw new StreamInvalidFieldError(field, `must be a bigint in [0, 2^64-1], got ${String(value)}`)
  }
}

/** `value`, or MaxUInt64 if it is larger: what a limit or a total past it is sent as (RFC 0029 §5.1.4). */
export function atMostUInt64(value: bigint): bigint {
  return value > MAX_UINT64 ? MAX_UINT64 : value
}

export function checkUInt8(field: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xff) {
    throw new StreamInvalidFieldError(field, `must be an integer in [0, 255], got ${String(value)}`)
  }
}

/**
 * RFC 0030 §"Variable-length unsigned integer": the bytes of the minimal big-endian
 * form (at least one byte, so 0 is `00`). Values are checked to be UInt64 first.
 */
export function varUIntContentLength(value: bigint): number {
  if (value <= 0xffff_ffffn) {
    const n = Number(value)
    return n < 0x100 ? 1 : n < 0x1_0000 ? 2 : n < 0x100_0000 ? 3 : 4
  }
  const high = Number(value >> 32n)
  return high < 0x100 ? 5 : high < 0x1_0000 ? 6 : high < 0x100_0000 ? 7 : 8
}

/** The whole VarUInt: a one-byte length determinant (at most 8 < 128) and the contents. */
export function varUIntLength(field: string, value: bigint): number {
  checkUInt64(field, value)
  return 1 + varUIntContentLength(value)
}

export function writeVarUInt(target: Uint8Array, at: number, value: bigint): number {
  const size = varUIntContentLength(value)
  target[at] = size
  // Split into two 32-bit numbers: bigint shifts per byte cost more than the split.
  let low: number
  let high: number
  if (size <= 4) {
    low = Number(value)
    high = 0
  } else {
    low = Number(value & 0xffff_ffffn)
    high = Number(value >> 32n)
  }
  let end = at + 1 + size
  const stop = end
  for (let i = 0; i < size && i < 4; i++) {
    target[--end] = low & 0xff
    low >>>= 8
  }
  for (let i = 4; i < size; i++) {
    target[--end] = high & 0xff
    high >>>= 8
  }
  return stop
}

/** RFC 0030 length determinant: short form below 128, else 0x80 | n and n bytes. */
export function lengthPrefixLength(length: number): number {
  return length < 0x80 ? 1 : length < 0x100 ? 2 : length < 0x1_0000 ? 3 : length < 0x100_0000 ? 4 : 5
}

export function writeLengthPrefix(target: Uint8Array, at: number, length: number): number {
  if (length < 0x80) {
    target[at] = length
    return at + 1
  }
  const size = lengthPrefixLength(length) - 1
  target[at] = 0x80 | size
  for (let i = size; i >= 1; i--) {
    target[at + i] = length & 0xff
    length >>>= 8
  }
  return at + 1 + size
}

export function varOctetsLength(bytes: Uint8Array): number {
  return lengthPrefixLength(bytes.length) + bytes.length
}

export function writeVarOctets(target: Uint8Array, at: number, bytes: Uint8Array): number {
  at = writeLengthPrefix(target, at, bytes.length)
  target.set(bytes, at)
  return at + bytes.length
}

const encoder = new TextEncoder()

/** Bytes of `text` as UTF-8; refuses strings with lone surrogates (they have no UTF-8 form). */
export function utf8Length(field: string, text: string): number {
  if (typeof text !== 'string') throw new StreamInvalidFieldError(field, 'must be a string')
  let length = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x80) length += 1
    else if (c < 0x800) length += 2
    else if (c < 0xd800 || c > 0xdfff) length += 3
    else if (c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      length += 4
      i++
    } else {
      throw new StreamInvalidFieldError(field, `has a lone surrogate at index ${i} (no UTF-8 form)`)
    }
  }
  return length
}

/** A length-prefixed UTF-8 string whose byte length `byteLength` was measured by utf8Length. */
export function writeVarUtf8(target: Uint8Array, at: number, text: string, byteLength: number): number {
  at = writeLengthPrefix(target, at, byteLength)
  if (byteLength === text.length) {
    // ASCII: one byte per char, no encoder call (error messages and asset codes are short).
    for (let i = 0; i < byteLength; i++) target[at + i] = text.charCodeAt(i)
  } else {
    encoder.encodeInto(text, target.subarray(at, at + byteLength))
  }
  return at + byteLength
}
