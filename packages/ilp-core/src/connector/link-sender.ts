import {
  LinkAbortedError,
  LinkBusyError,
  LinkTimeoutError,
  type Link,
} from '@stack/channel-core'
import { decodeReply } from '../decode-packet.js'
import { IlpErrorCode } from '../error-codes.js'
import { IlpError } from '../ilp-error.js'
import { encodePrepare } from '../prepare.js'
import type { Clock } from './clock.js'
import type { PeerSender } from './pipeline.js'

/**
 * Forwards a Prepare over a peer's Link: encode, `request` with a deadline at the Prepare's
 * expiry, decode the reply. What goes wrong on the way is an IlpError, so the caller turns it
 * into a Reject with this connector as `triggeredBy` and the hold is released:
 *   - no reply before the deadline → R00 Transfer Timed Out;
 *   - the link refused for load → T03 Connector Busy (we could not send; RFC 0027 T02/T05
 *     say a connector relays the next hop's overload to its sender as T03);
 *   - closed, not connected, remote failure, a reply that is not a Fulfill or Reject → T01
 *     Peer Unreachable.
 */
export function linkSender(link: Link, peerId: string, clock: Pick<Clock, 'now'>): PeerSender {
  return async (prepare) => {
    const bytes = encodePrepare(prepare)
    const timeoutMs = Math.max(1, prepare.expiresAt.getTime() - clock.now())
    let reply: Uint8Array
    try {
      reply = await link.request(bytes, { timeoutMs })
    } catch (error) {
      throw linkFailure(peerId, error)
    }
    try {
      return decodeReply(reply)
    } catch (error) {
      throw new IlpError(IlpErrorCode.T01_PEER_UNREACHABLE, `invalid reply from peer ${peerId}`, { cause: error })
    }
  }
}

function linkFailure(peerId: string, error: unknown): IlpError {
  const detail = error instanceof Error ? error.message : String(error)
  if (error instanceof LinkTimeoutError || error instanceof LinkAbortedError) {
    return new IlpError(IlpErrorCode.R00_TRANSFER_TIMED_OUT, `no reply from peer ${peerId}: ${detail}`, { cause: error })
  }
  if (error instanceof LinkBusyError) {
    return new IlpError(IlpErrorCode.T03_CONNECTOR_BUSY, `link to peer ${peerId} is busy: ${detail}`, { cause: error })
  }
  return new IlpError(IlpErrorCode.T01_PEER_UNREACHABLE, `peer ${peerId} unreachable: ${detail}`, { cause: error })
}
