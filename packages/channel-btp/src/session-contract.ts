import type { BtpError } from './btp-frame.js'
import { BtpType, MAX_ERROR_DATA_BYTES } from './btp-frame.js'
import { toGeneralizedTime } from './generalized-time.js'

// What a BtpSession is configured with and reports, and the ERROR frames it answers with.

const encoder = new TextEncoder()

/** The bytes-out side of a connection: a WebSocket, or anything else that frames messages. */
export interface FrameTransport {
  send(frame: Uint8Array): void
  /** Bytes accepted by `send` and not yet written to the network. */
  readonly bufferedAmount: number
}

export interface BtpSessionLimits {
  /** Deadline of a request when the caller gives none. */
  readonly timeoutMs: number
  /** Our requests awaiting an answer; past it `request` rejects with `LinkBusyError` unsent. */
  readonly maxInFlight: number
  /** Peer requests being handled at once; past it the peer gets ERROR T00 at once. */
  readonly maxIncoming: number
  /** Bytes queued on the socket past which `request` rejects with `LinkBusyError('bytes')`. */
  readonly maxBufferedBytes: number
  /** Frames above this size are refused (a request gets ERROR F01). */
  readonly maxFrameBytes: number
  /** Sub-protocol name of value claims in TRANSFER. */
  readonly claimProtocol: string
}

export const DEFAULT_LIMITS: BtpSessionLimits = {
  timeoutMs: 30_000,
  maxInFlight: 10_000,
  maxIncoming: 10_000,
  maxBufferedBytes: 16 << 20,
  maxFrameBytes: 1 << 20,
  claimProtocol: 'claim'
}

/** Counters of what the session refused or ignored; the log says why. */
export interface BtpSessionStats {
  malformedFrames: number
  oversizeFrames: number
  unexpectedResponses: number
  refusedRequests: number
}

/** ILP bytes ride as the `ilp` sub-protocol (RFC 0023 §Message). */
export const ILP_PROTOCOL = 'ilp'

export function errorFrame(requestId: number, code: string, name: string, detail: string): BtpError {
  let data = encoder.encode(detail)
  if (data.length > MAX_ERROR_DATA_BYTES) data = data.subarray(0, MAX_ERROR_DATA_BYTES)
  return { type: BtpType.Error, requestId, code, name, triggeredAt: toGeneralizedTime(new Date()), data, protocolData: [] }
}
