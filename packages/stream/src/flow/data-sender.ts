/**
 * RFC 0029 §4.4.4 leaves the window before the first StreamMaxData unsaid: a sender assumes
 * this much per stream (as ilp-protocol-stream does), so a receiver never offers less.
 */
export const INITIAL_STREAM_WINDOW = 16_384

/** The same before the first ConnectionMaxData (§4.5), over all streams. */
export const INITIAL_CONNECTION_WINDOW = 65_534

/** A run of stream bytes at a fixed offset: once sent, resent exactly (RFC 0029 §5.3.11). */
export interface DataSegment {
  offset: number
  data: Uint8Array
}

/**
 * Outgoing bytes of one stream: what the application wrote, what went out at which
 * offset, what the receiver acknowledged (a Fulfill, RFC 0029 §3.6) and what must go
 * again (a Reject). Offsets are numbers: a stream never carries 2^53 bytes.
 */
export class DataSender {
  private readonly queue: Uint8Array[] = []
  private headOffset = 0
  /** Bytes the application wrote. */
  written = 0
  /** Bytes given an offset in a packet (the next new offset). */
  assigned = 0
  /** RFC 0029 §5.3.12: the receiver's StreamMaxData; INITIAL_STREAM_WINDOW until it says. */
  remoteMaxOffset: number
  private readonly resend: DataSegment[] = []
  /** offset → length of every segment sent and not yet acknowledged. */
  private readonly outstanding = new Map<number, number>()
  /** Bytes from this offset on were dropped unacknowledged (`discard`): never acknowledged. */
  private droppedFrom = Number.POSITIVE_INFINITY

  constructor(initialRemoteMaxOffset = INITIAL_STREAM_WINDOW) {
    this.remoteMaxOffset = initialRemoteMaxOffset
  }

  write(bytes: Uint8Array): number {
    if (bytes.length > 0) this.queue.push(bytes)
    this.written += bytes.length
    return this.written
  }

  /** Everything written is acknowledged up to this offset. */
  get acknowledgedThrough(): number {
    let lowest = Math.min(this.assigned, this.droppedFrom)
    for (const offset of this.outstanding.keys()) if (offset < lowest) lowest = offset
    return lowest
  }

  get idle(): boolean {
    return this.written === this.assigned && this.outstanding.size === 0
  }

  /** New bytes the receiver's window does not let us send yet. */
  get blocked(): boolean {
    return this.written > this.remoteMaxOffset && this.assigned >= this.remoteMaxOffset
  }

  get hasPending(): boolean {
    return this.resend.length > 0 || (this.assigned < this.written && this.assigned < this.remoteMaxOffset)
  }

  get hasResend(): boolean {
    return this.resend.length > 0
  }

  onMaxOffset(maxOffset: number): void {
    // RFC 0029 §4.4.4: ignore limits that do not increase the window.
    if (maxOffset > this.remoteMaxOffset) this.remoteMaxOffset = maxOffset
  }

  /**
   * The next segment for a packet with `maxBytes` left, new bytes also limited by the
   * connection's window (`connectionRoom`). Resends go first, unchanged.
   */
  take(maxBytes: number, connectionRoom: number): DataSegment | undefined {
    const first = this.resend[0]
    if (first !== undefined) {
      if (first.data.length > maxBytes) return undefined
      this.resend.shift()
      return first
    }
    const length = Math.min(maxBytes, this.remoteMaxOffset - this.assigned, connectionRoom, this.written - this.assigned)
    if (length <= 0) return undefined
    const segment = { offset: this.assigned, data: this.read(length) }
    this.outstanding.set(segment.offset, length)
    this.assigned += length
    return segment
  }

  ack(segment: DataSegment): void {
    this.outstanding.delete(segment.offset)
  }

  nack(segment: DataSegment): void {
    let at = this.resend.length
    while (at > 0 && (this.resend[at - 1] as DataSegment).offset > segment.offset) at--
    this.resend.splice(at, 0, segment)
  }

  /** Drops the bytes never given an offset: they will not go out (their writes failed). */
  dropUnsent(): void {
    this.queue.length = 0
    this.headOffset = 0
    this.written = this.assigned
  }

  /** Drops everything not yet acknowledged (the stream closed). */
  discard(): void {
    this.droppedFrom = this.acknowledgedThrough
    this.queue.length = 0
    this.resend.length = 0
    this.outstanding.clear()
    this.written = this.assigned
  }

  private read(length: number): Uint8Array {
    const head = this.queue[0] as Uint8Array
    if (head.length - this.headOffset >= length) {
      const out = head.subarray(this.headOffset, this.headOffset + length)
      this.headOffset += length
      if (this.headOffset === head.length) {
        this.queue.shift()
        this.headOffset = 0
      }
      return out
    }
    const out = new Uint8Array(length)
    let filled = 0
    while (filled < length) {
      const chunk = this.queue[0] as Uint8Array
      const n = Math.min(chunk.length - this.headOffset, length - filled)
      out.set(chunk.subarray(this.headOffset, this.headOffset + n), filled)
      filled += n
      this.headOffset += n
      if (this.headOffset === chunk.length) {
        this.queue.shift()
        this.headOffset = 0
      }
    }
    return out
  }
}
