import { FrameType } from '../wire/frames/frame-type.js'
import type { Frame } from '../wire/frames/frame.js'
import { INITIAL_CONNECTION_WINDOW } from '../flow/data-sender.js'

/**
 * Connection-level flow control of data (RFC 0029 §4.5), both ways: the other side's
 * ConnectionMaxData and how much of it our streams have taken; ours, grown as the
 * application reads, and how much the other side has sent.
 */
export class ConnectionWindow {
  private readonly bufferSize: number
  // Outgoing.
  private remoteMaxOffset = INITIAL_CONNECTION_WINDOW
  private assigned = 0
  private blockedSent = false
  // Incoming.
  private consumed = 0
  private highest = 0
  private advertisedMax = 0
  /** The other side said it is blocked on our window. */
  private remoteBlocked = false
  /** ConnectionMaxData (with ConnectionMaxStreamId) to send with the next packet or reply. */
  private advertise = true

  constructor(bufferSize: number) {
    this.bufferSize = bufferSize
  }

  // ── Outgoing ─────────────────────────────────────────────────────────────────────────

  /** Bytes of new data our streams may still send. */
  get room(): number {
    return this.remoteMaxOffset - this.assigned
  }

  assign(bytes: number): void {
    this.assigned += bytes
  }

  /** RFC 0029 §4.4.4: say once per limit that we would send more than it allows. */
  pushBlocked(frames: Frame[]): boolean {
    if (this.blockedSent) return false
    frames.push({ type: FrameType.ConnectionDataBlocked, maxOffset: BigInt(this.remoteMaxOffset) })
    this.blockedSent = true
    return true
  }

  onRemoteMax(maxOffset: bigint): void {
    const max = Number(maxOffset > BigInt(Number.MAX_SAFE_INTEGER) ? BigInt(Number.MAX_SAFE_INTEGER) : maxOffset)
    if (max <= this.remoteMaxOffset) return
    this.remoteMaxOffset = max
    this.blockedSent = false
  }

  // ── Incoming ─────────────────────────────────────────────────────────────────────────

  /** Highest connection offset the other side has sent: each stream's new bytes, summed. */
  get received(): number {
    return this.highest
  }

  /** Takes the other side's data up to `highest`, unless it is past our window (a flow-control violation). */
  receive(highest: number): boolean {
    if (highest > this.maxOffset()) return false
    this.highest = highest
    return true
  }

  /** The application read `bytes`: the window grows. Returns whether the other side waits for it. */
  onConsumed(bytes: number): boolean {
    this.consumed += bytes
    this.advertise = true
    const blocked = this.remoteBlocked
    this.remoteBlocked = false
    return blocked
  }

  onRemoteBlocked(): void {
    this.advertise = this.remoteBlocked = true
  }

  /** Our limits changed, or the other side asks for them. */
  announce(): void {
    this.advertise = true
  }

  /** Our ConnectionMaxData and maximum stream ID, if there is news. */
  pushLimits(frames: Frame[], maxStreamId: number): void {
    if (!this.advertise) return
    this.advertise = false
    frames.push({ type: FrameType.ConnectionMaxData, maxOffset: BigInt(this.maxOffset()) })
    frames.push({ type: FrameType.ConnectionMaxStreamId, maxStreamId: BigInt(maxStreamId) })
  }

  /** Our ConnectionMaxData: what the application has read plus the buffer, never lowered. */
  private maxOffset(): number {
    const limit = this.consumed + this.bufferSize
    if (limit > this.advertisedMax) this.advertisedMax = limit
    return this.advertisedMax
  }
}
