import { createHash } from 'node:crypto'
import { isAddressPrefix } from '../address.js'
import { CCP_REQUEST_LIFETIME_MS, ccpFulfill, readRouteControlPrepare, readRouteUpdatePrepare, routeControlPrepare, routeUpdatePrepare } from './messages.js'
import type { CcpRouteControlRequest, CcpRouteUpdateRequest } from './codec.js'
import { ForwardingTable, type ForwardingRoute } from './forwarding-table.js'
import { CcpReceiver } from './receiver.js'
import { routeRefusal, type RefusedRoute, type RouteScope } from './route-filter.js'
import { CcpSender } from './sender.js'
import { IlpErrorCode } from '../error-codes.js'
import { reject } from '../ilp-error.js'
import { IlpPacketType, type IlpPrepare, type IlpReply } from '../packet/packet.js'
import { advertiseValleyFree, RoutingTable, type AdvertisePolicy, type PeerRelation, type StaticRouteOptions } from '../routing/routing-table.js'

/**
 * CCP for a whole connector, sans I/O: one sender and one receiver per peer over the
 * shared routing table and forwarding table. The connector hands it the CCP Prepares
 * it gets and the replies to the ones it sent, calls tick(now) on a timer, and sends
 * the messages it is given back. Time is passed in as milliseconds.
 */

/** A CCP request for the connector to send to `peerId`, then report with onReply. */
export type CcpMessage =
  | { kind: 'route-control'; peerId: string; request: CcpRouteControlRequest; prepare: IlpPrepare }
  | { kind: 'route-update'; peerId: string; request: CcpRouteUpdateRequest; prepare: IlpPrepare }

export interface CcpHandled {
  reply: IlpReply
  send: CcpMessage[]
  /** Routes of a route update that were not taken, for the caller to log and count. */
  refused: RefusedRoute[]
}

/**
 * The defaults of CCP's timing (ilp-connector's where it has one), in milliseconds. The one
 * place they are set: a connector's configuration falls back to these.
 */
export const CCP_DEFAULTS = {
  /** Heartbeat / re-broadcast period (ilp-connector: 30 s). */
  broadcastInterval: 30_000,
  /** How long peers keep our routes (ilp-connector routeExpiry: 45 s). */
  holdDownTime: 45_000,
  /** How soon a refused or unanswered route control is sent again. */
  controlRetryInterval: 5_000,
  /** Fewest milliseconds between two route updates to one peer. */
  minUpdateInterval: 150,
  maxEpochsPerUpdate: 50,
} as const

export interface CcpNodeOptions {
  ownAddress: string
  /** Shared with the packet switch; a new one by default. */
  routingTable?: RoutingTable
  /** Only routes under it are advertised, and never it itself; default: ownAddress's scheme. */
  globalPrefix?: string
  routingTableId?: string
  /** Sent as holdDownTime: how long peers keep our routes (ilp-connector routeExpiry: 45 s). */
  holdDownTime?: number
  /** Heartbeat / re-broadcast period (ilp-connector: 30 s). */
  broadcastInterval?: number
  /** How long a request we sent may stay unanswered (default: broadcastInterval). */
  requestTimeout?: number
  controlRetryInterval?: number
  maxEpochsPerUpdate?: number
  minUpdateInterval?: number
  advertise?: AdvertisePolicy
}

export interface CcpPeerOptions {
  relation: PeerRelation
  /** Draft §"Link Relations and Routing": by default only peers exchange routes. */
  sendRoutes?: boolean
  receiveRoutes?: boolean
}

interface PeerState {
  relation: PeerRelation
  connected: boolean
  sender?: CcpSender | undefined
  receiver?: CcpReceiver | undefined
}

const ZERO_AUTH = new Uint8Array(32)

export class CcpNode {
  readonly routingTable: RoutingTable
  readonly forwardingTable: ForwardingTable
  private readonly ownAddress: string
  private readonly globalPrefix: string
  private readonly config: Required<Omit<CcpNodeOptions, 'routingTable' | 'globalPrefix' | 'routingTableId' | 'ownAddress'>>
  private readonly peers = new Map<string, PeerState>()
  private readonly scope: RouteScope

  constructor(options: CcpNodeOptions) {
    this.ownAddress = options.ownAddress
    this.globalPrefix = options.globalPrefix ?? options.ownAddress.slice(0, options.ownAddress.indexOf('.'))
    this.routingTable = options.routingTable ?? new RoutingTable()
    this.forwardingTable = new ForwardingTable(options.routingTableId)
    const broadcastInterval = options.broadcastInterval ?? CCP_DEFAULTS.broadcastInterval
    this.config = {
      holdDownTime: options.holdDownTime ?? CCP_DEFAULTS.holdDownTime,
      broadcastInterval,
      requestTimeout: options.requestTimeout ?? broadcastInterval,
      controlRetryInterval: options.controlRetryInterval ?? CCP_DEFAULTS.controlRetryInterval,
      maxEpochsPerUpdate: options.maxEpochsPerUpdate ?? CCP_DEFAULTS.maxEpochsPerUpdate,
      minUpdateInterval: options.minUpdateInterval ?? CCP_DEFAULTS.minUpdateInterval,
      advertise: options.advertise ?? advertiseValleyFree,
    }
    // We are the destination for our own address: advertised to everyone with nextHop '',
    // and routed to no peer (a Prepare for it, or under it but to no child, ends here).
    this.forwardingTable.set(this.ownAddress, { nextHop: '', path: [this.ownAddress], auth: sha256(ZERO_AUTH) })
    this.routingTable.setStatic(this.ownAddress, '')
    for (const route of this.routingTable.routes()) this.updateForwarding(route.prefix)
    const table = this.routingTable
    this.scope = {
      ownAddress: this.ownAddress,
      globalPrefix: this.globalPrefix,
      isChildPrefix: (prefix) => {
        const cover = table.staticCover(prefix)
        return cover !== undefined && table.relationOf(cover.nextHop) === 'child'
      },
    }
  }

  addPeer(peerId: string, options: CcpPeerOptions, now: number): CcpMessage[] {
    this.removePeer(peerId)
    const exchange = options.relation === 'peer'
    const state: PeerState = { relation: options.relation, connected: true }
    if (options.sendRoutes ?? exchange) {
      state.sender = new CcpSender({
        peerId,
        relation: options.relation,
        ownAddress: this.ownAddress,
        table: this.forwardingTable,
        relationOf: (id) => this.peers.get(id)?.relation ?? this.routingTable.relationOf(id),
        ...this.config,
      })
    }
    if (options.receiveRoutes ?? exchange) {
      state.receiver = new CcpReceiver({ refuse: (route) => routeRefusal(route, this.scope), ...this.config })
    }
    this.peers.set(peerId, state)
    this.changed(this.routingTable.setRelation(peerId, options.relation))
    return this.collect(now)
  }

  /** Forget the peer entirely (its configuration is gone). */
  removePeer(peerId: string): void {
    if (!this.peers.has(peerId)) return
    this.peerDisconnected(peerId, 0)
    this.peers.delete(peerId)
  }

  /** The peer went away: its learned routes are withdrawn and it is sent nothing until it is back. */
  peerDisconnected(peerId: string, now: number): void {
    const state = this.peers.get(peerId)
    if (state === undefined) return
    state.connected = false
    state.sender?.reset()
    state.receiver?.reset(now)
    this.changed(this.routingTable.forget(peerId))
  }

  /** The peer is back: ask it for its routes again. */
  peerConnected(peerId: string, now: number): CcpMessage[] {
    const state = this.peers.get(peerId)
    if (state === undefined) return []
    state.connected = true
    state.receiver?.reset(now)
    return this.collect(now)
  }

  setStaticRoute(prefix: string, nextHop: string, options?: StaticRouteOptions): void {
    this.changed(this.routingTable.setStatic(prefix, nextHop, options))
  }

  removeStaticRoute(prefix: string): void {
    this.changed(this.routingTable.removeStatic(prefix))
  }

  /** A Prepare to peer.route.control from `peerId`: switch our sender to the mode it asks for. */
  onRouteControl(peerId: string, prepare: IlpPrepare, now: number): CcpHandled {
    const sender = this.peers.get(peerId)?.sender
    if (sender === undefined) return this.reject(IlpErrorCode.F00_BAD_REQUEST, `not configured to send routes to ${peerId}`)
    let request: CcpRouteControlRequest
    try {
      request = readRouteControlPrepare(prepare)
    } catch (error) {
      return this.reject(IlpErrorCode.F01_INVALID_PACKET, `invalid route control request: ${(error as Error).message}`)
    }
    if (prepare.expiresAt.getTime() <= now) return this.reject(IlpErrorCode.R00_TRANSFER_TIMED_OUT, 'route control request expired')
    sender.handleControl(request)
    return { reply: this.fulfill(), send: this.collect(now), refused: [] }
  }

  /** A Prepare to peer.route.update from `peerId`: apply it, and pass on what changed. */
  onRouteUpdate(peerId: string, prepare: IlpPrepare, now: number): CcpHandled {
    const receiver = this.peers.get(peerId)?.receiver
    if (receiver === undefined) return this.reject(IlpErrorCode.F00_BAD_REQUEST, `not configured to receive routes from ${peerId}`)
    let update: CcpRouteUpdateRequest
    try {
      update = readRouteUpdatePrepare(prepare)
    } catch (error) {
      return this.reject(IlpErrorCode.F01_INVALID_PACKET, `invalid route update request: ${(error as Error).message}`)
    }
    if (prepare.expiresAt.getTime() <= now) return this.reject(IlpErrorCode.R00_TRANSFER_TIMED_OUT, 'route update request expired')
    if (update.toEpochIndex < update.fromEpochIndex) {
      return this.reject(IlpErrorCode.F00_BAD_REQUEST, `toEpochIndex ${update.toEpochIndex} is before fromEpochIndex ${update.fromEpochIndex}`)
    }
    const decision = receiver.handleUpdate(update, now)
    const table = this.routingTable
    const changed = new Set<string>(decision.reset ? table.forget(peerId) : [])
    table.refresh(peerId, decision.expiresAt)
    for (const prefix of decision.withdrawn) if (table.unlearn(peerId, prefix)) changed.add(prefix)
    for (const route of decision.learned) {
      const learned = { path: route.path, auth: route.auth, expiresAt: decision.expiresAt }
      if (table.learn(peerId, route.prefix, learned)) changed.add(route.prefix)
    }
    this.changed(changed)
    const send: CcpMessage[] = []
    if (decision.resync !== undefined) send.push(this.controlMessage(peerId, decision.resync, now))
    send.push(...this.collect(now))
    // Refused routes do not fail the update: a Reject would have the speaker send it again.
    return { reply: this.fulfill(), send, refused: decision.refused }
  }

  /** The reply to a message we sent, or undefined if it failed without one (timeout, link down). */
  onReply(message: CcpMessage, reply: IlpReply | undefined, now: number): CcpMessage[] {
    const state = this.peers.get(message.peerId)
    const ok = reply?.type === IlpPacketType.Fulfill
    if (message.kind === 'route-update') {
      if (ok) state?.sender?.updateAccepted(message.request)
      else state?.sender?.updateFailed(message.request)
    } else {
      if (ok) state?.receiver?.controlAccepted(now)
      else state?.receiver?.controlFailed(now)
    }
    return this.collect(now)
  }

  /** Expire routes past their hold-down, and return the controls and updates now due. */
  tick(now: number): CcpMessage[] {
    for (const [peerId, state] of this.peers) {
      if (state.receiver?.expired(now) === true) this.changed(this.routingTable.forget(peerId))
    }
    this.changed(this.routingTable.expire(now))
    return this.collect(now)
  }

  /**
   * Nothing left to exchange with any connected peer: each one we send routes to has asked for
   * them and acknowledged all of our table, each one we take routes from has accepted our route
   * control. When this holds on every node of a network at once, no route update is in flight
   * anywhere: the routing tables have converged (until the next change).
   */
  inSync(): boolean {
    for (const state of this.peers.values()) {
      if (!state.connected) continue
      if (state.sender !== undefined && !state.sender.inSync) return false
      if (state.receiver !== undefined && !state.receiver.inSync) return false
    }
    return true
  }

  /** The earliest time tick() has something to do, for the connector's timer. */
  nextTickAt(): number | undefined {
    let next: number | undefined
    for (const state of this.peers.values()) {
      if (!state.connected) continue
      for (const at of [state.sender?.nextDueAt(), state.receiver?.nextDueAt()]) {
        if (at !== undefined && (next === undefined || at < next)) next = at
      }
    }
    return next
  }

  private collect(now: number): CcpMessage[] {
    const send: CcpMessage[] = []
    for (const [peerId, state] of this.peers) {
      if (!state.connected) continue
      const control = state.receiver?.nextControl(now)
      if (control !== undefined) send.push(this.controlMessage(peerId, control, now))
      const update = state.sender?.nextUpdate(now)
      if (update !== undefined) {
        const prepare = routeUpdatePrepare(update, new Date(now + CCP_REQUEST_LIFETIME_MS))
        send.push({ kind: 'route-update', peerId, request: update, prepare })
      }
    }
    return send
  }

  private controlMessage(peerId: string, request: CcpRouteControlRequest, now: number): CcpMessage {
    return { kind: 'route-control', peerId, request, prepare: routeControlPrepare(request, new Date(now + CCP_REQUEST_LIFETIME_MS)) }
  }

  private changed(prefixes: Iterable<string>): void {
    for (const prefix of prefixes) this.updateForwarding(prefix)
  }

  /**
   * Draft §"Forwarding Routing Table": the route in force, with us first in its path.
   * Like ilp-connector, we do not advertise what is outside the global prefix, the
   * global prefix itself (a default route), or our own children's static routes
   * (our own address, advertised already, covers them).
   */
  private updateForwarding(prefix: string): void {
    if (prefix === this.ownAddress) return
    const route = this.routingTable.get(prefix)
    let forwarding: ForwardingRoute | undefined
    if (
      route !== undefined &&
      prefix !== this.globalPrefix &&
      isAddressPrefix(this.globalPrefix, prefix) &&
      !(isAddressPrefix(this.ownAddress, prefix) && route.path.length === 0)
    ) {
      forwarding = { nextHop: route.nextHop, path: [this.ownAddress, ...route.path], auth: sha256(route.auth ?? ZERO_AUTH) }
    }
    this.forwardingTable.set(prefix, forwarding)
  }

  private fulfill(): IlpReply {
    return { type: IlpPacketType.Fulfill, ...ccpFulfill() }
  }

  private reject(code: string, message: string): CcpHandled {
    return { reply: reject(code, this.ownAddress, message), send: [], refused: [] }
  }
}

function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest())
}
