import { ConfigChecker } from '@stack/channel-core'
import type { ConnectorNode as CoreNode, NodePeer, RateBackend } from '@stack/ilp-connector'
import { MAX_UINT64 } from '@stack/ilp-core'
import { checkPeer, checkPeerListener, checkRates, checkRatesCover, checkRoute, InvalidConfigError, type ConnectorConfig, type PeerEntry, type RatesConfig } from '../config.js'
import type { PeerLinks } from './peer-links.js'

/**
 * The admin API's writes to a running node: each body is checked by the configuration file's
 * own checks (config.ts: a peer is a `peers[]` entry, a route a `routes[]` entry, rates the
 * `rates` section), and each change applies to the next packet, without a restart. They are not
 * written back to the configuration file: a restart starts from the file again.
 */

/** A change that cannot be made to the node as it is (409: an id in use, 404: no such peer or route). */
export class AdminConflictError extends Error {
  override readonly name = 'AdminConflictError'
  constructor(readonly status: 404 | 409, message: string) {
    super(message)
  }
}

/** A peer's new link or settlement could not start (a ledger file missing, a chain unreachable): 422; the peer keeps what it had. */
export class PeerStartError extends Error {
  override readonly name = 'PeerStartError'
  constructor(readonly peerId: string, cause: unknown) {
    super(`peer ${peerId}: its new link or settlement could not start (${cause instanceof Error ? `${cause.name}: ${cause.message.split('\n', 1)[0]}` : String(cause)})`, { cause })
  }
}

/** The node's rates, replaceable while it runs (`PUT /rates`). */
export class LiveRates implements RateBackend {
  constructor(
    private backend: RateBackend,
    public config: RatesConfig,
    private readonly stopBackend: (backend: RateBackend) => void,
  ) {}

  rate(sourceCode: string, destCode: string): ReturnType<RateBackend['rate']> {
    return this.backend.rate(sourceCode, destCode)
  }

  replace(backend: RateBackend, config: RatesConfig): void {
    const old = this.backend
    this.backend = backend
    this.config = config
    this.stopBackend(old)
  }

  stop(): void {
    this.stopBackend(this.backend)
  }

  /** A backend made for a replacement that was refused. */
  discard(backend: RateBackend): void {
    this.stopBackend(backend)
  }
}

export interface LiveChangesOptions {
  node: CoreNode
  peerLinks: PeerLinks
  /** Local mode's accounts (local-mode.ts): their names are taken. */
  local?: { has(id: string): boolean }
  config: ConnectorConfig
  rates: LiveRates
  /** Makes (and starts) a rate backend from a checked `rates` section. */
  createRates: (config: RatesConfig) => Promise<RateBackend>
  /** Relative paths in a peer's settlement are this directory's (the configuration file's). */
  configDir?: string
  /** This instance's id when it is one of a cluster's (config-cluster.ts): peers, routes and rates are then the file's only. */
  cluster?: string
}

/** Throws the checker's issues as one InvalidConfigError (HTTP 400), like a bad file would. */
function checked<T>(c: ConfigChecker, value: T | undefined): T {
  if (c.issues.length > 0 || value === undefined) throw new InvalidConfigError(c.issues)
  return value
}

export class LiveChanges {
  constructor(private readonly options: LiveChangesOptions) {}

  /** `POST /peers`: a `peers[]` entry. */
  async addPeer(raw: unknown): Promise<PeerEntry> {
    this.#notInCluster()
    const entry = this.#peer(raw, 'peer')
    if (this.options.peerLinks.entry(entry.id) !== undefined) throw new AdminConflictError(409, `peer ${entry.id} exists already (PUT /peers/${entry.id} changes it)`)
    if (this.options.local?.has(entry.id) === true) throw new AdminConflictError(409, `peer ${entry.id} is a local-mode account (a local client logged in with that name): choose another id`)
    await this.#open(entry, (peer) => this.options.node.addPeer(peer))
    return entry
  }

  /** `PUT /peers/<id>`: the whole `peers[]` entry, its id the same. The balance stays. */
  async updatePeer(id: string, raw: unknown): Promise<PeerEntry> {
    this.#notInCluster()
    this.#known(id)
    const entry = this.#peer(raw, 'peer')
    if (entry.id !== id) throw new InvalidConfigError([{ path: 'peer.id', message: `must be "${id}", the peer in the path` }])
    // The new link and channel are made before the old ones close: if they fail, the old ones keep working.
    await this.#open(entry, (peer) => this.options.node.updatePeer(peer))
    return entry
  }

  /** `DELETE /peers/<id>`: no more packets to or from it; its static routes go with it, its balance stays. */
  async removePeer(id: string): Promise<void> {
    this.#notInCluster()
    this.#known(id)
    this.options.node.removePeer(id)
    await this.options.peerLinks.close(id)
  }

  /** `POST /routes`: a `routes[]` entry (a static route). */
  addRoute(raw: unknown): { prefix: string; peer: string } {
    this.#notInCluster()
    const c = new ConfigChecker()
    const route = checked(c, checkRoute(c, raw, 'route', new Set(this.options.peerLinks.entries().map((entry) => entry.id))))
    this.options.node.setRoute(route.prefix, route.peer)
    return route
  }

  /** `DELETE /routes/<prefix>`. */
  removeRoute(prefix: string): void {
    this.#notInCluster()
    if (!this.options.node.removeRoute(prefix)) throw new AdminConflictError(404, `no static route for "${prefix}"`)
  }

  /** `PUT /rates`: a `rates` section; the old source stops once the new one has its first rates. */
  async setRates(raw: unknown): Promise<RatesConfig> {
    this.#notInCluster()
    const c = new ConfigChecker()
    const config = checked(c, checkRates(c, raw, this.options.configDir))
    const backend = await this.options.createRates(config)
    try {
      // As at start: every peer's asset needs a rate to the node's.
      checkRatesCover({ ...this.options.config, rates: config, peers: this.options.peerLinks.entries() }, (source, dest) => backend.rate(source, dest))
    } catch (error) {
      this.options.rates.discard(backend)
      throw error
    }
    this.options.rates.replace(backend, config)
    return config
  }

  /** `POST /balances/<peer>/adjustments`: `{ amount, reason }`, journaled; positive: we owe the peer more. */
  async adjustBalance(peer: string, raw: unknown): Promise<{ balance: bigint; amount: bigint; reason: string }> {
    this.#onNode(peer)
    const c = new ConfigChecker()
    const body = c.object(raw, 'adjustment', ['amount', 'reason'])
    const amount = body === undefined ? undefined : c.amount(body.amount, 'adjustment.amount', -MAX_UINT64, MAX_UINT64)
    const reason = body === undefined ? undefined : c.string(body.reason, 'adjustment.reason')
    if (reason !== undefined && (reason.trim().length === 0 || reason.length > 500)) c.fail('adjustment.reason', 'must say why, in 1 to 500 characters')
    if (amount === 0n) c.fail('adjustment.amount', 'must not be 0')
    checked(c, amount !== undefined && reason !== undefined ? true : undefined)
    const balance = await this.options.node.connector.adjustBalance(peer, amount as bigint, reason as string)
    return { balance, amount: amount as bigint, reason: reason as string }
  }

  /** `POST /peers/<id>/settle`: pays what we owe the peer above its settleTo now. */
  async settle(peer: string): Promise<{ amount: bigint; balance: bigint }> {
    this.#onNode(peer)
    const amount = await this.options.node.connector.settleNow(peer)
    return { amount, balance: this.options.node.connector.balance(peer).balance }
  }

  /** The peer's balance limits as configured (GET /peers shows them beside the link state); none given, none shown. */
  limits(id: string): Partial<Record<'minBalance' | 'settleThreshold' | 'settleTo' | 'maxPacketAmount', bigint>> {
    const entry = this.options.peerLinks.entry(id)
    const limits: Partial<Record<'minBalance' | 'settleThreshold' | 'settleTo' | 'maxPacketAmount', bigint>> = {}
    for (const key of ['minBalance', 'settleThreshold', 'settleTo', 'maxPacketAmount'] as const) if (entry?.[key] !== undefined) limits[key] = entry[key]
    return limits
  }

  /**
   * A cluster's instances run one configuration file: a peer, route or rate changed in one
   * instance alone would route, price and settle differently from the others (and a peer added
   * here would miss the cluster's relay and settlement lock). The file changes, then each
   * instance restarts in turn. Balances (adjustments) are the shared store's: those any instance takes.
   */
  #notInCluster(): void {
    if (this.options.cluster !== undefined) {
      throw new AdminConflictError(409, `instance ${this.options.cluster} is one of a cluster: peers, routes and rates change in the configuration file every instance reads, then each instance restarts in turn`)
    }
  }

  #open(entry: PeerEntry, apply: (peer: NodePeer) => void): Promise<void> {
    return this.options.peerLinks.open(entry, apply).catch((error: unknown) => {
      throw new PeerStartError(entry.id, error)
    })
  }

  #known(id: string): void {
    if (this.options.peerLinks.entry(id) === undefined) throw new AdminConflictError(404, `no peer ${id}`)
  }

  // Any peer the node has, the file's or not: in a cluster, one another instance holds (its
  // balance is the shared store's); a local-mode account.
  #onNode(id: string): void {
    if (!this.options.node.peers().some((peer) => peer.id === id)) throw new AdminConflictError(404, `no peer ${id}`)
  }

  #peer(raw: unknown, path: string): PeerEntry {
    const c = new ConfigChecker()
    const { config } = this.options
    const entry = checkPeer(c, raw, path, config.asset, this.options.configDir)
    if (entry !== undefined) checkPeerListener(c, entry, path, config.listen)
    const peer = checked(c, entry)
    checkRatesCover({ ...config, rates: this.options.rates.config, peers: [peer] }, (source, dest) => this.options.rates.rate(source, dest))
    return peer
  }
}
