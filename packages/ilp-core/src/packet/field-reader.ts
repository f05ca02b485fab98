import { InvalidFieldError, TruncatedPacketError } from './codec-errors.js'
import { asBuffer } from './bytes.js'
import { isIa5 } from './field-checks.js'
import { readTimestamp, TIMESTAMP_LENGTH } from './timestamp.js'

const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * The one OER reader of this package's decoders: a cursor over the input that
 * names the field it reads, so every failure is a typed codec error carrying that
 * field. Byte fields come back as views of the input, not copies.
 *
 * Hand-written rather than oer-utils' Reader, which allocates per read and
 * throws untyped errors: decoding a Prepare is the per-packet hot path (see
 * bench/), and the cross-checks against ilp-packet guard the result.
 */
export class FieldReader {
  /** Plain views for byte fields (cheaper than Buffer views); a Buffer only for text, made when needed. */
  private readonly bytes: Uint8Array
  private buffer: Buffer | undefined
  private cursor = 0

  constructor(bytes: Uint8Array) {
    this.bytes = Buffer.isBuffer(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes
  }

  get remaining(): number {
    return this.bytes.length - this.cursor
  }

  uint8(field: string): number {
    this.need(field, 1)
    return this.bytes[this.cursor++] as number
  }

  uint64(field: string): bigint {
    this.need(field, 8)
    const b = this.bytes
    const at = this.cursor
    const high = (((b[at] as number) << 24) | ((b[at + 1] as number) << 16) | ((b[at + 2] as number) << 8) | (b[at + 3] as number)) >>> 0
    const low = (((b[at + 4] as number) << 24) | ((b[at + 5] as number) << 16) | ((b[at + 6] as number) << 8) | (b[at + 7] as number)) >>> 0
    this.cursor += 8
    return (BigInt(high) << 32n) | BigInt(low)
  }

  octets(field: string, length: number): Uint8Array {
    this.need(field, length)
    return this.bytes.subarray(this.cursor, (this.cursor += length))
  }

  /** An OER length-prefixed octet string (RFC 0030 §"Variable-Length Octet Strings"). */
  varOctets(field: string, maxLength = Infinity): Uint8Array {
    return this.octets(field, this.lengthPrefix(field, maxLength))
  }

  /** A length-prefixed IA5 string read as latin1, so callers' checks see every byte. */
  varLatin1(field: string, maxLength = Infinity): string {
    return this.latin1(field, this.lengthPrefix(field, maxLength))
  }

  /** An IA5String (7-bit ASCII) of `length` bytes. */
  ascii(field: string, length: number): string {
    const text = this.latin1(field, length)
    if (!isIa5(text)) throw new InvalidFieldError(field, 'is not an IA5 (ASCII) string')
    return text
  }

  varAscii(field: string, maxLength = Infinity): string {
    return this.ascii(field, this.lengthPrefix(field, maxLength))
  }

  varUtf8(field: string): string {
    const bytes = this.varOctets(field)
    try {
      return utf8.decode(bytes)
    } catch {
      throw new InvalidFieldError(field, 'is not valid UTF-8')
    }
  }

  timestamp(field: string): Date {
    this.need(field, TIMESTAMP_LENGTH)
    const date = readTimestamp(field, this.bytes, this.cursor)
    this.cursor += TIMESTAMP_LENGTH
    return date
  }

  /**
   * The length prefix of a packet body that must fill the rest of the input:
   * fewer bytes is truncation, more is trailing garbage.
   */
  envelope(field: string): void {
    const length = this.lengthPrefix(field, Infinity)
    this.need(field, length)
    if (length !== this.remaining) {
      throw new InvalidFieldError(field, `${this.remaining - length} unexpected trailing bytes`)
    }
  }

  /** Trailing bytes after the last field are an error, not an extension point. */
  end(field: string): void {
    if (this.remaining !== 0) {
      throw new InvalidFieldError(field, `${this.remaining} unexpected trailing bytes`)
    }
  }

  /**
   * RFC 0030 length determinant: one byte below 128, else 0x80 | n and n big-endian
   * bytes. Only the canonical (shortest) form is accepted.
   */
  private lengthPrefix(field: string, maxLength: number): number {
    const first = this.uint8(field)
    let length = first
    if (first & 0x80) {
      const size = first & 0x7f
      if (size === 0 || size > 4) throw new InvalidFieldError(field, `length prefix of ${size} bytes`)
      this.need(field, size)
      // Byte by byte: Buffer#readUIntBE's generic path was a third of a 1 KiB Prepare's decode.
      length = 0
      for (const end = this.cursor + size; this.cursor < end; this.cursor++) {
        length = length * 256 + (this.bytes[this.cursor] as number)
      }
      if (length < 0x80 || length < 1 << (8 * (size - 1))) {
        throw new InvalidFieldError(field, `non-canonical length prefix: ${length} in ${size} bytes`)
      }
    }
    if (length > maxLength) {
      throw new InvalidFieldError(field, `length ${length} exceeds the maximum of ${maxLength}`)
    }
    return length
  }

  private latin1(field: string, length: number): string {
    this.need(field, length)
    this.buffer ??= asBuffer(this.bytes)
    return this.buffer.toString('latin1', this.cursor, (this.cursor += length))
  }

  private need(field: string, length: number): void {
    if (this.remaining < length) throw new TruncatedPacketError(field, length, this.remaining)
  }
}
