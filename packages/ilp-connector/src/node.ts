import type { Link, LinkState } from '@stack/channel-core'
import {
  advertiseValleyFree,
  CcpNode,
  childAddress,
  ildcpFetch,
  RoutingTable,
  sendOverLink,
  type AdvertisePolicy,
  type Asset,
  type BalanceStore,
  type RouteRefusal,
} from '@stack/ilp-core'
import type BigNumber from 'bignumber.js'
import { CcpRunner } from './ccp-runner.js'
import { systemClock, type Clock } from './clock.js'
import { Connector, CONNECTOR_DEFAULTS } from './connector.js'
import { Dialer, type DialOptions } from './dialer.js'
import { type ConnectorLogger } from './logger.js'
import { checkPeerConfig, InvalidPeerConfigError, type PeerConfig } from './peer-config.js'
import type { RateBackend } from './rates/exchange-rate.js'
import { NodeEvents, packetEventsRule } from './events.js'
import { Drain } from './rules/drain.js'
import { observeRule, type PacketObservation } from './rules/observe.js'

/**
 * The one composition root of a connector: peers (each a Link, maybe a Channel), the packet
 * switch between them, CCP route exchange run on timers, ILDCP (asking a parent for our address,
 * answering children), dialing, and a graceful stop. Apps build the links, channels, balance
 * store and rates, and call this.
 */

export interface NodePeer extends Omit<PeerConfig, 'handler' | 'link'> {
  /** Packets both ways. The node dials it (see `dial`); the app closes it after stop(). */
  link: Link
  /** Connect the link at start and retry until it is up (default true; false for a link the peer dials in). */
  dial?: boolean
  /** CCP: default true for `peer` relations, false otherwise (route broadcasting draft §"Link Relations"). */
  sendRoutes?: boolean
  receiveRoutes?: boolean
}

export interface CcpOptions {
  broadcastIntervalMs?: number
  holdDownTimeMs?: number
  minUpdateIntervalMs?: number
  requestTimeoutMs?: number
  controlRetryIntervalMs?: number
  /** Default: valley-free. */
  advertise?: AdvertisePolicy
}

export interface ConnectorNodeOptions {
  /** Our ILP address; or, instead, `parent`: the id of the peer asked for it by ILDCP (RFC 0031). */
  address?: string
  parent?: string
  peers: readonly NodePeer[]
  /**
   * Static routes, on top of the children's (`<address>.<id>`) and what CCP learns. Without a
   * default route (prefix ''), one to the parent (`parent`, else the only parent) is added.
   */
  routes?: readonly { prefix: string; peer: string }[]
  rates?: RateBackend
  spread?: BigNumber.Value
  balances?: BalanceStore
  /** Default: the system clock. CCP, expiries and retries all read it. */
  clock?: Clock
  /** Default: console. */
  logger?: ConnectorLogger
  /** Defaults: CONNECTOR_DEFAULTS. */
  packets?: { minMessageWindowMs?: number; maxHoldTimeMs?: number }
  ccp?: CcpOptions
  dial?: DialOptions
  /** Longest stop() waits for Prepares in flight. Default: maxHoldTimeMs + 5 000 ms. */
  shutdownTimeoutMs?: number
  /** Every Prepare from a peer, once answered (latency metrics). */
  onPacket?: (observation: PacketObservation) => void
  /** A route of a peer's CCP update that was not taken (logged already). */
  onRouteRefused?: (peerId: string, reason: RouteRefusal) => void
}

export interface NodePeerStatus {
  id: string
  relation: NodePeer['relation']
  asset: Asset
  state: LinkState
}

export interface ConnectorNode {
  readonly address: string
  readonly connector: Connector
  readonly ccp: CcpNode
  readonly routingTable: RoutingTable
  /** Packets, balance changes, settlements, peer and route changes, as they happen (events.ts). */
  readonly events: NodeEvents
  peers(): NodePeerStatus[]
  /**
   * Adds a peer to the running node (dialed if `dial`); its balance is what the store has of it.
   * Throws InvalidPeerConfigError (an id in use among them).
   */
  addPeer(peer: NodePeer): void
  /**
   * Replaces a peer's settings (and maybe its link and channel) without a restart; its balance
   * stays. Packets in flight finish on what they started with. Throws InvalidPeerConfigError.
   */
  updatePeer(peer: NodePeer): void
  /** Stops routing to and answering the peer, and drops its static routes; its balance stays in the store. False if unknown. */
  removePeer(id: string): boolean
  /** A static route (configured ones win over learned ones for the prefix and below it). */
  setRoute(prefix: string, peerId: string): void
  /** Removes the static route for exactly `prefix`; false if there was none. */
  removeRoute(prefix: string): boolean
  /** Resolves once the links of `peerIds` (default: every peer) are connected; rejects after `timeoutMs`. */
  whenConnected(timeoutMs?: number, peerIds?: readonly string[]): Promise<void>
  /** Graceful: new Prepares refused (T03), those in flight answered (up to shutdownTimeoutMs), then nothing runs. */
  stop(): Promise<void>
  /** Abrupt: nothing runs from now on; Prepares in flight are the links' to fail when the app closes them. */
  kill(): Promise<void>
}

/** The node's options cannot work: no address and no parent, or both, or a parent that is not a peer. */
export class InvalidNodeOptionsError extends Error {
  override readonly name = 'InvalidNodeOptionsError'
}

/** The parent's link gave up before it connected (the dialer's final error), so no address. */
export class ParentUnreachableError extends Error {
  override readonly name = 'ParentUnreachableError'
  constructor(readonly parentId: string) {
    super(`could not connect to parent ${parentId}`)
  }
}

/** `waitFor` (and `whenConnected`) ran out of time. */
export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError'
  constructor(readonly what: string, readonly timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms waiting for ${what}`)
  }
}

/** Creates and starts a node; resolves once it answers its peers (its links may still be connecting). */
export async function createConnectorNode(options: ConnectorNodeOptions): Promise<ConnectorNode> {
  const clock = options.clock ?? systemClock
  const logger = options.logger ?? console
  const peers = new Map(options.peers.map((peer) => [peer.id, peer]))
  const events = new NodeEvents()
  if (peers.size !== options.peers.length) throw new InvalidNodeOptionsError('two peers have the same id')
  if ((options.address === undefined) === (options.parent === undefined)) throw new InvalidNodeOptionsError('needs exactly one of address and parent')
  const dialer = new Dialer(clock, logger, options.dial)
  const toDial = options.peers.filter((peer) => peer.dial ?? true)

  // Our address: given, or the parent's answer to ILDCP (RFC 0031).
  let address: string
  if (options.address !== undefined) {
    address = options.address
  } else {
    const parent = peers.get(options.parent as string)
    if (parent === undefined) throw new InvalidNodeOptionsError(`parent ${options.parent} is not one of the peers`)
    await dialer.dial(parent.id, parent.link)
    if (parent.link.state !== 'connected') throw new ParentUnreachableError(parent.id)
    const info = await ildcpFetch(sendOverLink(parent.link, { triggeredBy: '', peer: parent.id, now: () => clock.now() }))
    address = info.clientAddress
    logger.info('address from parent by ILDCP', { address, parent: parent.id })
  }

  const routingTable = new RoutingTable()
  const c = options.ccp ?? {}
  const ccp = new CcpNode({
    ownAddress: address,
    routingTable,
    ...(c.broadcastIntervalMs === undefined ? {} : { broadcastInterval: c.broadcastIntervalMs }),
    ...(c.holdDownTimeMs === undefined ? {} : { holdDownTime: c.holdDownTimeMs }),
    ...(c.minUpdateIntervalMs === undefined ? {} : { minUpdateInterval: c.minUpdateIntervalMs }),
    ...(c.requestTimeoutMs === undefined ? {} : { requestTimeout: c.requestTimeoutMs }),
    ...(c.controlRetryIntervalMs === undefined ? {} : { controlRetryInterval: c.controlRetryIntervalMs }),
    advertise: c.advertise ?? advertiseValleyFree,
  })
  const drain = new Drain()
  const runner: CcpRunner = new CcpRunner({
    ccp,
    address,
    send: (peerId, prepare) => connector.sendToPeer(peerId, prepare),
    clock,
    logger,
    ...(options.onRouteRefused === undefined ? {} : { onRouteRefused: options.onRouteRefused }),
  })
  const maxHoldTimeMs = options.packets?.maxHoldTimeMs ?? CONNECTOR_DEFAULTS.maxHoldTimeMs
  const connector = new Connector({
    address,
    routes: { nextHop: (destination) => routingTable.lookup(destination)?.nextHop },
    ...(options.rates === undefined ? {} : { rates: options.rates }),
    ...(options.spread === undefined ? {} : { spread: options.spread }),
    ...(options.balances === undefined ? {} : { balances: options.balances }),
    minMessageWindowMs: options.packets?.minMessageWindowMs ?? CONNECTOR_DEFAULTS.minMessageWindowMs,
    maxHoldTimeMs,
    clock,
    logger,
    peerProtocols: (peerId) => runner.handler(peerId),
    incomingRules: [
      drain.rule(),
      ...(options.onPacket === undefined ? [] : [observeRule(options.onPacket)]),
      packetEventsRule(events, (destination) => routingTable.lookup(destination)),
    ],
    events,
  })

  let stopped = false
  // Per peer: stops following its link's state.
  const unsubscribe = new Map<string, () => void>()
  const halt = (): void => {
    stopped = true
    runner.stop()
    dialer.stop()
    for (const off of unsubscribe.values()) off()
    unsubscribe.clear()
  }

  runner.start()
  try {
    for (const peer of options.peers) addPeer(peer)
  } catch (error) {
    halt()
    throw error
  }
  for (const route of options.routes ?? []) ccp.setStaticRoute(route.prefix, route.peer)
  // A parent is the way out: what no route names goes up to it (as ilp-connector does), unless
  // a default route ('') is given. The named parent, else the only one.
  const parents = options.peers.filter((peer) => peer.relation === 'parent')
  const upstream = options.parent ?? (parents.length === 1 ? parents[0]?.id : undefined)
  if (upstream !== undefined && !(options.routes ?? []).some((route) => route.prefix === '')) ccp.setStaticRoute('', upstream)
  for (const peer of toDial) if (peer.link.state === 'idle') void dialer.dial(peer.id, peer.link)

  function addPeer(peer: NodePeer): void {
    const { sendRoutes, receiveRoutes } = peer
    connector.addPeer({
      id: peer.id,
      relation: peer.relation,
      asset: peer.asset,
      link: peer.link,
      ...(peer.channel === undefined ? {} : { channel: peer.channel }),
      ...(peer.maxPacketAmount === undefined ? {} : { maxPacketAmount: peer.maxPacketAmount }),
      ...(peer.rateLimit === undefined ? {} : { rateLimit: peer.rateLimit }),
      ...(peer.minBalance === undefined ? {} : { minBalance: peer.minBalance }),
      ...(peer.settleThreshold === undefined ? {} : { settleThreshold: peer.settleThreshold }),
      ...(peer.settleTo === undefined ? {} : { settleTo: peer.settleTo }),
    })
    // A child's address is ours plus its id (RFC 0031); the route to it is local, not advertised.
    if (peer.relation === 'child') ccp.setStaticRoute(childAddress(address, peer.id), peer.id)
    ccp.addPeer(peer.id, {
      relation: peer.relation,
      ...(sendRoutes === undefined ? {} : { sendRoutes }),
      ...(receiveRoutes === undefined ? {} : { receiveRoutes }),
    }, clock.now())
    // Not connected yet: CCP waits for the link (its first messages would only fail).
    ccp.peerDisconnected(peer.id, clock.now())
    let connected = false
    const onState = (state: LinkState): void => {
      if (stopped) return
      if (state === 'connected' && !connected) {
        connected = true
        logger.info('peer connected', { peer: peer.id })
        runner.peerConnected(peer.id)
        events.emit({ type: 'peer', action: 'state', peer: peer.id, state })
      } else if (state !== 'connected' && connected) {
        connected = false
        // A peer that dials us (a child, a `stack` CLI) leaving is its own business: INFO, not WARN.
        ;(peer.dial === false ? logger.info : logger.warn).call(logger, 'peer disconnected; its routes are withdrawn', { peer: peer.id, state })
        runner.peerDisconnected(peer.id)
        events.emit({ type: 'peer', action: 'state', peer: peer.id, state })
      }
    }
    unsubscribe.set(peer.id, peer.link.onStateChange(onState))
    onState(peer.link.state)
  }

  // Undoes addPeer; the link stays open (the app closes it, or hands it to the peer's update).
  function dropPeer(id: string): NodePeer | undefined {
    const peer = peers.get(id)
    if (peer === undefined) return undefined
    connector.removePeer(id)
    unsubscribe.get(id)?.()
    unsubscribe.delete(id)
    dialer.cancel(peer.link)
    ccp.removePeer(id)
    if (peer.relation === 'child') ccp.removeStaticRoute(childAddress(address, id))
    peers.delete(id)
    return peer
  }

  function removeRoute(prefix: string): boolean {
    if (routingTable.candidatesFor(prefix).every((route) => route.source !== 'static')) return false
    ccp.removeStaticRoute(prefix)
    events.emit({ type: 'route', action: 'removed', prefix })
    return true
  }

  // The event first: the link's state (told by addPeer) is the new peer's.
  function startPeer(peer: NodePeer, action?: 'added' | 'updated'): void {
    if (peers.has(peer.id)) throw new InvalidPeerConfigError('id', `peer ${peer.id} already exists`)
    checkPeerConfig({ ...peer, link: peer.link })
    if (action !== undefined) events.emit({ type: 'peer', action, peer: peer.id })
    addPeer(peer)
    peers.set(peer.id, peer)
    if ((peer.dial ?? true) && peer.link.state === 'idle') void dialer.dial(peer.id, peer.link)
  }

  return {
    address,
    connector,
    ccp,
    routingTable,
    events,
    peers: () => [...peers.values()].map((peer) => ({ id: peer.id, relation: peer.relation, asset: peer.asset, state: peer.link.state })),
    addPeer(peer) {
      startPeer(peer, 'added')
    },
    updatePeer(peer) {
      const old = dropPeer(peer.id)
      if (old === undefined) throw new InvalidPeerConfigError('id', `no peer ${peer.id}`)
      try {
        startPeer(peer, 'updated')
      } catch (error) {
        startPeer(old) // the settings that worked until now
        throw error
      }
    },
    removePeer(id) {
      if (dropPeer(id) === undefined) return false
      // Its static routes go with it (a child's own went in dropPeer).
      for (const route of [...routingTable.routes()]) if (route.source === 'static' && route.nextHop === id) removeRoute(route.prefix)
      events.emit({ type: 'peer', action: 'removed', peer: id })
      return true
    },
    setRoute(prefix, peerId) {
      ccp.setStaticRoute(prefix, peerId)
      events.emit({ type: 'route', action: 'set', prefix, peer: peerId })
    },
    removeRoute,
    whenConnected: (timeoutMs = 10_000, peerIds = [...peers.keys()]) =>
      waitFor(() => peerIds.every((id) => peers.get(id)?.link.state === 'connected'), timeoutMs, `peers connected: ${peerIds.join(', ')}`),
    async stop() {
      if (stopped) return
      runner.stop()
      dialer.stop()
      if (drain.inFlight > 0) logger.info('draining packets in flight', { inFlight: drain.inFlight })
      await drain.drain(options.shutdownTimeoutMs ?? maxHoldTimeMs + 5_000, clock)
      // The last replies are handed to their links after the drain resolves: let them be written.
      await new Promise((resolve) => setImmediate(resolve))
      halt()
    },
    async kill() {
      void drain.drain(0, clock)
      halt()
    },
  }
}

/** Polls `check` every 10 ms until true, for at most `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new WaitTimeoutError(what, timeoutMs)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
