import {
  LinkAbortedError,
  LinkBusyError,
  LinkTimeoutError,
  type IncomingRequestContext,
  type Link,
  type RequestHandler,
} from '@stack/channel-core'
import { decodeReply, encodeReply } from './packet/decode-packet.js'
import { IlpErrorCode } from './error-codes.js'
import { reject } from './ilp-error.js'
import type { IlpPrepare, IlpReply, PrepareHandler } from './packet/packet.js'
import { decodePrepare, encodePrepare } from './packet/prepare.js'

/**
 * The one seam between a Link (bytes to a peer, channel-core) and ILP packets, both ways.
 * A Link never parses what it carries; here the bytes become Prepares and replies.
 */

export interface SendOverLinkOptions {
  /** `triggeredBy` of the Rejects made here (this node's address; '' when it has none yet). */
  triggeredBy: string
  /** The peer, for messages. */
  peer?: string
  /** Milliseconds since the epoch (default Date.now): the deadline is the Prepare's expiry. */
  now?: () => number
}

/**
 * Sends Prepares over `link` (the next hop's PrepareHandler): encode, `request` with the time
 * left until the Prepare's expiry as the deadline, decode the reply. A Prepare that cannot be
 * encoded is the caller's bug and throws the codec's typed error; everything that goes wrong on
 * the way is a Reject from `triggeredBy` (RFC 0027 §"Error Codes"):
 *   - no reply before the deadline → R00 Transfer Timed Out;
 *   - the link refused for load → T03 Connector Busy (we could not send; RFC 0027 T02/T05 say
 *     a connector relays the next hop's overload to its sender as T03);
 *   - closed, not connected, remote failure, a reply that is not a Fulfill or Reject → T01
 *     Peer Unreachable.
 */
export function sendOverLink(link: Link, options: SendOverLinkOptions): PrepareHandler {
  const { triggeredBy } = options
  const peer = options.peer === undefined ? 'peer' : `peer ${options.peer}`
  const now = options.now ?? Date.now
  return async (prepare) => {
    const bytes = encodePrepare(prepare)
    const timeoutMs = Math.max(1, prepare.expiresAt.getTime() - now())
    let reply: Uint8Array
    try {
      reply = await link.request(bytes, { timeoutMs })
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error)
      if (error instanceof LinkTimeoutError || error instanceof LinkAbortedError) {
        return reject(IlpErrorCode.R00_TRANSFER_TIMED_OUT, triggeredBy, `no reply from ${peer}: ${detail}`)
      }
      if (error instanceof LinkBusyError) return reject(IlpErrorCode.T03_CONNECTOR_BUSY, triggeredBy, `link to ${peer} is busy: ${detail}`)
      return reject(IlpErrorCode.T01_PEER_UNREACHABLE, triggeredBy, `${peer} unreachable: ${detail}`)
    }
    try {
      return decodeReply(reply)
    } catch {
      return reject(IlpErrorCode.T01_PEER_UNREACHABLE, triggeredBy, `invalid reply from ${peer}`)
    }
  }
}

/** Answers a Prepare from a link; `context.signal` fires when the reply can no longer reach the peer. */
export type LinkPrepareHandler = (prepare: IlpPrepare, context: IncomingRequestContext) => Promise<IlpReply>

export interface ServeOnLinkOptions {
  /** `triggeredBy` of the Rejects made here (this node's address, or '' when unknown). */
  triggeredBy: string
  /** Told of a request that was not a valid Prepare (answered F01). */
  onInvalidPacket?: (error: unknown) => void
  /** Told of a handler that threw, or a reply that could not be encoded (answered T00 instead). */
  onError?: (error: unknown) => void
}

/**
 * The RequestHandler that answers a link's requests with `handler`: a request that is not a
 * valid Prepare is answered F01 Invalid Packet (RFC 0027), a handler that throws or a reply that
 * cannot be encoded T00. A link handler must answer with bytes: a throw would be a link-level
 * error (BTP ERROR), which a peer cannot tell from a broken link.
 */
export function serveOnLink(handler: LinkPrepareHandler, options: ServeOnLinkOptions): RequestHandler {
  const { triggeredBy } = options
  return async (bytes, context) => {
    let prepare: IlpPrepare
    try {
      prepare = decodePrepare(bytes)
    } catch (error) {
      options.onInvalidPacket?.(error)
      const message = `invalid Prepare: ${error instanceof Error ? error.message : String(error)}`
      return encodeReply(reject(IlpErrorCode.F01_INVALID_PACKET, triggeredBy, message.slice(0, 1000)))
    }
    try {
      return encodeReply(await handler(prepare, context))
    } catch (error) {
      options.onError?.(error)
      return encodeReply(reject(IlpErrorCode.T00_INTERNAL_ERROR, triggeredBy, 'internal error'))
    }
  }
}
