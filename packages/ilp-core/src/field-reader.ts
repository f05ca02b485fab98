import { Reader } from 'oer-utils'
import { InvalidFieldError, TruncatedPacketError } from './codec-errors.js'
import { asBuffer } from './bytes.js'
import { isIa5 } from './field-checks.js'

const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * An oer-utils Reader that names the field it reads: every failure, whether our
 * check or oer-utils' own (underflow, non-canonical length), leaves as a typed
 * codec error carrying that field. Byte fields come back as views of the input.
 */
export class FieldReader {
  private readonly reader: Reader

  constructor(bytes: Uint8Array) {
    this.reader = new Reader(asBuffer(bytes))
  }

  get remaining(): number {
    return this.reader.buffer.length - this.reader.cursor
  }

  uint8(field: string): number {
    this.need(field, 1)
    return this.reader.readUInt8Number()
  }

  uint64(field: string): bigint {
    this.need(field, 8)
    const value = this.reader.buffer.readBigUInt64BE(this.reader.cursor)
    this.reader.cursor += 8
    return value
  }

  octets(field: string, length: number): Buffer {
    this.need(field, length)
    return this.reader.read(length)
  }

  /** OER length-prefixed octet string (RFC 0030 §"Variable-Length Octet Strings"). */
  varOctets(field: string, maxLength = Infinity): Buffer {
    this.need(field, 1)
    const first = this.reader.buffer[this.reader.cursor] ?? 0
    if (first & 0x80) this.need(field, 1 + (first & 0x7f))
    let length: number
    try {
      length = this.reader.readLengthPrefix()
    } catch (error) {
      // With the bytes known to be there, what is left is a malformed length.
      throw new InvalidFieldError(field, `bad length prefix: ${(error as Error).message}`)
    }
    if (length > maxLength) {
      throw new InvalidFieldError(field, `length ${length} exceeds the maximum of ${maxLength}`)
    }
    this.need(field, length)
    return this.reader.read(length)
  }

  /** IA5String: 7-bit ASCII only. */
  ascii(field: string, bytes: Buffer): string {
    const text = bytes.toString('latin1')
    if (!isIa5(text)) {
      throw new InvalidFieldError(field, 'is not an IA5 (ASCII) string')
    }
    return text
  }

  utf8(field: string, bytes: Uint8Array): string {
    try {
      return utf8.decode(bytes)
    } catch {
      throw new InvalidFieldError(field, 'is not valid UTF-8')
    }
  }

  /** Trailing bytes after the last field are an error, not an extension point. */
  end(field: string): void {
    if (this.remaining !== 0) {
      throw new InvalidFieldError(field, `${this.remaining} unexpected trailing bytes`)
    }
  }

  private need(field: string, length: number): void {
    if (this.remaining < length) throw new TruncatedPacketError(field, length, this.remaining)
  }

}
