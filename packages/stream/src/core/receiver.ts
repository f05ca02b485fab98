import { IlpErrorCode, IlpPacketType, type IlpPrepare, type IlpReply, type Asset } from '@stack/ilp-core'
import { ConnectionError } from '../connection-error.js'
import { StreamErrorCode } from '../wire/error-codes.js'
import { FrameType } from '../wire/frames/frame-type.js'
import type { Frame } from '../wire/frames/frame.js'
import type { StreamPacket } from '../wire/packet.js'
import { createReceipt } from '../wire/receipt.js'
import type { StreamState } from '../stream-state.js'
import type { ConnectionWindow } from './connection-window.js'
import type { Framer } from './framer.js'
import type { PacketSealer } from './packet-seal.js'
import type { StreamTable } from './stream-table.js'
import type { ConnectionStatus, CoreEvent, ReceiptOptions } from './types.js'

export interface ReceiverParts {
  streams: StreamTable
  window: ConnectionWindow
  framer: Framer
  sealer: PacketSealer
  sourceAccount: string | undefined
  assetDetails: Asset | undefined
  /** RFC 0039 receipts to put in our Fulfills. */
  receipt: ReceiptOptions | undefined
  status(): ConnectionStatus
  /** The packet's control frames, applied (RFC 0029 §5.3). */
  applyFrames(frames: Frame[]): void
  /** A packet of the other side's was read (our time). */
  heard(now: number): void
  close(error: ConnectionError): void
  emit(event: CoreEvent): void
}

/**
 * The receiving side (RFC 0029 §4.2, §5.3): answers the other side's Prepare, decrypted, with
 * a Fulfill or a Reject carrying our reply — stream admission, the sender's minimum, the
 * condition, each stream's money limit and data window — and credits what it accepts.
 */
export class Receiver {
  /** Units received over all streams. */
  totalReceived = 0n
  private readonly parts: ReceiverParts

  constructor(parts: ReceiverParts) {
    this.parts = parts
  }

  /** RFC 0029 §4.2: an incoming Prepare for this connection. */
  handlePrepare(prepare: IlpPrepare, now: number): IlpReply {
    // RFC 0027: an expired Prepare is refused as timed out, unread.
    if (prepare.expiresAt.getTime() <= now) return expiredReject(this.parts.sourceAccount)
    let packet: StreamPacket
    try {
      packet = this.parts.sealer.openPrepare(prepare.data)
    } catch {
      return reject(IlpErrorCode.F06_UNEXPECTED_PAYMENT, this.parts.sourceAccount, 'cannot decrypt')
    }
    return this.handlePacket(prepare, packet, now)
  }

  /** A Prepare for this connection whose data is already opened (`packet`), unexpired. */
  handlePacket(prepare: IlpPrepare, packet: StreamPacket, now: number): IlpReply {
    // RFC 0029 §5.2: on the wrong ILP packet type: discard.
    if (packet.ilpPacketType !== IlpPacketType.Prepare) return reject(IlpErrorCode.F06_UNEXPECTED_PAYMENT, this.parts.sourceAccount, 'wrong packet type')
    this.parts.heard(now)
    return this.receive(prepare, packet)
  }

  private receive(prepare: IlpPrepare, packet: StreamPacket): IlpReply {
    const { streams, window, framer, sealer, assetDetails } = this.parts
    const replyFrames: Frame[] = []
    const rejectWith = (code: string): IlpReply => ({
      type: IlpPacketType.Reject,
      code,
      triggeredBy: this.parts.sourceAccount ?? '',
      message: '',
      data: sealer.sealReply(IlpPacketType.Reject, packet.sequence, prepare.amount, replyFrames),
    })

    const status = this.parts.status()
    if (status.type === 'closed') {
      const error = status.error
      replyFrames.push({ type: FrameType.ConnectionClose, errorCode: error?.code ?? StreamErrorCode.NoError, errorMessage: error?.message ?? '' })
      return rejectWith(IlpErrorCode.F99_APPLICATION_ERROR)
    }

    // Streams named for the first time open here (RFC 0029 §4.4.1).
    for (const frame of packet.frames) {
      if (!('streamId' in frame) || frame.type === FrameType.StreamReceipt) continue
      const opensStream =
        frame.type === FrameType.StreamMoney ||
        frame.type === FrameType.StreamData ||
        frame.type === FrameType.StreamMaxMoney ||
        frame.type === FrameType.StreamMaxData
      const violation = streams.admit(frame.streamId, opensStream)
      if (violation === undefined) continue
      if (violation === 'closed') {
        replyFrames.push({ type: FrameType.StreamClose, streamId: frame.streamId, errorCode: StreamErrorCode.StreamStateError, errorMessage: 'stream is closed' })
        if (frame.type === FrameType.StreamMoney || frame.type === FrameType.StreamData) return rejectWith(IlpErrorCode.F99_APPLICATION_ERROR)
        continue
      }
      replyFrames.push({ type: FrameType.ConnectionClose, errorCode: violation.code, errorMessage: violation.message })
      this.parts.close(violation)
      return rejectWith(IlpErrorCode.F99_APPLICATION_ERROR)
    }
    this.parts.applyFrames(packet.frames)
    if (assetDetails !== undefined && packet.frames.some((frame) => frame.type === FrameType.ConnectionNewAddress)) {
      // RFC 0029 §4.3.3: each endpoint SHOULD emit its asset details; a sender needs them to
      // enforce a minimum rate. Answer a ConnectionNewAddress (empty too: "tell me your asset")
      // with ours, in the reply, as ilp-protocol-stream and @interledger/stream-receiver do.
      replyFrames.push({ type: FrameType.ConnectionAssetDetails, sourceAssetCode: assetDetails.code, sourceAssetScale: assetDetails.scale })
    }
    const after = this.parts.status()
    if (after.type === 'closed' && after.error !== undefined && !after.error.remote) {
      return rejectWith(IlpErrorCode.F99_APPLICATION_ERROR)
    }

    // RFC 0029 §3.4: not less than the sender's minimum.
    if (prepare.amount < packet.prepareAmount) {
      framer.pushLimitsFor(replyFrames, packet)
      return rejectWith(IlpErrorCode.F04_INSUFFICIENT_DESTINATION_AMOUNT)
    }
    // RFC 0029 §6.3: a condition we cannot fulfill (a probe) is answered with our reply.
    const fulfillment = sealer.fulfillmentFor(prepare)
    if (fulfillment === undefined) {
      framer.pushLimitsFor(replyFrames, packet)
      return rejectWith(IlpErrorCode.F99_APPLICATION_ERROR)
    }

    // Money: split by shares (RFC 0029 §5.3.8), each stream within its limit.
    const credits = this.splitMoney(prepare.amount, packet)
    if (credits === undefined) {
      framer.pushLimitsFor(replyFrames, packet)
      return rejectWith(IlpErrorCode.F99_APPLICATION_ERROR)
    }
    // Data: within the stream's and the connection's windows (RFC 0029 §4.4.4, §4.5).
    let highest = window.received
    for (const frame of packet.frames) {
      if (frame.type !== FrameType.StreamData) continue
      const stream = streams.streams.get(Number(frame.streamId))
      if (stream === undefined || stream.remoteClosed) continue
      const end = Number(frame.offset) + frame.data.length
      const beyond = end - Math.max(stream.incoming.readEnd, Number(frame.offset))
      if (!stream.incoming.fits(end)) return this.flowControlViolation(replyFrames, rejectWith, `stream ${stream.id} data past offset ${stream.incoming.maxOffset}`)
      if (beyond > 0) highest += beyond
    }
    if (!window.receive(highest)) return this.flowControlViolation(replyFrames, rejectWith, 'connection data past ConnectionMaxData')

    // Accept. The totals rise first, as the reply reports them (StreamMaxMoney, receipts), and
    // fall back if the Fulfill cannot be built: without it the sender sends the money again.
    this.credit(prepare.amount, credits, 1n)
    let fulfill: IlpReply
    try {
      fulfill = this.fulfill(prepare, packet, fulfillment, credits, replyFrames)
    } catch (error) {
      this.credit(prepare.amount, credits, -1n)
      throw error
    }
    for (const [stream, amount] of credits) if (amount > 0n) this.parts.emit({ type: 'money', stream, amount })
    return fulfill
  }

  private credit(amount: bigint, credits: Array<[StreamState, bigint]>, sign: 1n | -1n): void {
    this.totalReceived += sign * amount
    for (const [stream, part] of credits) {
      stream.totalReceived += sign * part
      stream.advertise = true
    }
  }

  /** The Fulfill of an accepted packet: its data delivered (a resent segment is deduplicated by offset), our limits and receipts in the reply. */
  private fulfill(prepare: IlpPrepare, packet: StreamPacket, fulfillment: Uint8Array, credits: Array<[StreamState, bigint]>, replyFrames: Frame[]): IlpReply {
    const { streams, framer, sealer } = this.parts
    for (const frame of packet.frames) {
      if (frame.type !== FrameType.StreamData) continue
      const stream = streams.streams.get(Number(frame.streamId))
      if (stream === undefined || stream.remoteClosed) continue
      for (const chunk of stream.incoming.push(Number(frame.offset), frame.data)) this.parts.emit({ type: 'data', stream, chunk })
      stream.advertise = true
    }
    framer.pushReplyAdvertisements(replyFrames)
    const receipt = this.parts.receipt
    if (receipt !== undefined) {
      // RFC 0039: a receipt in every Fulfill for each stream credited (stream IDs ≤ 255 only).
      for (const [stream] of credits) {
        if (stream.id > 255) continue
        const streamId = BigInt(stream.id)
        replyFrames.push({ type: FrameType.StreamReceipt, streamId, receipt: createReceipt({ nonce: receipt.nonce, streamId, totalReceived: stream.totalReceived, secret: receipt.secret }) })
      }
    }
    return { type: IlpPacketType.Fulfill, fulfillment, data: sealer.sealReply(IlpPacketType.Fulfill, packet.sequence, prepare.amount, replyFrames) }
  }

  private flowControlViolation(replyFrames: Frame[], rejectWith: (code: string) => IlpReply, message: string): IlpReply {
    const error = new ConnectionError(StreamErrorCode.FlowControlError, message)
    replyFrames.push({ type: FrameType.ConnectionClose, errorCode: error.code, errorMessage: message })
    this.parts.close(error)
    return rejectWith(IlpErrorCode.F99_APPLICATION_ERROR)
  }

  /** Amount per stream (RFC 0029 §5.3.8: rounded down, the remainder to the lowest stream with room), or undefined if a stream would exceed its limit. */
  private splitMoney(amount: bigint, packet: StreamPacket): Array<[StreamState, bigint]> | undefined {
    const shares: Array<[StreamState, bigint]> = []
    let totalShares = 0n
    for (const frame of packet.frames) {
      if (frame.type !== FrameType.StreamMoney || frame.shares === 0n) continue
      const stream = this.parts.streams.streams.get(Number(frame.streamId))
      if (stream === undefined) continue
      totalShares += frame.shares
      shares.push([stream, frame.shares])
    }
    if (totalShares === 0n) return amount === 0n ? [] : undefined
    shares.sort((a, b) => a[0].id - b[0].id)
    let remainder = amount
    const credits: Array<[StreamState, bigint]> = []
    for (const [stream, share] of shares) {
      const part = (amount * share) / totalShares
      remainder -= part
      credits.push([stream, part])
    }
    for (const credit of credits) {
      if (remainder === 0n) break
      const room = credit[0].receiveRoom - credit[1]
      const extra = room < remainder ? (room > 0n ? room : 0n) : remainder
      credit[1] += extra
      remainder -= extra
    }
    if (remainder > 0n) return undefined
    for (const [stream, part] of credits) {
      if (part > stream.receiveRoom || stream.remoteClosed) return undefined
    }
    return credits
  }
}

/** RFC 0027 R00: a Prepare that arrives expired is refused unread. */
export function expiredReject(triggeredBy: string | undefined): IlpReply {
  return reject(IlpErrorCode.R00_TRANSFER_TIMED_OUT, triggeredBy, 'the Prepare expired')
}

function reject(code: string, triggeredBy: string | undefined, message: string): IlpReply {
  return { type: IlpPacketType.Reject, code, triggeredBy: triggeredBy ?? '', message, data: new Uint8Array(0) }
}
