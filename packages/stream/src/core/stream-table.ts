import { ConnectionError } from '../connection-error.js'
import { StreamErrorCode } from '../wire/error-codes.js'
import { FrameType } from '../wire/frames/frame-type.js'
import type { Frame } from '../wire/frames/frame.js'
import { StreamState } from '../stream-state.js'

export interface StreamTableOptions {
  role: 'client' | 'server'
  /** Default receive limit of a new stream, our units. */
  receiveMax: bigint
  streamBufferSize: number
  /** Streams the other end may have open at once (RFC 0029 §3.3). */
  maxRemoteStreams: number
  /** Called as the other side opens a stream, before its frames are handled. */
  onStream: ((stream: StreamState) => void) | undefined
}

/** A frame's stream ID is usable (undefined), names a closed stream, or breaks the rules. */
export type Admission = undefined | 'closed' | ConnectionError

/**
 * A connection's streams and the stream-ID rules (RFC 0029 §4.4.1): clients open odd IDs from
 * 1, servers even from 2; each side accepts IDs up to the maximum it announced
 * (ConnectionMaxStreamId) and says when the other's maximum holds it back
 * (ConnectionStreamIdBlocked); a closed stream's ID is never opened again.
 */
export class StreamTable {
  readonly streams = new Map<number, StreamState>()
  private readonly closed = new Set<number>()
  private readonly options: StreamTableOptions
  private readonly remoteParity: number
  private nextId: number
  /** The highest ID we accept from the other side. */
  private maxRemoteId: number
  /** The highest ID the other side accepts: assumed 20 until its ConnectionMaxStreamId says otherwise. */
  private remoteMaxId = 20
  private remoteMaxHeard = false
  private blockedSent = false
  /** The other side heard our ConnectionStreamIdBlocked and kept its maximum. */
  private blockedAnswered = false

  constructor(options: StreamTableOptions) {
    this.options = options
    this.nextId = options.role === 'client' ? 1 : 2
    this.remoteParity = options.role === 'client' ? 0 : 1
    this.maxRemoteId = 2 * options.maxRemoteStreams
  }

  /** The maximum stream ID we announce (ConnectionMaxStreamId). */
  get maxRemoteStreamId(): number {
    return this.maxRemoteId
  }

  open(): StreamState {
    const stream = this.add(this.nextId)
    this.nextId += 2
    return stream
  }

  /** Whether a stream of ours may be named to the other side: naming it would open it there. */
  usable(stream: StreamState): boolean {
    return stream.id <= this.remoteMaxId
  }

  /** Whether a frame's stream ID may be used; opens a remote stream the first time. */
  admit(streamId: bigint, opens: boolean): Admission {
    if (streamId > BigInt(Number.MAX_SAFE_INTEGER)) return new ConnectionError(StreamErrorCode.StreamIdError, `stream ID ${streamId} is too large`)
    const id = Number(streamId)
    if (this.streams.has(id)) return undefined
    if (this.closed.has(id)) return 'closed'
    if (!opens || id === 0) return undefined
    if (id % 2 !== this.remoteParity) {
      // A stream of ours we never opened: RFC 0029 §4.4.1 protocol violation.
      return new ConnectionError(StreamErrorCode.ProtocolViolation, `stream ${id} has the wrong parity`)
    }
    if (id > this.maxRemoteId) {
      return new ConnectionError(StreamErrorCode.StreamIdError, `stream ${id} exceeds the maximum stream ID ${this.maxRemoteId}`)
    }
    const stream = this.add(id)
    // Synchronously, so the application can set the stream's limits before its first money is judged.
    this.options.onStream?.(stream)
    return undefined
  }

  /**
   * Removes a stream closed both ways. Returns 'remote' when it was the other side's: it may
   * then open another, and our raised maximum is to be announced.
   *
   * A stream we closed whose other half stays open is kept, even if the other side raises its
   * maximum stream ID (as ilp-protocol-stream does when it drops the stream, RFC 0029 §5.3.7):
   * the maximum bounds how many streams are open at once (§3.3), not which ones, and may rise
   * for another stream's close (ours raises it as it retires any). Forgetting the stream
   * early would refuse what a half-open peer still sends on it (§4.4.5).
   */
  retire(stream: StreamState): 'local' | 'remote' | undefined {
    if (!stream.closed || !this.streams.has(stream.id)) return undefined
    this.forget(stream)
    if (stream.id % 2 !== this.remoteParity) return 'local'
    this.maxRemoteId += 2
    return 'remote'
  }

  /** Removes every stream (the connection closed); returns them. */
  removeAll(): StreamState[] {
    const streams = [...this.streams.values()]
    for (const stream of streams) this.forget(stream)
    return streams
  }

  // ── The other side's maximum (RFC 0029 §5.3.5, §5.3.6) ───────────────────────────────

  onRemoteMax(maxStreamId: bigint): void {
    const max = Number(maxStreamId > 1_000_000_000n ? 1_000_000_000n : maxStreamId)
    // The first one replaces the assumed default, lower too; after that it only grows.
    if (max <= this.remoteMaxId && this.remoteMaxHeard) return
    this.remoteMaxHeard = true
    if (max > this.remoteMaxId) {
      this.blockedSent = this.blockedAnswered = false
      for (const stream of this.streams.values()) stream.streamIdBlocked = false
    }
    this.remoteMaxId = max
  }

  /** RFC 0029 §5.3.6: a stream of ours has something to send past the other side's maximum. */
  pushBlocked(frames: Frame[]): boolean {
    if (this.blockedSent || !this.waitsOnRemoteMax()) return false
    frames.push({ type: FrameType.ConnectionStreamIdBlocked, maxStreamId: BigInt(this.nextId - 2) })
    this.blockedSent = true
    return true
  }

  /** The packet carrying our ConnectionStreamIdBlocked came back, its frames handled. */
  onBlockedReply(heard: boolean): void {
    if (!heard) {
      this.blockedSent = false
      return
    }
    this.blockedAnswered = true
    // Money or bytes past the maximum the other side kept: what a pending send or write settles on.
    for (const stream of this.streams.values()) {
      const unsent = stream.outgoing.written > stream.outgoing.assigned
      stream.streamIdBlocked = stream.id > this.remoteMaxId && stream.inFlight === 0n && (stream.available > 0n || unsent)
      // Their writes fail: the bytes must not go out later, when the maximum rises unasked.
      if (stream.streamIdBlocked && unsent) stream.outgoing.dropUnsent()
    }
  }

  /** A new send or write on the stream: ask the other side again. */
  resume(stream: StreamState): void {
    if (!stream.streamIdBlocked) return
    stream.streamIdBlocked = false
    this.blockedSent = this.blockedAnswered = false
  }

  private waitsOnRemoteMax(): boolean {
    for (const stream of this.streams.values()) {
      if (stream.id > this.remoteMaxId && (stream.available > 0n || stream.outgoing.hasPending)) return true
    }
    return false
  }

  private add(id: number): StreamState {
    const stream = new StreamState(id, this.options.receiveMax, this.options.streamBufferSize)
    this.streams.set(id, stream)
    return stream
  }

  private forget(stream: StreamState): void {
    this.streams.delete(stream.id)
    this.closed.add(stream.id)
  }
}
