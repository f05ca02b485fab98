import { randomBytes } from 'node:crypto'
import { BtpServer } from '@stack/channel-btp'
import type { Link, RequestHandler } from '@stack/channel-core'
import { createConnectorNode, silentLogger, type ConnectorNode } from '@stack/ilp-connector'
import {
  CCP_UPDATE_DESTINATION,
  decodePrepare,
  decodeReply,
  encodePrepare,
  encodeReply,
  IlpPacketType,
  readRouteUpdatePrepare,
  routeUpdatePrepare,
  type CcpRouteUpdateRequest,
  type IlpReply,
} from '@stack/ilp-core'
import { token } from './nodes.js'

/**
 * A connector with one deliberate defect, built from our connector library with its links
 * wrapped: the suite must fail exactly the checks that defect breaks.
 */
export type Defect =
  | 'none'
  | 'keeps-expiry'
  | 'empty-triggered-by'
  | 'passes-wrong-fulfillment'
  | 'f08-without-data'
  | 'accepts-any-token' | 'ignores-expiry' | 'bad-epochs' | 'ignores-withdrawal'

const WINDOW_MS = 1_000

export interface BrokenNode {
  readonly urls: { conf: string; second: string; peer: string; receiver: string }
  /** Committed balance of each account, as the node books it. */
  balance(id: string): bigint
  stop(): Promise<void>
}

/** `inner`, with what goes out (`request`) and what comes in (the handler) passed through `out` and `in`. */
function wrap(inner: Link, hooks: { out?: (b: Uint8Array) => Uint8Array; in?: (handler: RequestHandler) => RequestHandler }): Link {
  return {
    get state() {
      return inner.state
    },
    connect: () => inner.connect(),
    close: () => inner.close(),
    request: (data, options) => inner.request(hooks.out === undefined ? data : hooks.out(data), options),
    setRequestHandler: (handler) => inner.setRequestHandler(handler === undefined || hooks.in === undefined ? handler : hooks.in(handler)),
    onStateChange: (listener) => inner.onStateChange(listener),
  }
}

/** A CCP route update rewritten by `change`; other bytes as they are. */
function rewriteUpdate(bytes: Uint8Array, change: (u: CcpRouteUpdateRequest) => CcpRouteUpdateRequest): Uint8Array {
  let prepare
  try {
    prepare = decodePrepare(bytes)
  } catch {
    return bytes
  }
  if (prepare.destination !== CCP_UPDATE_DESTINATION) return bytes
  return encodePrepare(routeUpdatePrepare(change(readRouteUpdatePrepare(prepare)), prepare.expiresAt))
}

const isPeerProtocol = (bytes: Uint8Array): boolean => decodePrepare(bytes).destination.startsWith('peer.')

export async function brokenNode(defect: Defect): Promise<BrokenNode> {
  const tokens: Record<string, string> = { conf: token(), second: token(), peer: token(), receiver: token() }
  const server = new BtpServer({
    // The defect: any token is good for a known username.
    accounts: defect === 'accepts-any-token' ? (username) => (username in tokens ? username : undefined) : tokens,
  })
  const port = await server.listen()
  let conf: Link = server.link('conf')
  let second: Link = server.link('second')
  let peer: Link = server.link('peer')
  if (defect === 'bad-epochs') {
    // Route updates whose fromEpochIndex is past their toEpochIndex.
    peer = wrap(peer, { out: (bytes) => rewriteUpdate(bytes, (u) => ({ ...u, fromEpochIndex: u.toEpochIndex + 1, currentEpochIndex: u.toEpochIndex + 1 })) })
  }
  if (defect === 'ignores-withdrawal') {
    // Applies the new routes of a peer's update and drops its withdrawals.
    peer = wrap(peer, { in: (handler) => (bytes, context) => handler(rewriteUpdate(bytes, (u) => ({ ...u, withdrawnRoutes: [] })), context) })
  }
  if (defect === 'keeps-expiry') {
    // Forwards with the expiry it was given: puts back the window the connector took off.
    second = wrap(second, {
      out: (bytes) => {
        if (isPeerProtocol(bytes)) return bytes
        const p = decodePrepare(bytes)
        return encodePrepare({ ...p, expiresAt: new Date(p.expiresAt.getTime() + WINDOW_MS) })
      },
    })
  }
  // Defects in the replies the sender gets: each rewrites one kind of Reject.
  type Rejected = Extract<IlpReply, { type: typeof IlpPacketType.Reject }>
  const rewrite: Partial<Record<Defect, (reply: Rejected) => IlpReply>> = {
    'empty-triggered-by': (r) => (r.code === 'F02' ? { ...r, triggeredBy: '' } : r),
    // Hands back the receiver's Fulfill without checking it (the connector rejected it F05).
    'passes-wrong-fulfillment': (r) => (r.code === 'F05' ? { type: IlpPacketType.Fulfill, fulfillment: randomBytes(32), data: new Uint8Array(0) } : r),
    'f08-without-data': (r) => (r.code === 'F08' ? { ...r, data: new Uint8Array(0) } : r),
  }
  const change = rewrite[defect]
  if (change !== undefined) {
    conf = wrap(conf, {
      in: (handler) => async (bytes, context) => {
        const reply = decodeReply(await handler(bytes, context))
        return encodeReply(reply.type === IlpPacketType.Reject ? change(reply) : reply)
      },
    })
  }
  if (defect === 'ignores-expiry') {
    // Takes an expired Prepare as if it had ten seconds left.
    conf = wrap(conf, {
      in: (handler) => (bytes, context) => {
        let p
        try {
          p = decodePrepare(bytes)
        } catch {
          return handler(bytes, context) // not a Prepare (or malformed): the connector's to answer
        }
        return handler(p.expiresAt.getTime() > Date.now() ? bytes : encodePrepare({ ...p, expiresAt: new Date(Date.now() + 10_000) }), context)
      },
    })
  }
  const asset = { code: 'EUR', scale: 6 }
  const node: ConnectorNode = await createConnectorNode({
    address: 'test.broken',
    peers: [
      { id: 'conf', relation: 'child', asset, link: conf, dial: false, maxPacketAmount: 1_000_000n },
      { id: 'second', relation: 'child', asset, link: second, dial: false },
      { id: 'peer', relation: 'peer', asset, link: peer, dial: false },
      { id: 'receiver', relation: 'child', asset, link: server.link('receiver'), dial: false },
    ],
    ccp: { broadcastIntervalMs: 500, holdDownTimeMs: 2_000, minUpdateIntervalMs: 10, controlRetryIntervalMs: 200 },
    packets: { minMessageWindowMs: WINDOW_MS, maxHoldTimeMs: 10_000 },
    logger: silentLogger,
    shutdownTimeoutMs: 2_000,
  })
  const url = (id: string): string => `btp+ws://${id}:${tokens[id]}@127.0.0.1:${port}`
  return {
    urls: { conf: url('conf'), second: url('second'), peer: url('peer'), receiver: url('receiver') },
    balance: (id) => node.connector.balance(id).balance,
    async stop() {
      await node.stop()
      await server.close()
    },
  }
}
