import type { Asset } from '@stack/ilp-core'
import { MAX_STREAM_PACKET_LENGTH } from '../wire/crypto.js'
import { StreamErrorCode } from '../wire/error-codes.js'
import type { DataSegment } from '../flow/data-sender.js'
import { FrameType } from '../wire/frames/frame-type.js'
import type { Frame } from '../wire/frames/frame.js'
import type { StreamPacket } from '../wire/packet.js'
import type { StreamState } from '../stream-state.js'
import type { ConnectionWindow } from './connection-window.js'
import type { MoneySender } from './money-sender.js'
import type { StreamTable } from './stream-table.js'
import { requestContent, type OutgoingRequest, type RequestContent } from './types.js'

/** Bytes of a packet kept for frames other than StreamData (addresses are ≤ 1023 bytes). */
const CONTROL_RESERVE = 2048
const DATA_FRAME_OVERHEAD = 24

/** The frames of our next packet, its money, and what they carry to settle on the reply. */
export interface PacketPlan {
  frames: Frame[]
  amount: bigint
  minDestination: bigint
  content: RequestContent
}

export interface FramerParts {
  streams: StreamTable
  window: ConnectionWindow
  money: MoneySender
  /** Our address, told to the other end (RFC 0029 §4.3.1). */
  sourceAccount: string | undefined
  assetDetails: Asset | undefined
  /** Whether we can reach the other side by Prepare; otherwise closes ride on our replies. */
  sendsPrepares(): boolean
  /** A stream's close went out or was acknowledged: it may be finished. */
  finish(stream: StreamState): void
}

/**
 * What goes into our packets (quic-go's framer is the model): the control frames each side
 * is owed — our address and asset until heard, stream and connection limits, closes,
 * "blocked" notices — and the streams' data in turn within the connection's window; the
 * money comes from the MoneySender. Settles each frame by whether its packet was heard.
 */
export class Framer {
  private readonly parts: FramerParts
  private addressAcknowledged = false
  private addressInFlight = false

  constructor(parts: FramerParts) {
    this.parts = parts
  }

  /** A probe's frames: every probe of the round carries our address and asset until one is heard. */
  probe(): { frames: Frame[]; carriesAddress: boolean } {
    const frames: Frame[] = []
    // The smallest may be rounded to nothing by a connector and never reach the receiver, and
    // the sender needs the receiver's asset details (its answer to ConnectionNewAddress) by the end of it.
    const carriesAddress = this.pushAddress(frames, true)
    return { frames, carriesAddress }
  }

  /** Our next packet, or undefined if it would carry nothing of consequence. */
  build(closing: boolean): PacketPlan | undefined {
    const { streams, window, money } = this.parts
    const frames: Frame[] = []
    const carriesAddress = this.pushAddress(frames, false)
    const urgent = this.hasUrgentAdvertisement()
    const advertised = this.pushAdvertisements(frames)
    const pick = money.pick(frames)
    let meaningful = carriesAddress || urgent || pick.moneyBlocked.length > 0
    const moneyStream = pick.stream

    // Data, resends first, within the connection's window (RFC 0029 §4.5).
    const data: Array<{ stream: StreamState; segment: DataSegment }> = []
    let budget = MAX_STREAM_PACKET_LENGTH - CONTROL_RESERVE
    for (const stream of streams.streams.values()) {
      if (budget <= DATA_FRAME_OVERHEAD) break
      if (stream.outgoing.blocked && !stream.dataBlockedSent) {
        // RFC 0029 §4.4.4: say we would send more than the window allows.
        frames.push({ type: FrameType.StreamDataBlocked, streamId: BigInt(stream.id), maxOffset: BigInt(stream.outgoing.written) })
        stream.dataBlockedSent = true
        meaningful = true
      }
      if (!stream.outgoing.hasPending || !streams.usable(stream)) continue
      if (window.room <= 0 && !stream.outgoing.hasResend) {
        if (window.pushBlocked(frames)) meaningful = true
        continue
      }
      const before = stream.outgoing.assigned
      const segment = stream.outgoing.take(budget - DATA_FRAME_OVERHEAD, window.room)
      if (segment === undefined) continue
      window.assign(stream.outgoing.assigned - before)
      budget -= segment.data.length + DATA_FRAME_OVERHEAD
      data.push({ stream, segment })
      frames.push({ type: FrameType.StreamData, streamId: BigInt(stream.id), offset: BigInt(segment.offset), data: segment.data })
    }

    // Stream closes of drained streams.
    const closes: StreamState[] = []
    for (const stream of streams.streams.values()) {
      if (stream.localEnding && !stream.localClosed && stream.drained && moneyStream !== stream && !data.some((d) => d.stream === stream)) {
        stream.localClosed = true
        closes.push(stream)
        frames.push({ type: FrameType.StreamClose, streamId: BigInt(stream.id), errorCode: stream.closeCode, errorMessage: stream.closeMessage })
      }
    }
    const streamIdBlocked = streams.pushBlocked(frames)
    if (streamIdBlocked) meaningful = true

    let connectionClose = false
    if (closing && closes.length === 0 && pick.amount === 0n && data.length === 0 && this.allStreamsDone()) {
      frames.push({ type: FrameType.ConnectionClose, errorCode: StreamErrorCode.NoError, errorMessage: '' })
      connectionClose = true
    }

    if (pick.amount === 0n && data.length === 0 && closes.length === 0 && !connectionClose && !meaningful) {
      // Only window updates of no consequence: not worth a packet.
      for (const stream of advertised) stream.advertise = true
      if (carriesAddress) this.addressInFlight = false
      return undefined
    }
    if (moneyStream !== undefined) moneyStream.inFlight += pick.amount
    const content = requestContent({ stream: moneyStream, data, closes, advertised, moneyBlocked: pick.moneyBlocked, carriesAddress, connectionClose, streamIdBlocked })
    return { frames, amount: pick.amount, minDestination: pick.minDestination, content }
  }

  /** Our packet came back: its frames count as delivered if `heard`, its data if `fulfilled`. */
  onReply(request: OutgoingRequest, heard: boolean, fulfilled: boolean): void {
    if (request.carriesAddress) {
      this.addressInFlight = false
      if (heard) this.addressAcknowledged = true
    }
    for (const stream of request.advertised) if (!heard) stream.advertise = stream.advertiseUrgent = true
    for (const stream of request.closes) {
      if (heard) {
        stream.localCloseDone = true
        this.parts.finish(stream)
      } else {
        stream.localClosed = false
      }
    }
    for (const { stream, segment } of request.data) {
      if (fulfilled) stream.outgoing.ack(segment)
      else stream.outgoing.nack(segment)
    }
  }

  // ── Our replies to the other side's Prepares ────────────────────────────────────────

  /** Limits and closes owed to the other side, in a reply that accepts its packet. */
  pushReplyAdvertisements(replyFrames: Frame[]): void {
    const { streams, window } = this.parts
    for (const stream of streams.streams.values()) {
      if (!stream.advertise || !streams.usable(stream)) continue
      stream.advertise = stream.advertiseUrgent = false
      this.pushStreamLimits(replyFrames, stream)
    }
    window.pushLimits(replyFrames, streams.maxRemoteStreamId)
    this.pushClosesInReply(replyFrames)
  }

  /** Our limits for the streams a declined packet named, so the sender can adjust. */
  pushLimitsFor(replyFrames: Frame[], packet: StreamPacket): void {
    for (const frame of packet.frames) {
      if (frame.type !== FrameType.StreamMoney && frame.type !== FrameType.StreamData) continue
      const stream = this.parts.streams.streams.get(Number(frame.streamId))
      if (stream !== undefined && !replyFrames.some((f) => f.type === FrameType.StreamMaxMoney && f.streamId === frame.streamId)) {
        this.pushStreamLimits(replyFrames, stream)
      }
    }
    this.pushClosesInReply(replyFrames)
  }

  /**
   * Closes we cannot send by Prepare ride on replies, once the stream's data is out; money
   * we have no way to send is given up. Decided here, not when the stream ended: the other
   * side's address may be validated in between, and then the close goes by Prepare.
   */
  private pushClosesInReply(replyFrames: Frame[]): void {
    if (this.parts.sendsPrepares()) return
    for (const stream of this.parts.streams.streams.values()) {
      if (stream.localEnding && !stream.localClosed && stream.inFlight === 0n && stream.outgoing.idle) {
        replyFrames.push({ type: FrameType.StreamClose, streamId: BigInt(stream.id), errorCode: stream.closeCode, errorMessage: stream.closeMessage })
        stream.localClosed = stream.localCloseDone = true
        this.parts.finish(stream)
      }
    }
  }

  // ── Control frames ──────────────────────────────────────────────────────────────────

  private pushAddress(frames: Frame[], evenInFlight: boolean): boolean {
    const { sourceAccount, assetDetails } = this.parts
    if (this.addressAcknowledged || (this.addressInFlight && !evenInFlight) || sourceAccount === undefined) return false
    frames.push({ type: FrameType.ConnectionNewAddress, sourceAccount })
    if (assetDetails !== undefined) {
      frames.push({ type: FrameType.ConnectionAssetDetails, sourceAssetCode: assetDetails.code, sourceAssetScale: assetDetails.scale })
    }
    this.addressInFlight = true
    return true
  }

  private hasUrgentAdvertisement(): boolean {
    const { streams } = this.parts
    for (const stream of streams.streams.values()) if (stream.advertiseUrgent && streams.usable(stream)) return true
    return false
  }

  private pushAdvertisements(frames: Frame[]): StreamState[] {
    const { streams, window } = this.parts
    const advertised: StreamState[] = []
    for (const stream of streams.streams.values()) {
      // A stream past the peer's maximum is not named at all: that would open it (RFC 0029 §4.4.1).
      if (!stream.advertise || stream.remoteClosed || !streams.usable(stream)) continue
      stream.advertise = stream.advertiseUrgent = false
      advertised.push(stream)
      this.pushStreamLimits(frames, stream)
    }
    window.pushLimits(frames, streams.maxRemoteStreamId)
    return advertised
  }

  private pushStreamLimits(frames: Frame[], stream: StreamState): void {
    const streamId = BigInt(stream.id)
    if (stream.receiveMax > stream.advertisedReceiveMax) stream.advertisedReceiveMax = stream.receiveMax
    frames.push({ type: FrameType.StreamMaxMoney, streamId, receiveMax: stream.receiveMax, totalReceived: stream.totalReceived })
    frames.push({ type: FrameType.StreamMaxData, streamId, maxOffset: BigInt(stream.incoming.maxOffset) })
  }

  private allStreamsDone(): boolean {
    for (const stream of this.parts.streams.streams.values()) if (!stream.localClosed || !stream.drained) return false
    return true
  }
}
