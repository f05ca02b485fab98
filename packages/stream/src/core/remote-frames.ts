import { MAX_UINT64, type Asset } from '@stack/ilp-core'
import { ConnectionError } from '../connection-error.js'
import type { RemoteAddressController } from '../controllers/remote-address.js'
import { StreamErrorCode } from '../wire/error-codes.js'
import { FrameType } from '../wire/frames/frame-type.js'
import type { Frame } from '../wire/frames/frame.js'
import type { StreamState } from '../stream-state.js'
import type { ConnectionWindow } from './connection-window.js'
import type { StreamTable } from './stream-table.js'
import type { CoreEvent } from './types.js'

/** Who the other side's control frames go to. */
export interface FrameTarget {
  streams: StreamTable
  window: ConnectionWindow
  remoteAddress: RemoteAddressController
  onAssetDetails(asset: Asset): void
  /** The other side closed the connection (RFC 0029 §5.3.1). */
  closedByPeer(error: ConnectionError | undefined): void
  endStream(stream: StreamState, code?: number): void
  finish(stream: StreamState): void
  emit(event: CoreEvent): void
}

/** Control frames from the other side's Prepare or reply (RFC 0029 §5.3), each to the state it concerns. */
export function applyFrames(target: FrameTarget, frames: Frame[], inReply: boolean): void {
  const { streams, window } = target
  for (const frame of frames) {
    switch (frame.type) {
      case FrameType.ConnectionNewAddress:
        if (!inReply && frame.sourceAccount !== '') {
          target.remoteAddress.announce(frame.sourceAccount)
          // RFC 0029 §4.3.1: the client answers with its limits and asset details.
          window.announce()
        }
        break
      case FrameType.ConnectionAssetDetails:
        target.onAssetDetails({ code: frame.sourceAssetCode, scale: frame.sourceAssetScale })
        break
      case FrameType.ConnectionClose:
        target.closedByPeer(frame.errorCode === StreamErrorCode.NoError ? undefined : new ConnectionError(frame.errorCode, frame.errorMessage, true))
        break
      case FrameType.ConnectionMaxData:
        window.onRemoteMax(frame.maxOffset)
        break
      case FrameType.ConnectionMaxStreamId:
        streams.onRemoteMax(frame.maxStreamId)
        break
      case FrameType.ConnectionStreamIdBlocked:
        // The sender waits on our maximum stream ID: tell it the current one.
        window.announce()
        break
      case FrameType.ConnectionDataBlocked:
        window.onRemoteBlocked()
        break
      case FrameType.StreamClose: {
        const stream = streams.streams.get(Number(frame.streamId))
        if (stream === undefined || stream.remoteClosed) break
        stream.remoteClosed = true
        target.emit({ type: 'end', stream })
        if (frame.errorCode !== StreamErrorCode.NoError) {
          stream.remoteError = new ConnectionError(frame.errorCode, frame.errorMessage, true)
          target.endStream(stream, StreamErrorCode.NoError)
          stream.moneyFailure ??= 'stream-closed'
          stream.outgoing.discard()
        } else {
          // Half-close: the other side is done; we close ours once it has drained.
          target.endStream(stream)
        }
        target.finish(stream)
        break
      }
      case FrameType.StreamMaxMoney: {
        const stream = streams.streams.get(Number(frame.streamId))
        if (stream === undefined) break
        // RFC 0029 §4.4.4: limits only grow; unlimited until first told.
        if (stream.remoteReceiveMax === MAX_UINT64 || frame.receiveMax > stream.remoteReceiveMax) {
          if (frame.receiveMax !== stream.remoteReceiveMax) stream.moneyBlockedSent = stream.blockedAnswered = stream.receiverBlocked = false
          stream.remoteReceiveMax = frame.receiveMax
        }
        if (frame.totalReceived > stream.remoteTotalReceived) stream.remoteTotalReceived = frame.totalReceived
        break
      }
      case FrameType.StreamMaxData: {
        const stream = streams.streams.get(Number(frame.streamId))
        const max = frame.maxOffset > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(frame.maxOffset)
        if (stream !== undefined && max > stream.outgoing.remoteMaxOffset) {
          stream.outgoing.onMaxOffset(max)
          stream.dataBlockedSent = false
        }
        break
      }
      case FrameType.StreamDataBlocked:
      case FrameType.StreamMoneyBlocked: {
        // The sender waits on our limits: tell it them, in a packet of our own if need be.
        const stream = streams.streams.get(Number(frame.streamId))
        if (stream === undefined) break
        stream.advertise = stream.advertiseUrgent = true
        if (frame.type === FrameType.StreamDataBlocked) stream.remoteDataBlocked = true
        break
      }
      case FrameType.StreamReceipt: {
        const stream = streams.streams.get(Number(frame.streamId))
        if (!inReply || stream === undefined) break
        stream.receipt = frame.receipt
        target.emit({ type: 'receipt', stream, receipt: frame.receipt })
        break
      }
      default:
        break
    }
  }
}
