import { CcpMode, type CcpRoute, type CcpRouteControlRequest, type CcpRouteUpdateRequest } from './codec.js'
import type { ForwardingTable } from './forwarding-table.js'
import type { AdvertisePolicy, PeerRelation } from '../routing/routing-table.js'

/**
 * The speaker's side of CCP towards one peer, sans I/O (draft RFC "Route Broadcasting
 * Protocol" §"Node Finite State Machine", §"Route Update"): the peer's route control
 * puts it in IDLE or SYNC; in SYNC it is sent the forwarding table's log from the
 * epoch it knows, at most `maxEpochsPerUpdate` epochs at a time, and an empty update
 * every `broadcastInterval` as a heartbeat that renews its hold-down.
 */

export interface CcpSenderOptions {
  peerId: string
  relation: PeerRelation
  ownAddress: string
  table: ForwardingTable
  /** The relation of a next hop; undefined for a peer we no longer know. */
  relationOf: (peerId: string) => PeerRelation | undefined
  advertise: AdvertisePolicy
  /** Milliseconds the peer keeps our routes without hearing from us (sent as holdDownTime). */
  holdDownTime: number
  broadcastInterval: number
  /** How long an update may go unanswered before the next is sent anyway. */
  requestTimeout: number
  maxEpochsPerUpdate: number
  /** Least time between two updates (ilp-connector: 150 ms). */
  minUpdateInterval: number
}

export class CcpSender {
  private readonly options: CcpSenderOptions
  private mode = CcpMode.Idle
  /** The next epoch the peer needs from us. */
  private lastKnownEpoch = 0
  /** The epochs the peer has confirmed holding: by its route control, or by accepting an update. */
  private ackedEpoch = 0
  private lastSentAt = -Infinity
  /**
   * The update awaiting its reply, if any. Replies are matched to it by identity: after a route
   * control, a reply to an update sent before it may come back, covering other epochs.
   */
  private inFlight: { update: CcpRouteUpdateRequest; sentAt: number } | undefined
  /** The last update failed: wait a whole interval before trying again, not hammer the peer. */
  private failed = false

  constructor(options: CcpSenderOptions) {
    this.options = options
  }

  get syncing(): boolean {
    return this.mode === CcpMode.Sync
  }

  get peerEpoch(): number {
    return this.lastKnownEpoch
  }

  /** The peer asked for our routes and has confirmed every epoch of our table (a heartbeat in flight carries none). */
  get inSync(): boolean {
    return this.mode === CcpMode.Sync && this.ackedEpoch === this.options.table.currentEpoch
  }

  /** The peer's route control (draft §"Route Control"); its features are ignored. */
  handleControl(request: CcpRouteControlRequest): void {
    const { table } = this.options
    this.mode = request.mode
    // A peer that knows another table (we restarted) or claims epochs we never wrote starts over.
    const known = request.lastKnownRoutingTableId === table.routingTableId && request.lastKnownEpoch <= table.currentEpoch
    this.lastKnownEpoch = this.ackedEpoch = known ? request.lastKnownEpoch : 0
    this.inFlight = undefined
    this.lastSentAt = -Infinity
    this.failed = false
  }

  /** Back to IDLE: the peer went away. */
  reset(): void {
    this.mode = CcpMode.Idle
    this.lastKnownEpoch = this.ackedEpoch = 0
    this.inFlight = undefined
    this.lastSentAt = -Infinity
    this.failed = false
  }

  /**
   * The update to send now, if one is due: the peer is behind (and the last update is
   * `minUpdateInterval` old) or the heartbeat is due, and no update awaits its reply.
   * Assumes the peer will take it (as ilp-connector does); `updateFailed` undoes that.
   */
  nextUpdate(now: number): CcpRouteUpdateRequest | undefined {
    const o = this.options
    if (this.mode !== CcpMode.Sync) return undefined
    if (this.inFlight !== undefined && now - this.inFlight.sentAt < o.requestTimeout) return undefined
    if (now < this.dueAt()) return undefined

    const fromEpoch = this.lastKnownEpoch
    const entries = o.table.entries(fromEpoch, fromEpoch + o.maxEpochsPerUpdate)
    const toEpoch = fromEpoch + entries.length
    const newRoutes: CcpRoute[] = []
    const withdrawnRoutes: string[] = []
    for (const entry of entries) {
      if (entry === null) continue
      const { route } = entry
      if (route !== undefined && this.mayAdvertise(route.nextHop)) {
        newRoutes.push({ prefix: entry.prefix, path: [...route.path], auth: route.auth, props: [] })
      } else {
        withdrawnRoutes.push(entry.prefix)
      }
    }
    const update: CcpRouteUpdateRequest = {
      routingTableId: o.table.routingTableId,
      currentEpochIndex: o.table.currentEpoch,
      fromEpochIndex: fromEpoch,
      toEpochIndex: toEpoch,
      holdDownTime: o.holdDownTime,
      speaker: o.ownAddress,
      newRoutes,
      withdrawnRoutes,
    }
    this.lastKnownEpoch = toEpoch
    this.lastSentAt = now
    this.inFlight = { update, sentAt: now }
    this.failed = false
    return update
  }

  /** The peer fulfilled `update` (the object nextUpdate returned). */
  updateAccepted(update: CcpRouteUpdateRequest): void {
    if (this.inFlight?.update !== update) return
    this.inFlight = undefined
    this.ackedEpoch = update.toEpochIndex
  }

  /** The peer rejected `update`, or it timed out: send those epochs again. */
  updateFailed(update: CcpRouteUpdateRequest): void {
    if (this.inFlight?.update !== update) return
    if (this.lastKnownEpoch === update.toEpochIndex) this.lastKnownEpoch = update.fromEpochIndex
    this.inFlight = undefined
    this.failed = true
  }

  /** When nextUpdate could next return an update, or undefined in IDLE. */
  nextDueAt(): number | undefined {
    const o = this.options
    if (this.mode !== CcpMode.Sync) return undefined
    if (this.inFlight !== undefined) return this.inFlight.sentAt + o.requestTimeout
    return this.dueAt()
  }

  private dueAt(): number {
    const o = this.options
    const behind = this.lastKnownEpoch < o.table.currentEpoch && !this.failed
    return this.lastSentAt + (behind ? o.minUpdateInterval : o.broadcastInterval)
  }

  /**
   * A route is withdrawn towards its own next hop (it would echo back the peer's own
   * route, as ilp-connector also refuses to) and towards whom the policy withholds it from.
   */
  private mayAdvertise(nextHop: string): boolean {
    const o = this.options
    if (nextHop === o.peerId) return false
    const learnedFrom = nextHop === '' ? 'local' : (o.relationOf(nextHop) ?? 'peer')
    return o.advertise(learnedFrom, o.relation)
  }
}
