/**
 * Incoming bytes of one stream (RFC 0029 §5.3.11): segments arrive in any order, maybe
 * twice; out come the bytes in order, once. The window advertised in StreamMaxData is
 * what the application consumed plus a buffer, and never shrinks (§4.4.4).
 */
export class DataReceiver {
  /** Bytes handed out in order. */
  readEnd = 0
  /** Bytes the application has taken (≤ readEnd). */
  consumed = 0
  /** Highest offset advertised in StreamMaxData. */
  advertised: number
  private readonly bufferSize: number
  private readonly pending = new Map<number, Uint8Array>()

  constructor(bufferSize: number) {
    this.bufferSize = bufferSize
    this.advertised = bufferSize
  }

  /** The limit to advertise now; grows as the application consumes. */
  get maxOffset(): number {
    const limit = this.consumed + this.bufferSize
    if (limit > this.advertised) this.advertised = limit
    return this.advertised
  }

  /** Whether a segment ending at `end` stays inside the advertised window. */
  fits(end: number): boolean {
    return end <= this.maxOffset
  }

  /** Bytes of the segment not seen before, as in-order chunks ready for the application. */
  push(offset: number, data: Uint8Array): Uint8Array[] {
    const end = offset + data.length
    if (end <= this.readEnd || data.length === 0) return []
    if (offset > this.readEnd) {
      const held = this.pending.get(offset)
      if (held === undefined || held.length < data.length) this.pending.set(offset, data)
      return []
    }
    const out = [offset < this.readEnd ? data.subarray(this.readEnd - offset) : data]
    this.readEnd = end
    for (let found = true; found && this.pending.size > 0; ) {
      found = false
      for (const [at, held] of this.pending) {
        if (at > this.readEnd) continue
        this.pending.delete(at)
        found = true
        if (at + held.length > this.readEnd) {
          out.push(held.subarray(this.readEnd - at))
          this.readEnd = at + held.length
        }
      }
    }
    return out
  }

  consume(bytes: number): void {
    this.consumed += bytes
  }
}
