import type { Link, RequestHandler } from '@stack/channel-core'
import type { HttpLink } from '@stack/channel-http'
import { decodePrepare, encodeReply, IlpErrorCode, IlpPacketType, isPrepareTo } from '@stack/ilp-core'
import { SETTLE_DESTINATION } from './http-settle.js'

/** The peer protocols whose state is the owner's: CCP, and the payment channel's messages. */
const OWNERS = ['peer.route', SETTLE_DESTINATION]

/**
 * An HTTP peer's link as an instance that is not its owner runs it (config-cluster.ts). The
 * peer's requests come through the load balancer to any instance; those that carry the owner's
 * state — CCP (`peer.route.*`, RFC 0010 draft: route control and updates, answered with this
 * node's routing table id and epoch) and the payment channel's messages (`peer.settle`,
 * http-settle.ts) — are sent on over `owner`, the internal link to the owner's listener, which
 * answers them as the peer's own: the peer sees one CCP speaker and one channel. Everything
 * else (ILDCP, packets to route) is this instance's, as from any HTTP peer.
 */
export function relayToOwner(link: HttpLink, owner: HttpLink, address: string): Link {
  const relay: RequestHandler = async (bytes, options) => {
    try {
      if (owner.state !== 'connected') await owner.connect()
      const timeoutMs = Math.max(1, decodePrepare(bytes).expiresAt.getTime() - Date.now())
      return await owner.request(bytes, { timeoutMs, ...(options?.signal === undefined ? {} : { signal: options.signal }) })
    } catch (error) {
      // The peer asks again (its CCP's control retry, its channel's next claim); nothing here holds state meanwhile.
      const message = `another instance of this node answers this, and did not: ${(error as Error).message}`
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
      link.setRequestHandler(handler && ((bytes, options) => (OWNERS.some((prefix) => isPrepareTo(bytes, prefix)) ? relay(bytes, options) : handler(bytes, options))))
    },
  }
}
