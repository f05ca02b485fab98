import { createHmac } from 'node:crypto'
import { HttpLink, IlpHttpServer, tokenAuthenticator } from '@stack/channel-http'
import { decodePrepare, IlpPacketType } from '@stack/ilp-core'
import type { ConnectorNode, NodePeer } from '@stack/ilp-connector'
import type { Logger } from 'pino'
import { isLeased, leasedChannel } from './cluster-lease.js'
import { relayToOwner } from './cluster-owner-relay.js'
import { settleLoop, type RecoveringLease } from './cluster-recovery.js'
import type { HttpSettleLink } from './http-settle.js'
import { RouteMirror, routesHandler } from './cluster-routes.js'
import { clusterListen, type ClusterConfig } from './config-cluster.js'
import type { PeerEntry } from './config.js'

// The account the other instances ask for our routes with: no peer's id (ids have no colon).
const ROUTES_ACCOUNT = ':routes'

/**
 * The internal link of a cluster (config-cluster.ts): how an instance reaches a BTP peer whose
 * socket another instance holds.
 *
 * The sending instance does all the work of a hop — balance holds in the shared store, expiry,
 * fulfillment check — and its link to the peer is an ILP-over-HTTP link (RFC 0035) to the
 * holding instance's internal listener. That instance writes the Prepare's bytes to the peer's
 * socket and answers the peer's reply; it books nothing, so each packet is booked once, by the
 * instance that took it from its source. Each peer is a separate account of the listener, with
 * its own token: HMAC-SHA256(cluster.token, peer id), which only instances can make.
 *
 * An HTTP peer that speaks CCP or settles has an owner instance (`attach`) too, the one CCP
 * speaker and the one with its payment channel: the peer's `peer.route.*` and `peer.settle`
 * Prepares landing on another instance come to the owner's listener as that peer's account,
 * and are answered as if the peer had sent them there (cluster-owner-relay.ts).
 */
export class ClusterLinks {
  readonly #config: ClusterConfig
  readonly #server: IlpHttpServer
  readonly #links: HttpLink[] = []
  readonly #lease: RecoveringLease | undefined
  readonly #routes: HttpLink
  readonly #mirrors: RouteMirror[] = []
  #stopSettling: (() => void) | undefined

  readonly #address: string

  /** `address`: the node's (its Rejects'); `lease`: the shared store's settlement locks, recovering what a crashed holder left (cluster-recovery.ts). */
  constructor(config: ClusterConfig, address: string, logger: Logger, lease?: RecoveringLease) {
    this.#config = config
    this.#address = address
    this.#lease = lease
    const here = Object.entries(config.attach).filter(([, instance]) => instance === config.instance)
    const listen = clusterListen(config)
    const accounts = Object.fromEntries(here.map(([peer]) => [peer, relayToken(config.token, peer)]))
    this.#server = new IlpHttpServer({
      ...listen,
      accounts: tokenAuthenticator({ ...accounts, [ROUTES_ACCOUNT]: routesToken(config.token) }),
      acceptBody: (body) => (body[0] === IlpPacketType.Prepare ? undefined : 'an ILP Prepare is relayed, nothing else'),
      logger: { warn: (message, context) => logger.warn({ ...context, component: 'cluster' }, message) },
    })
    this.#routes = this.#inbound()
    this.#server.attach(ROUTES_ACCOUNT, this.#routes)
  }

  /** Whether the peer is this instance's: its socket, or its CCP and channel (an HTTP peer of no `attach` entry is every instance's). */
  holds(peerId: string): boolean {
    const at = this.#config.attach[peerId]
    return at === undefined || at === this.#config.instance
  }

  /** The instance that holds the peer's socket, or an HTTP peer's owner; undefined for an HTTP peer of none. */
  attachedTo(peerId: string): string | undefined {
    return this.#config.attach[peerId]
  }

  async listen(): Promise<number> {
    return this.#server.listen()
  }

  /**
   * Relays the other instances' Prepares for `peer` (attached here) to its link, within each
   * Prepare's expiry. The relay link is never dialed: the listener brings it up at the first
   * authenticated request (its URL is ours, unused).
   */
  #relay(peer: NodePeer): void {
    const relay = this.#inbound()
    relay.setRequestHandler((bytes, { signal }) => {
      const timeoutMs = Math.max(1, decodePrepare(bytes).expiresAt.getTime() - Date.now())
      return peer.link.request(bytes, { timeoutMs, ...(signal === undefined ? {} : { signal }) })
    })
    this.#server.attach(peer.id, relay)
  }

  // A link the listener's requests come in on; never dialed (its URL is ours, unused).
  #inbound(): HttpLink {
    const link = new HttpLink({ url: this.#config.instances[this.#config.instance] as string, token: '' })
    this.#links.push(link)
    return link
  }

  /**
   * A configured peer as this instance runs it: `open`'s (PeerLinks) if it is this instance's —
   * then a BTP one relayed for the others, an HTTP one answering the CCP and channel messages
   * the others relay for it, and its channel paying only under the peer's settlement lock. A BTP
   * peer held elsewhere is reached through its instance; an HTTP peer owned elsewhere is POSTed
   * to from here, its CCP and channel messages sent on to the owner: no channel of it is opened
   * here (issue #20: one instance settles a peer).
   */
  async open(entry: PeerEntry, open: (entry: PeerEntry) => Promise<NodePeer>): Promise<NodePeer> {
    const http = entry.transport.kind === 'http'
    const owner = this.attachedTo(entry.id)
    if (!http && !this.holds(entry.id)) return this.#remotePeer(entry)
    if (http && owner !== undefined && owner !== this.#config.instance) {
      const peer = await open(withoutSettlement(entry))
      const toOwner = this.#internalLink(owner, entry.id)
      return { ...peer, link: relayToOwner((peer.link as HttpSettleLink).http, toOwner, this.#address), sendRoutes: false, receiveRoutes: false }
    }
    const peer = await open(entry)
    if (http && owner === undefined) return { ...peer, sendRoutes: false, receiveRoutes: false }
    // The owner's listener takes the peer's relayed requests as if the peer had POSTed them here.
    if (http) this.#server.attach(peer.id, (peer.link as HttpSettleLink).http)
    else this.#relay(peer)
    if (peer.channel === undefined || this.#lease === undefined) return peer
    return { ...peer, channel: leasedChannel(peer.channel, peer.id, this.#lease) }
  }

  /** The internal link to `instance`'s listener, as the account of one of its peers. */
  #internalLink(instance: string, peerId: string): HttpLink {
    const link = new HttpLink({ url: `${this.#config.instances[instance]?.replace(/\/$/, '')}/ilp`, token: relayToken(this.#config.token, peerId) })
    this.#links.push(link)
    return link
  }

  /**
   * A peer attached to another instance, as this instance sees it: its link is the internal one
   * to that instance. No payment channel here (the holder settles), and no CCP (the holder
   * speaks it: a peer sees one speaker).
   */
  #remotePeer(entry: PeerEntry): NodePeer {
    return {
      id: entry.id,
      relation: entry.relation,
      asset: entry.asset,
      link: this.#internalLink(this.#config.attach[entry.id] as string, entry.id),
      dial: true,
      sendRoutes: false,
      receiveRoutes: false,
      ...(entry.maxPacketAmount === undefined ? {} : { maxPacketAmount: entry.maxPacketAmount }),
      ...(entry.rateLimit === undefined ? {} : { rateLimit: entry.rateLimit }),
      ...(entry.minBalance === undefined ? {} : { minBalance: entry.minBalance }),
    }
  }

  /**
   * Once the node runs: (1) any instance commits packets to a peer, but only the holder has its
   * payment channel, so it takes the peer's settlement lock (recovering what a crashed holder
   * left, before paying anything) and looks at its peers' shared balances every
   * `settleIntervalMs`, not only after its own commits (RFC 0032 §"Settlement Threshold");
   * (2) the routes CCP taught this instance through its peers go to the other instances, and
   * theirs come here (cluster-routes.ts), every `routesIntervalMs`.
   */
  run(node: ConnectorNode, peers: readonly NodePeer[]): void {
    const settling = peers.flatMap(({ id, channel, settleThreshold }) =>
      channel === undefined || !this.holds(id) ? [] : [{ id, channel, settles: settleThreshold !== undefined, leased: isLeased(channel), reconcile: () => node.connector.reconcile(id) }],
    )
    if (settling.length > 0) this.#stopSettling = settleLoop(settling, (id) => void node.connector.settle(id), this.#config.settleIntervalMs ?? 1_000, this.#lease)
    const mine = (peerId: string): boolean => this.#config.attach[peerId] === this.#config.instance
    this.#routes.setRequestHandler(routesHandler(node.routingTable, mine))
    for (const [id, url] of Object.entries(this.#config.instances)) {
      if (id === this.#config.instance) continue
      const mirror = new RouteMirror(`${url.replace(/\/$/, '')}/ilp`, routesToken(this.#config.token), (peerId) => this.#config.attach[peerId] === id, node)
      mirror.start(this.#config.routesIntervalMs ?? 1_000)
      this.#mirrors.push(mirror)
    }
  }

  async close(): Promise<void> {
    this.#stopSettling?.()
    for (const mirror of this.#mirrors.splice(0)) await mirror.stop()
    await this.#lease?.close()
    await this.#server.close()
    for (const link of this.#links.splice(0)) await link.close()
  }
}

/** The peer as an instance that does not settle it opens it: no channel, nothing due. */
function withoutSettlement(entry: PeerEntry): PeerEntry {
  const copy = { ...entry }
  delete copy.settlement
  delete copy.settleThreshold
  delete copy.settleTo
  return copy
}

/** The internal listener's token for one peer's account. */
function relayToken(secret: string, peerId: string): string {
  return createHmac('sha256', secret).update(`relay:${peerId}`).digest('hex')
}

/** …and for the account the other instances ask for routes with. */
function routesToken(secret: string): string {
  return createHmac('sha256', secret).update('routes').digest('hex')
}
