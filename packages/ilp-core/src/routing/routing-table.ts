import { ALLOCATION_SCHEMES, assertAddress, isAddressPrefix, isValidAddress, parentAddress } from '../address.js'

/**
 * The connector's routing table (RFC 0015 §"Routing", draft RFC "Route Broadcasting
 * Protocol" §"Routing Table"): prefix → next-hop peer, from static configuration and
 * from routes learned over CCP, with longest-prefix match per address segment.
 *
 * A static route to an address prefix is the operator's word for everything under it:
 * a learned route for that prefix or a longer one under it is not used (as interledger-rs
 * does; ilp-connector takes the longer learned one). Addresses are allocated down the tree,
 * so the holder of `g.bank` serves `g.bank.vault` too: a longer learned prefix under it is
 * at best a detour, at worst a peer taking that traffic. The default route ('') and a
 * scheme route (`g`) say nothing about who holds what: learned routes refine them.
 */

/** How a peer stands to us: it is our parent (provider), our peer, or our child (customer). */
export type PeerRelation = 'parent' | 'peer' | 'child'

export interface Route {
  /** '' is the default route; otherwise a scheme (`g`) or an address prefix (`g.a.b`). */
  readonly prefix: string
  /** The peer id a packet for this prefix is handed to; '' for our own address (no peer: F02 here). */
  readonly nextHop: string
  /** Connectors on the way, next hop first ([] for a static route). */
  readonly path: readonly string[]
  readonly source: 'static' | 'learned'
  /** 32 bytes (learned routes; static ones when configured). */
  readonly auth?: Uint8Array | undefined
  /** Learned routes: the time (ms) after which the route lapses unless refreshed. */
  readonly expiresAt?: number | undefined
}

export interface StaticRouteOptions {
  path?: readonly string[]
  auth?: Uint8Array
}

export interface LearnedRoute {
  path: readonly string[]
  auth: Uint8Array
  expiresAt: number
}

interface MutableRoute {
  prefix: string
  nextHop: string
  path: readonly string[]
  source: 'static' | 'learned'
  auth?: Uint8Array | undefined
  expiresAt?: number | undefined
}

interface Candidates {
  static?: MutableRoute
  learned: Map<string, MutableRoute>
}

// The relation a learned route's next hop has ranks it: a customer's route is the
// one a connector is paid to use, a provider's the one it pays for (ilp-connector's
// getRelationPriority: child > peer > parent).
const RELATION_RANK: Record<PeerRelation, number> = { child: 2, peer: 1, parent: 0 }
const SCHEMES: ReadonlySet<string> = new Set(ALLOCATION_SCHEMES)

/**
 * Which routes a connector tells whom (the valley-free / Gao–Rexford export rule the
 * draft leaves to implementations): a route whose next hop is a child, or one we
 * originate (`'local'`), goes to everyone; a route through a peer or a parent goes
 * to children only, so we never carry traffic between two peers or providers for free.
 * ilp-connector applies only half of this (it withholds peer and parent routes from
 * parents, not from peers); pass {@link advertiseLikeIlpConnector} to match it.
 */
export type AdvertisePolicy = (learnedFrom: PeerRelation | 'local', to: PeerRelation) => boolean

export const advertiseValleyFree: AdvertisePolicy = (learnedFrom, to) =>
  to === 'child' || learnedFrom === 'child' || learnedFrom === 'local'

export const advertiseLikeIlpConnector: AdvertisePolicy = (learnedFrom, to) =>
  to !== 'parent' || learnedFrom === 'child' || learnedFrom === 'local'

/** '' (default), a bare allocation scheme, or a valid address. */
export function isRoutePrefix(prefix: string): boolean {
  return prefix === '' || SCHEMES.has(prefix) || isValidAddress(prefix)
}

export class RoutingTable {
  /** The route in force per prefix: what lookup() reads, one Map get per segment. */
  private readonly best = new Map<string, MutableRoute>()
  private readonly candidates = new Map<string, Candidates>()
  private readonly relations = new Map<string, PeerRelation>()
  /** Prefixes each peer has taught us, to withdraw or refresh them all at once. */
  private readonly learnedBy = new Map<string, Set<string>>()
  /** Most segments of any prefix in the table: lookup starts no deeper than this. */
  private depth = 0
  private nextExpiry = Infinity

  setRelation(peerId: string, relation: PeerRelation): string[] {
    this.relations.set(peerId, relation)
    return this.reselect(this.learnedBy.get(peerId) ?? [])
  }

  relationOf(peerId: string): PeerRelation | undefined {
    return this.relations.get(peerId)
  }

  /**
   * Longest-prefix match (RFC 0015 §"Routing"): per segment, so `g.a` matches
   * `g.a.b` but not `g.ab`; the '' route, if any, matches everything. Per packet.
   */
  lookup(destination: string): Route | undefined {
    const best = this.best
    let key = destination
    let segments = 1
    for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) === 0x2e) segments++
    // Skip the segments no prefix is that long for: STREAM addresses end in a long token.
    while (segments > this.depth) {
      const dot = key.lastIndexOf('.')
      if (dot === -1) return best.get('')
      key = key.slice(0, dot)
      segments--
    }
    for (;;) {
      const route = best.get(key)
      if (route !== undefined) return route
      const dot = key.lastIndexOf('.')
      if (dot === -1) return best.get('')
      key = key.slice(0, dot)
    }
  }

  /** The route in force for exactly `prefix`. */
  get(prefix: string): Route | undefined {
    return this.best.get(prefix)
  }

  /** Every route in force, one per prefix. */
  routes(): IterableIterator<Route> {
    return this.best.values()
  }

  /** Every route known for `prefix`, in force or not. */
  candidatesFor(prefix: string): Route[] {
    const entry = this.candidates.get(prefix)
    if (entry === undefined) return []
    return [...(entry.static ? [entry.static] : []), ...entry.learned.values()]
  }

  /**
   * Configured routes win over learned ones, for their prefix and (for an address prefix)
   * every prefix under it. Returns the prefixes whose route in force changed.
   */
  setStatic(prefix: string, nextHop: string, options: StaticRouteOptions = {}): string[] {
    if (!isRoutePrefix(prefix)) assertAddress(prefix, 'prefix')
    this.entry(prefix).static = { prefix, nextHop, path: options.path ?? [], source: 'static', auth: options.auth }
    return this.reselectFrom(prefix)
  }

  /** The default route: the '' prefix. */
  setDefault(nextHop: string): string[] {
    return this.setStatic('', nextHop)
  }

  removeStatic(prefix: string): string[] {
    const entry = this.candidates.get(prefix)
    if (entry?.static === undefined) return []
    delete entry.static
    return this.reselectFrom(prefix)
  }

  /** The static route for `prefix` or the nearest address prefix above it, if any (not '' or a scheme). */
  staticCover(prefix: string): Route | undefined {
    for (let p: string | undefined = prefix; p !== undefined && p.includes('.'); p = parentAddress(p)) {
      const route = this.candidates.get(p)?.static
      if (route !== undefined) return route
    }
    return undefined
  }

  /** A route `peerId` advertised (over CCP). Returns whether the route in force changed. */
  learn(peerId: string, prefix: string, route: LearnedRoute): boolean {
    if (!isRoutePrefix(prefix)) assertAddress(prefix, 'prefix')
    this.entry(prefix).learned.set(peerId, { prefix, nextHop: peerId, source: 'learned', ...route })
    let prefixes = this.learnedBy.get(peerId)
    if (prefixes === undefined) this.learnedBy.set(peerId, (prefixes = new Set()))
    prefixes.add(prefix)
    if (route.expiresAt < this.nextExpiry) this.nextExpiry = route.expiresAt
    return this.select(prefix)
  }

  /** `peerId` withdrew `prefix`. Returns whether the route in force changed. */
  unlearn(peerId: string, prefix: string): boolean {
    const entry = this.candidates.get(prefix)
    if (entry === undefined || !entry.learned.delete(peerId)) return false
    this.learnedBy.get(peerId)?.delete(prefix)
    return this.select(prefix)
  }

  /** Withdraws every route learned from `peerId` (it went away); returns the prefixes whose route changed. */
  forget(peerId: string): string[] {
    const prefixes = [...(this.learnedBy.get(peerId) ?? [])]
    this.learnedBy.delete(peerId)
    for (const prefix of prefixes) this.candidates.get(prefix)?.learned.delete(peerId)
    return this.reselect(prefixes)
  }

  /** Moves the expiry of every route learned from `peerId` (a CCP update is its heartbeat). */
  refresh(peerId: string, expiresAt: number): void {
    for (const prefix of this.learnedBy.get(peerId) ?? []) {
      const route = this.candidates.get(prefix)?.learned.get(peerId)
      if (route !== undefined) route.expiresAt = expiresAt
    }
    if (expiresAt < this.nextExpiry) this.nextExpiry = expiresAt
  }

  /** Drops learned routes whose hold-down time is over; returns the prefixes whose route changed. */
  expire(now: number): string[] {
    if (now < this.nextExpiry) return []
    let next = Infinity
    const lapsed: [string, string][] = []
    for (const [peerId, prefixes] of this.learnedBy) {
      for (const prefix of prefixes) {
        const expiresAt = this.candidates.get(prefix)?.learned.get(peerId)?.expiresAt ?? Infinity
        if (expiresAt <= now) lapsed.push([peerId, prefix])
        else if (expiresAt < next) next = expiresAt
      }
    }
    this.nextExpiry = next
    const changed = new Set<string>()
    for (const [peerId, prefix] of lapsed) if (this.unlearn(peerId, prefix)) changed.add(prefix)
    return [...changed]
  }

  private entry(prefix: string): Candidates {
    let entry = this.candidates.get(prefix)
    if (entry === undefined) {
      this.candidates.set(prefix, (entry = { learned: new Map() }))
      const segments = prefix === '' ? 0 : prefix.split('.').length
      if (segments > this.depth) this.depth = segments
    }
    return entry
  }

  /** `prefix` and, for an address prefix, every known prefix under it. */
  private reselectFrom(prefix: string): string[] {
    const prefixes = [prefix]
    if (prefix.includes('.')) {
      for (const other of this.candidates.keys()) if (other !== prefix && isAddressPrefix(prefix, other)) prefixes.push(other)
    }
    return this.reselect(prefixes)
  }

  private reselect(prefixes: Iterable<string>): string[] {
    const changed: string[] = []
    for (const prefix of prefixes) if (this.select(prefix)) changed.push(prefix)
    return changed
  }

  /** Picks the route in force for `prefix`; true when its next hop or path changed. */
  private select(prefix: string): boolean {
    const entry = this.candidates.get(prefix)
    let chosen: MutableRoute | undefined = entry?.static
    const parent = parentAddress(prefix)
    const shadowed = parent !== undefined && this.staticCover(parent) !== undefined
    if (chosen === undefined && entry !== undefined && !shadowed) {
      for (const route of entry.learned.values()) {
        if (chosen === undefined || this.better(route, chosen)) chosen = route
      }
    }
    const previous = this.best.get(prefix)
    if (chosen === undefined) {
      this.best.delete(prefix)
      if (entry !== undefined && entry.learned.size === 0) this.candidates.delete(prefix)
    } else {
      this.best.set(prefix, chosen)
    }
    return !sameRoute(previous, chosen)
  }

  private better(a: MutableRoute, b: MutableRoute): boolean {
    const rankA = RELATION_RANK[this.relations.get(a.nextHop) ?? 'parent']
    const rankB = RELATION_RANK[this.relations.get(b.nextHop) ?? 'parent']
    if (rankA !== rankB) return rankA > rankB
    if (a.path.length !== b.path.length) return a.path.length < b.path.length
    return a.nextHop < b.nextHop
  }
}

function sameRoute(a: MutableRoute | undefined, b: MutableRoute | undefined): boolean {
  if (a === undefined || b === undefined) return a === b
  return a.nextHop === b.nextHop && a.path.length === b.path.length && a.path.every((hop, i) => hop === b.path[i])
}
