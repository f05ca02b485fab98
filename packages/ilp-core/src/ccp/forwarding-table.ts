import { randomUUID } from 'node:crypto'

/**
 * The Forwarding Routing Table of the draft RFC "Route Broadcasting Protocol"
 * (§"Types of Routing Table", §"Epoch"): the routes this node advertises, with
 * itself already at the head of each path, and the log of changes by epoch that
 * route updates are cut from.
 */

export interface ForwardingRoute {
  /** Our peer id the route goes through ('' for routes we originate). */
  nextHop: string
  /** Starts with our own address (draft §"Route Update": the speaker adds itself first). */
  path: readonly string[]
  auth: Uint8Array
}

/** One log entry: `route` set is an announcement, unset a withdrawal. */
export interface ForwardingUpdate {
  prefix: string
  epoch: number
  route?: ForwardingRoute | undefined
}

export class ForwardingTable {
  /** Draft §"Routing Table ID": a UUID v4 given when the table is created. */
  readonly routingTableId: string
  private readonly routes = new Map<string, ForwardingUpdate>()
  /**
   * Entry i is what changed at epoch i. An entry superseded by a later change of the
   * same prefix is cleared (as ilp-connector does): a peer catching up from an old
   * epoch only needs the latest state of each prefix, and the later entry carries it.
   */
  private readonly log: (ForwardingUpdate | null)[] = []

  constructor(routingTableId: string = randomUUID()) {
    this.routingTableId = routingTableId
  }

  /** The next epoch to be written; a peer that knows this many epochs is up to date. */
  get currentEpoch(): number {
    return this.log.length
  }

  get(prefix: string): ForwardingRoute | undefined {
    return this.routes.get(prefix)?.route
  }

  /** The prefixes currently advertised. */
  *prefixes(): IterableIterator<string> {
    for (const [prefix, update] of this.routes) if (update.route !== undefined) yield prefix
  }

  /** Sets (or, with undefined, withdraws) the route for `prefix`; logs a new epoch if anything changed. */
  set(prefix: string, route: ForwardingRoute | undefined): boolean {
    const current = this.routes.get(prefix)
    if (current === undefined ? route === undefined : sameRoute(current.route, route)) return false
    if (current !== undefined) this.log[current.epoch] = null
    const update: ForwardingUpdate = { prefix, epoch: this.log.length, route }
    this.log.push(update)
    // A withdrawal stays in the map too, so that the next announcement clears its entry.
    this.routes.set(prefix, update)
    return true
  }

  /** Log entries [from, to), cleared ones as null. */
  entries(from: number, to: number): readonly (ForwardingUpdate | null)[] {
    return this.log.slice(from, to)
  }
}

function sameRoute(a: ForwardingRoute | undefined, b: ForwardingRoute | undefined): boolean {
  if (a === undefined || b === undefined) return a === b
  return a.nextHop === b.nextHop && a.path.length === b.path.length && a.path.every((hop, i) => hop === b.path[i])
}
