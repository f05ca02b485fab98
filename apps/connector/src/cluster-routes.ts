import type { RequestHandler } from '@stack/channel-core'
import { HttpLink } from '@stack/channel-http'
import {
  decodePrepare,
  decodeReply,
  encodePrepare,
  encodeReply,
  IlpErrorCode,
  IlpPacketType,
  isRoutePrefix,
  PEER_PROTOCOL_CONDITION,
  PEER_PROTOCOL_FULFILLMENT,
  type RoutingTable,
} from '@stack/ilp-core'

/**
 * Routes learned by CCP, shared across a cluster's instances. CCP with a peer runs on the
 * instance it is attached to (cluster.ts: a BTP peer's socket holder, an HTTP peer's owner), so
 * only that instance learns what the peer advertises. It answers a peer-protocol request
 * (`peer.cluster.routes`, like CCP's own `peer.route.*`) on its internal listener with the
 * routes in force that it learned from the peers attached to it; each other instance asks every
 * `intervalMs` and keeps them as routes via that peer — a BTP one reached over the internal
 * link, an HTTP one POSTed to directly — and drops them when they are withdrawn or the instance
 * stops answering. So every instance routes, and advertises to its own peers, what
 * the node can reach.
 */

export const ROUTES_DESTINATION = 'peer.cluster.routes'

interface SharedRoute {
  prefix: string
  peer: string
}

/** The holder's side: its learned routes through the peers `held` says are its own. */
export function routesHandler(table: RoutingTable, held: (peerId: string) => boolean): RequestHandler {
  return (bytes) => {
    const prepare = decodePrepare(bytes)
    if (prepare.destination !== ROUTES_DESTINATION) {
      return encodeReply({ type: IlpPacketType.Reject, code: IlpErrorCode.F02_UNREACHABLE, triggeredBy: '', message: `only ${ROUTES_DESTINATION} here`, data: new Uint8Array(0) })
    }
    const routes: SharedRoute[] = [...table.routes()].filter((r) => r.source === 'learned' && held(r.nextHop)).map((r) => ({ prefix: r.prefix, peer: r.nextHop }))
    return encodeReply({ type: IlpPacketType.Fulfill, fulfillment: PEER_PROTOCOL_FULFILLMENT, data: new TextEncoder().encode(JSON.stringify(routes)) })
  }
}

/** What the mirror changes: the node's static routes. */
export interface RouteTarget {
  setRoute(prefix: string, peerId: string): void
  removeRoute(prefix: string): boolean
}

/** The other instances' side: asks `instance`'s listener, keeps its routes via peers attached there. */
export class RouteMirror {
  readonly #link: HttpLink
  readonly #mirrored = new Map<string, string>()
  #timer: NodeJS.Timeout | undefined

  constructor(
    url: string,
    token: string,
    /** Whether a peer is attached to that instance: routes via any other are not its to give. */
    private readonly attachedThere: (peerId: string) => boolean,
    private readonly target: RouteTarget,
  ) {
    this.#link = new HttpLink({ url, token, timeoutMs: 5_000 })
  }

  start(intervalMs: number): void {
    const tick = (): void => {
      this.#timer = setTimeout(() => void this.poll().finally(() => this.#timer !== undefined && tick()), intervalMs)
      this.#timer.unref()
    }
    tick()
  }

  /** One exchange; the mirrored routes become what the instance answered, or none if it did not. */
  async poll(): Promise<void> {
    let routes: SharedRoute[] = []
    try {
      if (this.#link.state !== 'connected') await this.#link.connect()
      const prepare = encodePrepare({ amount: 0n, destination: ROUTES_DESTINATION, executionCondition: PEER_PROTOCOL_CONDITION, expiresAt: new Date(Date.now() + 5_000), data: new Uint8Array(0) })
      const reply = decodeReply(await this.#link.request(prepare))
      if (reply.type === IlpPacketType.Fulfill) routes = parseRoutes(reply.data).filter((r) => this.attachedThere(r.peer))
    } catch {
      // Down, or not answering: its routes go (the peers it holds are unreachable meanwhile).
    }
    const next = new Map(routes.map((r) => [r.prefix, r.peer]))
    for (const [prefix, peer] of this.#mirrored) if (next.get(prefix) !== peer) this.target.removeRoute(prefix)
    for (const [prefix, peer] of next) if (this.#mirrored.get(prefix) !== peer) this.target.setRoute(prefix, peer)
    this.#mirrored.clear()
    for (const [prefix, peer] of next) this.#mirrored.set(prefix, peer)
  }

  async stop(): Promise<void> {
    clearTimeout(this.#timer)
    this.#timer = undefined
    await this.#link.close()
  }
}

function parseRoutes(data: Uint8Array): SharedRoute[] {
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(data))
    if (!Array.isArray(value)) return []
    return value.filter((r): r is SharedRoute => typeof r?.prefix === 'string' && typeof r?.peer === 'string' && isRoutePrefix(r.prefix))
  } catch {
    return []
  }
}
