import type { Link, RequestHandler } from '@stack/channel-core'
import type { HttpLink } from '@stack/channel-http'
import { decodePrepare, encodeReply, IlpErrorCode, IlpPacketType } from '@stack/ilp-core'

/**
 * An HTTP peer's link as an instance that is not its owner runs it (config-cluster.ts). The
 * peer's requests come through the load balancer to any instance; those that carry CCP state
 * (`peer.route.*`, RFC 0010 draft: the peer's route control and updates, answered with this
 * node's routing table id and epoch) are sent on over `owner`, the internal link to the owner's
 * listener, which answers them as the peer's own — so the peer sees one CCP speaker. Everything
 * else (ILDCP, packets to route) is this instance's, as from any HTTP peer.
 */
export function relayPeerRoutes(link: HttpLink, owner: HttpLink, address: string): Link {
  const relay: RequestHandler = async (bytes, options) => {
    try {
      if (owner.state !== 'connected') await owner.connect()
      const timeoutMs = Math.max(1, decodePrepare(bytes).expiresAt.getTime() - Date.now())
      return await owner.request(bytes, { timeoutMs, ...(options?.signal === undefined ? {} : { signal: options.signal }) })
    } catch (error) {
      // The peer's CCP asks again (its control retry); nothing here holds state meanwhile.
      const message = `its CCP speaker, another instance of this node, did not answer: ${(error as Error).message}`
      return encodeReply({ type: IlpPacketType.Reject, code: IlpErrorCode.T01_PEER_UNREACHABLE, triggeredBy: address, message, data: new Uint8Array(0) })
    }
  }
  return {
    get state() {
      return link.state
    },
    connect: () => link.connect(),
    close: async () => {
      await owner.close()
      await link.close()
    },
    request: (data, options) => link.request(data, options),
    onStateChange: (listener) => link.onStateChange(listener),
    setRequestHandler(handler) {
      link.setRequestHandler(handler && ((bytes, options) => (isPeerRoute(bytes) ? relay(bytes, options) : handler(bytes, options))))
    },
  }
}

// An ILP Prepare (RFC 0027): type 12, a length, amount (8), expiresAt (17), condition (32), destination.
const PREPARE = 12
const FIXED = 8 + 17 + 32
const PEER_ROUTE = new TextEncoder().encode('peer.route.')

/** Where a Prepare's destination starts, read without decoding the rest; -1 if it is no Prepare. */
function destinationAt(bytes: Uint8Array): number {
  if (bytes[0] !== PREPARE || bytes.length < 2) return -1
  const first = bytes[1] as number
  return 2 + (first < 0x80 ? 0 : first & 0x7f) + FIXED
}

/** Whether the bytes are a Prepare to `peer.route.*` (a short destination: its length in one byte). */
function isPeerRoute(bytes: Uint8Array): boolean {
  const at = destinationAt(bytes)
  const length = at < 0 ? 0 : (bytes[at] ?? 0)
  if (length < PEER_ROUTE.length || length >= 0x80 || bytes.length < at + 1 + length) return false
  return PEER_ROUTE.every((byte, i) => bytes[at + 1 + i] === byte)
}
