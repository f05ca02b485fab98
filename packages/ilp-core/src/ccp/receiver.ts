import { CcpMode, type CcpRoute, type CcpRouteControlRequest, type CcpRouteUpdateRequest } from './codec.js'
import type { RefusedRoute, RouteRefusal } from './route-filter.js'

/**
 * The listening side of CCP towards one peer, sans I/O: the Incoming Routing Table's
 * bookkeeping of draft RFC "Route Broadcasting Protocol" §"Epoch". It checks each
 * route update against the speaker's table id and the epoch we hold, and says what
 * to change; when updates were missed it asks for a resync with a route control.
 */

/** Before the first update we know no table: ilp-connector sends the nil UUID. */
export const NIL_ROUTING_TABLE_ID = '00000000-0000-0000-0000-000000000000'

/** What to do with the peer's routes after an update. */
export interface CcpReceiveDecision {
  /** The speaker's table changed (it restarted): drop every route learned from it first. */
  reset: boolean
  /** Withdrawn prefixes, and the refused ones: what the peer taught us for them before is stale. */
  withdrawn: string[]
  learned: CcpRoute[]
  /** New routes we do not take (see route-filter.ts). */
  refused: RefusedRoute[]
  /** The peer's routes hold until then (now + its holdDownTime). */
  expiresAt: number
  /** Updates were missed: send this route control to get them again. */
  resync?: CcpRouteControlRequest | undefined
}

export interface CcpReceiverOptions {
  /** Why a route is not taken, or undefined to take it. */
  refuse: (route: CcpRoute) => RouteRefusal | undefined
  /** Wait before re-sending a route control the peer rejected or left unanswered (ilp-connector: 30 s). */
  controlRetryInterval: number
  requestTimeout: number
}

/**
 * The first retry of a refused route control; each further one waits twice as long, up to
 * controlRetryInterval. ilp-connector refuses (F00) a control that comes before it tracks us
 * as a peer, which is usually a matter of milliseconds after the link is up.
 */
export const FIRST_CONTROL_RETRY_MS = 50

export class CcpReceiver {
  private readonly options: CcpReceiverOptions
  /** Route controls refused or unanswered in a row (the backoff's exponent). */
  private controlFailures = 0
  private routingTableId = NIL_ROUTING_TABLE_ID
  /** The epoch up to which the speaker's log is applied. */
  private epoch = 0
  private expiresAt: number | undefined
  /** A control was accepted and no update has come since: when to ask again (controlAccepted). */
  private firstUpdateBy: number | undefined
  private control: { state: 'due' | 'in-flight' | 'done'; at: number } = { state: 'due', at: -Infinity }

  constructor(options: CcpReceiverOptions) {
    this.options = options
  }

  get knownRoutingTableId(): string {
    return this.routingTableId
  }

  get knownEpoch(): number {
    return this.epoch
  }

  /** The peer accepted our route control: it is sending us its routes. */
  get inSync(): boolean {
    return this.control.state === 'done'
  }

  /** Draft §"Route Update": apply the log entries [from, to) when they follow what we hold. */
  handleUpdate(update: CcpRouteUpdateRequest, now: number): CcpReceiveDecision {
    // Any update, even one we cannot use, shows the speaker is alive.
    this.expiresAt = Math.max(this.expiresAt ?? 0, now + update.holdDownTime)
    this.firstUpdateBy = undefined
    const decision: CcpReceiveDecision = { reset: false, withdrawn: [], learned: [], refused: [], expiresAt: this.expiresAt }
    if (update.routingTableId !== this.routingTableId) {
      // Draft §"Epoch": a new table id restarts the epochs at 0.
      this.routingTableId = update.routingTableId
      this.epoch = 0
      decision.reset = true
    }
    if (update.fromEpochIndex > this.epoch) {
      decision.resync = this.requestResync(now)
      return decision
    }
    // Older than what we hold. An overlap is applied whole: each entry is the latest
    // state of its prefix up to toEpochIndex, so applying it again changes nothing.
    if (update.toEpochIndex < this.epoch) return decision
    decision.withdrawn.push(...update.withdrawnRoutes)
    for (const route of update.newRoutes) {
      const reason = this.options.refuse(route)
      if (reason === undefined) {
        decision.learned.push(route)
      } else {
        decision.refused.push({ prefix: route.prefix, reason })
        decision.withdrawn.push(route.prefix)
      }
    }
    // Refused routes are log entries read all the same: the epochs are ours, or the speaker
    // would be asked for them again and again, and would resend what we refuse.
    this.epoch = update.toEpochIndex
    return decision
  }

  /** The route control to send now, if one is due (first contact, retry, or resync). */
  nextControl(now: number): CcpRouteControlRequest | undefined {
    const { control } = this
    if (control.state === 'done' || now < control.at) return undefined
    if (control.state === 'in-flight' && now < control.at + this.options.requestTimeout) return undefined
    this.control = { state: 'in-flight', at: now }
    return this.controlRequest()
  }

  /**
   * The speaker sends its first update at once, then heartbeats. If none comes within
   * controlRetryInterval it is not sending (it went back to IDLE when its side of the link went
   * down, which over ILP over HTTP this side need not see): the wait lapses like a hold-down
   * (`expired`) and the control is sent again.
   */
  controlAccepted(now: number): void {
    if (this.control.state === 'in-flight') this.control = { state: 'done', at: 0 }
    this.controlFailures = 0
    if (this.expiresAt === undefined) this.firstUpdateBy = now + this.options.controlRetryInterval
  }

  controlFailed(now: number): void {
    const delay = Math.min(this.options.controlRetryInterval, FIRST_CONTROL_RETRY_MS * 2 ** Math.min(this.controlFailures, 30))
    this.controlFailures++
    this.control = { state: 'due', at: now + delay }
  }

  /** True (once) when the hold-down is over: the caller drops the peer's routes; we resync from 0. */
  expired(now: number): boolean {
    const until = this.expiresAt ?? this.firstUpdateBy
    if (until === undefined || now < until) return false
    this.expiresAt = this.firstUpdateBy = undefined
    this.epoch = 0
    this.control = { state: 'due', at: now }
    return true
  }

  /** The peer went away: forget its epochs; on reconnection we ask again from 0. */
  reset(now: number): void {
    this.controlFailures = 0
    this.epoch = 0
    this.expiresAt = this.firstUpdateBy = undefined
    this.control = { state: 'due', at: now }
  }

  nextDueAt(): number | undefined {
    const times: number[] = []
    if (this.expiresAt !== undefined) times.push(this.expiresAt)
    if (this.firstUpdateBy !== undefined) times.push(this.firstUpdateBy)
    if (this.control.state === 'due') times.push(this.control.at)
    if (this.control.state === 'in-flight') times.push(this.control.at + this.options.requestTimeout)
    return times.length === 0 ? undefined : Math.min(...times)
  }

  private requestResync(now: number): CcpRouteControlRequest {
    this.control = { state: 'in-flight', at: now }
    return this.controlRequest()
  }

  private controlRequest(): CcpRouteControlRequest {
    return { mode: CcpMode.Sync, lastKnownRoutingTableId: this.routingTableId, lastKnownEpoch: this.epoch, features: [] }
  }
}
