import { createHmac } from 'node:crypto'
import { HttpLink, IlpHttpServer, tokenAuthenticator } from '@stack/channel-http'
import { decodePrepare, IlpPacketType } from '@stack/ilp-core'
import type { Connector, NodePeer } from '@stack/ilp-connector'
import type { Logger } from 'pino'
import { leasedChannel, type SettlementLease } from './cluster-lease.js'
import { clusterListen, type ClusterConfig } from './config-cluster.js'
import type { PeerEntry } from './config.js'

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
 */
export class ClusterLinks {
  readonly #config: ClusterConfig
  readonly #server: IlpHttpServer
  readonly #links: HttpLink[] = []
  readonly #lease: SettlementLease | undefined

  /** `lease`: the shared store's settlement locks (cluster-lease.ts). */
  constructor(config: ClusterConfig, logger: Logger, lease?: SettlementLease) {
    this.#config = config
    this.#lease = lease
    const here = Object.entries(config.attach).filter(([, instance]) => instance === config.instance)
    const listen = clusterListen(config)
    this.#server = new IlpHttpServer({
      ...listen,
      accounts: tokenAuthenticator(Object.fromEntries(here.map(([peer]) => [peer, relayToken(config.token, peer)]))),
      acceptBody: (body) => (body[0] === IlpPacketType.Prepare ? undefined : 'an ILP Prepare is relayed, nothing else'),
      logger: { warn: (message, context) => logger.warn({ ...context, component: 'cluster' }, message) },
    })
  }

  /** Whether the peer's socket is this instance's (a peer of no `attach` entry, an HTTP one, is every instance's). */
  holds(peerId: string): boolean {
    const at = this.#config.attach[peerId]
    return at === undefined || at === this.#config.instance
  }

  /** The instance that holds the peer's socket; undefined for an HTTP peer. */
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
    const relay = new HttpLink({ url: this.#config.instances[this.#config.instance] as string, token: '' })
    relay.setRequestHandler((bytes, { signal }) => {
      const timeoutMs = Math.max(1, decodePrepare(bytes).expiresAt.getTime() - Date.now())
      return peer.link.request(bytes, { timeoutMs, ...(signal === undefined ? {} : { signal }) })
    })
    this.#server.attach(peer.id, relay)
    this.#links.push(relay)
  }

  /**
   * A configured peer as this instance runs it: `open`'s (PeerLinks) if its socket is here —
   * then relayed for the others if it is a BTP peer, its channel paying only under the peer's
   * settlement lock — else reached through its instance. CCP only with the BTP peers held
   * here: an HTTP peer's messages would land on any instance.
   */
  async open(entry: PeerEntry, open: (entry: PeerEntry) => Promise<NodePeer>): Promise<NodePeer> {
    if (!this.holds(entry.id)) return this.#remotePeer(entry)
    const peer = await open(entry)
    if (entry.transport.kind === 'http') return { ...peer, sendRoutes: false, receiveRoutes: false }
    this.#relay(peer)
    if (peer.channel === undefined || this.#lease === undefined) return peer
    return { ...peer, channel: leasedChannel(peer.channel, peer.id, this.#lease) }
  }

  /**
   * A peer attached to another instance, as this instance sees it: its link is the internal one
   * to that instance. No payment channel here (the holder settles), and no CCP (the holder
   * speaks it: a peer sees one speaker).
   */
  #remotePeer(entry: PeerEntry): NodePeer {
    const at = this.#config.attach[entry.id] as string
    const link = new HttpLink({ url: `${this.#config.instances[at]?.replace(/\/$/, '')}/ilp`, token: relayToken(this.#config.token, entry.id) })
    this.#links.push(link)
    return {
      id: entry.id,
      relation: entry.relation,
      asset: entry.asset,
      link,
      dial: true,
      sendRoutes: false,
      receiveRoutes: false,
      ...(entry.maxPacketAmount === undefined ? {} : { maxPacketAmount: entry.maxPacketAmount }),
      ...(entry.rateLimit === undefined ? {} : { rateLimit: entry.rateLimit }),
      ...(entry.minBalance === undefined ? {} : { minBalance: entry.minBalance }),
    }
  }

  /**
   * Any instance commits packets to a peer, but only the holder has its payment channel, so it
   * looks at the peer's shared balance every `intervalMs`, not only after its own commits
   * (RFC 0032 §"Settlement Threshold"). Returns the stop.
   */
  settleHeld(connector: Connector, peers: readonly NodePeer[], intervalMs: number): () => void {
    const settling = peers.filter((peer) => peer.channel !== undefined && peer.settleThreshold !== undefined && this.holds(peer.id))
    if (settling.length === 0) return () => undefined
    const timer = setInterval(() => {
      for (const peer of settling) void connector.settle(peer.id)
    }, intervalMs)
    timer.unref()
    return () => clearInterval(timer)
  }

  async close(): Promise<void> {
    await this.#lease?.close()
    await this.#server.close()
    for (const link of this.#links.splice(0)) await link.close()
  }
}

/** The internal listener's token for one peer's account. */
function relayToken(secret: string, peerId: string): string {
  return createHmac('sha256', secret).update(`relay:${peerId}`).digest('hex')
}
