import { openPostgresBalanceStore, openRedisBalanceStore, SharedBalanceStore } from '@stack/ilp-shared-balances'
import { BtpAuthError, BtpServer, type BtpLogger } from '@stack/channel-btp'
import type { Link } from '@stack/channel-core'
import { IlpHttpServer } from '@stack/channel-http'
import {
  createConnectorNode,
  InMemoryBalanceStore,
  PollingRateBackend,
  SqliteBalanceStore,
  StaticRateBackend,
  waitFor,
  type BalanceStore,
  type Connector,
  type ConnectorLogger,
  type NodePeer,
  type RateBackend,
} from '@stack/ilp-connector'
import { advertiseLikeIlpConnector, advertiseValleyFree, type CcpNode } from '@stack/ilp-core'
import type { Logger } from 'pino'
import { startAdminServer } from './admin-server.js'
import { LiveChanges, LiveRates } from './admin/changes.js'
import { PeerLinks } from './admin/peer-links.js'
import { ClusterLinks } from './cluster.js'
import { postgresLease, redisLease } from './cluster-lease.js'
import { RecoveringLease } from './cluster-recovery.js'
import { checkRatesCover, type ConnectorConfig, type PeerEntry, type RatesConfig } from './config.js'
import { LocalAccounts, settlementFor } from './local-mode.js'
import { createLogger } from './logger.js'
import { createMetrics, type NodeMetrics } from './metrics.js'
import { fileRateSource, urlRateSource } from './rate-sources.js'
import { SettlementChannels } from './settlement-channels.js'

/**
 * A running connector node from a validated configuration: config → links → settlement
 * channels → createConnectorNode (@stack/ilp-connector), then the admin API. Usable from tests
 * without a process.
 */

export interface PeerStatus {
  id: string
  relation: PeerEntry['relation']
  asset: PeerEntry['asset']
  transport: PeerEntry['transport']['kind']
  state: Link['state']
}

export interface ConnectorNode {
  readonly address: string
  readonly connector: Connector
  readonly ccp: CcpNode
  readonly metrics: NodeMetrics
  readonly logger: Logger
  /** The peers' payment channels (peers[].settlement). */
  readonly settlements: SettlementChannels
  /** Ports actually listened on (useful with port 0). */
  readonly ports: { btp?: number; http?: number; admin?: number; cluster?: number }
  peers(): PeerStatus[]
  /** Resolves once the links of `peerIds` (default: every peer) are connected; rejects after `timeoutMs`. */
  whenConnected(timeoutMs?: number, peerIds?: readonly string[]): Promise<void>
  /** Graceful: new packets refused (T03), packets in flight answered, then every socket closed. */
  stop(): Promise<void>
  /** Abrupt: every socket closed now, packets in flight fail at the peers (tests: a crash). */
  kill(): Promise<void>
}

export interface StartNodeOptions {
  logger?: Logger
  /** Default: Date.now (CCP works in wall-clock milliseconds). */
  now?: () => number
  /** The configuration file's directory: relative paths in peers written by the admin API are its, as in the file. */
  configDir?: string
}

export { waitFor }

export async function startNode(config: ConnectorConfig, options: StartNodeOptions = {}): Promise<ConnectorNode> {
  const logger = options.logger ?? createLogger(config.log.level)
  const now = options.now ?? Date.now
  const btpLogger: BtpLogger = {
    warn: (message, context) => logger.warn({ ...context, component: 'btp' }, message),
    info: (message, context) => logger.debug({ ...context, component: 'btp' }, message),
  }
  const cleanups: (() => Promise<void> | void)[] = []
  const closeAll = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup()
      } catch (error) {
        logger.warn({ err: error }, 'error while closing')
      }
    }
  }

  try {
    // First: a node that cannot have its balances (the file is another node's) must not start.
    const balances = await openBalances(config, logger)
    if (balances instanceof SqliteBalanceStore || balances instanceof SharedBalanceStore) cleanups.push(() => balances.close())

    // Payment channels per peer (peers[].settlement); closed after the links, redeeming what we hold.
    const settlements = new SettlementChannels({ now, logger })
    cleanups.push(() => settlements.close())

    // Replaceable through the admin API (PUT /rates).
    const rates = new LiveRates(await createRates(config.rates, logger), config.rates, (backend) => {
      if (backend instanceof PollingRateBackend) backend.stop()
    })
    cleanups.push(() => rates.stop())
    checkRatesCover(config, (source, dest) => rates.rate(source, dest))

    // Listeners first, so peers dialing us find them (RFC 0023: they authenticate as their id).
    const peerLinks = new PeerLinks({ settlements, btpLogger })
    let btpServer: BtpServer | undefined
    let httpServer: IlpHttpServer | undefined
    const ports: ConnectorNode['ports'] = {}
    const local = config.local === undefined ? undefined : new LocalAccounts(config.local, (id) => peerLinks.reserved(id))
    if (config.listen.btp !== undefined) {
      // A login no configured peer matches may be a local-mode client (config `local`).
      const accounts = local === undefined ? peerLinks.btpAccounts : (username: string, token: Uint8Array) => peerLinks.btpAccounts(username, token) ?? local.authenticate(username, token)
      const server = new BtpServer({ host: config.listen.btp.host, port: config.listen.btp.port, accounts, logger: btpLogger })
      ports.btp = await server.listen()
      btpServer = server
      cleanups.push(() => server.close())
    }
    if (config.listen.http !== undefined) {
      const server = new IlpHttpServer({
        host: config.listen.http.host,
        port: config.listen.http.port,
        accounts: peerLinks.httpAccounts,
        logger: { warn: (message, context) => logger.warn({ ...context, component: 'http' }, message) },
      })
      ports.http = await server.listen()
      httpServer = server
      cleanups.push(() => server.close())
    }

    // One of several instances: the internal link to the BTP peers other instances hold (cluster.ts).
    const cluster = config.cluster === undefined ? undefined : new ClusterLinks(config.cluster, config.address as string, logger, settlementLease(config, balances, logger))
    if (cluster !== undefined) {
      ports.cluster = await cluster.listen()
      cleanups.push(() => cluster.close())
    }

    // One link per peer (the node dials the clients'; startup does not wait for peers), and its
    // payment channel before any packet is routed: a chain-backed one connects to its chain first.
    peerLinks.useServers({ btp: btpServer, http: httpServer })
    cleanups.push(() => peerLinks.closeAll())
    const nodePeers: NodePeer[] = []
    const open = async (entry: PeerEntry): Promise<NodePeer> => {
      let opened: NodePeer | undefined
      await peerLinks.open(entry, (peer) => (opened = peer))
      return opened as NodePeer
    }
    for (const entry of config.peers) nodePeers.push(await (cluster === undefined ? open(entry) : cluster.open(entry, open)))

    const packetLog = logger.isLevelEnabled('debug')
    // Read when scraped, from the node created below.
    const metrics = createMetrics({
      counters: () => node.connector.counters(),
      balances: () => Object.entries(node.connector.balances()).map(([id, b]): [string, bigint] => [id, b.balance]),
      peerStates: () => node.peers().map((peer): [string, boolean] => [peer.id, peer.state === 'connected']),
      assets: () => new Map(node.peers().map((peer) => [peer.id, peer.asset])),
      unprovenTransfers: () => settlements.unprovenTransfers(),
      routeCount: () => [...node.routingTable.routes()].length,
    })

    const node = await createConnectorNode({
      ...(config.address === undefined ? { parent: config.parent as string } : { address: config.address }),
      peers: nodePeers,
      routes: config.routes,
      rates,
      spread: config.spread,
      balances,
      clock: { now, setTimer: (delayMs, callback) => unrefTimer(delayMs, callback) },
      logger: connectorLogger(logger),
      packets: config.packets,
      ccp: {
        broadcastIntervalMs: config.ccp.broadcastIntervalMs,
        holdDownTimeMs: config.ccp.holdDownTimeMs,
        minUpdateIntervalMs: config.ccp.minUpdateIntervalMs,
        controlRetryIntervalMs: config.ccp.controlRetryIntervalMs,
        ...(config.ccp.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: config.ccp.requestTimeoutMs }),
        advertise: config.ccp.advertise === 'ilp-connector' ? advertiseLikeIlpConnector : advertiseValleyFree,
      },
      dial: { initialDelayMs: 100, maxDelayMs: 5_000, isFinal: (error) => error instanceof BtpAuthError },
      ...(config.shutdownTimeoutMs === undefined ? {} : { shutdownTimeoutMs: config.shutdownTimeoutMs }),
      onPacket: (packet) => {
        metrics.observePacket(packet.seconds, packet.fulfilled)
        // The packet history, at debug: one record per Prepare a peer sent (STREAM hides which payment).
        if (packetLog) logger.debug({ from: packet.source, to: packet.destination, amount: packet.amount, result: packet.fulfilled ? 'fulfilled' : 'rejected', code: packet.code, ms: Math.round(packet.seconds * 1e6) / 1e3 }, 'packet')
      },
      onRouteRefused: (peer, reason) => metrics.routeRefused(peer, reason),
    })
    // Stopped before the links close (it stops dialing and CCP first).
    cleanups.push(() => node.kill())
    cluster?.run(node, nodePeers)

    // Local-mode accounts settle as `local.settlement` says, each on its own name; without it
    // their TRANSFERs are refused, as a peer's without `settlement`.
    local?.start(btpServer as BtpServer, node, config.asset, logger, async (id, link) => {
      const pending = await settlements.prepare(id, settlementFor(config.local ?? {}, id), link)
      await pending.use()
      return pending.channel
    })
    // A peer with no configuration entry is a local-mode client, which dialed our BTP listener.
    const localTransport: PeerEntry['transport']['kind'] = 'btp-server'
    const peers = (): PeerStatus[] =>
      node.peers().map(({ id, relation, asset, state }) => ({ id, relation, asset, transport: peerLinks.entry(id)?.transport.kind ?? localTransport, state }))
    if (config.admin !== undefined) {
      const changes = new LiveChanges({ node, peerLinks, ...(local === undefined ? {} : { local }), config, rates, createRates: (section) => createRates(section, logger), ...(options.configDir === undefined ? {} : { configDir: options.configDir }), ...(config.cluster === undefined ? {} : { cluster: config.cluster.instance }) })
      const admin = await startAdminServer({
        host: config.admin.host,
        port: config.admin.port,
        token: config.admin.token,
        publicMetrics: config.admin.publicMetrics,
        node: {
          address: node.address,
          metrics,
          settlements,
          events: node.events,
          changes,
          routingTable: node.routingTable,
          peers,
          balances: () => node.connector.balances(),
          rates: () => rates.config,
        },
        logger,
      })
      ports.admin = admin.port
      cleanups.unshift(() => admin.close()) // the last to close: it answers while the node stops
    }

    let stopping = false
    logger.info({ address: node.address, ports, peers: nodePeers.length }, 'connector started')
    return {
      address: node.address,
      connector: node.connector,
      ccp: node.ccp,
      metrics,
      logger,
      settlements,
      ports,
      peers,
      whenConnected: (timeoutMs, peerIds) => node.whenConnected(timeoutMs, peerIds),
      stop: async () => {
        if (stopping) return
        stopping = true
        await node.stop()
        await closeAll()
        logger.info('stopped')
      },
      kill: async () => {
        stopping = true
        await closeAll()
      },
    }
  } catch (error) {
    await closeAll()
    throw error
  }
}

/** The library's logger lines on pino: fields as its merge object, an Error as `err`. */
function connectorLogger(logger: Logger): ConnectorLogger {
  const fields = (details: unknown): object => (details instanceof Error ? { err: details } : typeof details === 'object' && details !== null ? details : { details })
  return {
    debug: (message, details) => logger.debug(fields(details), message),
    info: (message, details) => logger.info(fields(details), message),
    warn: (message, details) => logger.warn(fields(details), message),
    error: (message, details) => logger.error(fields(details), message),
  }
}

// The node's timers do not keep the process alive on their own (main waits for a signal).
function unrefTimer(delayMs: number, callback: () => void): () => void {
  const timer = setTimeout(callback, Math.min(Math.max(0, delayMs), 0x7fff_ffff))
  timer.unref()
  return () => clearTimeout(timer)
}

async function openBalances(config: ConnectorConfig, logger: Logger): Promise<BalanceStore> {
  const b = config.balances
  if (b.store === 'memory') {
    logger.warn('balances are kept in memory only: a restart forgets them (balances.store: sqlite keeps them)')
    return new InMemoryBalanceStore()
  }
  if (b.store === 'postgres' || b.store === 'redis') {
    // Shared with the node's other instances (@stack/ilp-shared-balances); the URL may hold a password.
    const store = b.store === 'postgres' ? await openPostgresBalanceStore({ url: b.url }) : await openRedisBalanceStore({ url: b.url })
    await store.refresh()
    logger.info({ store: store.label, instance: store.instance, peers: store.snapshot().size }, 'balances in a shared store')
    return store
  }
  const store = SqliteBalanceStore.open(b.path, { synchronous: b.synchronous === 'full' ? 'FULL' : 'NORMAL' })
  const restored = Object.fromEntries([...store.snapshot()].map(([id, s]) => [id, s.balance.toString()]))
  logger.info({ path: b.path, synchronous: b.synchronous, run: store.run, balances: restored }, 'balances restored from SQLite')
  return store
}

/** A cluster's settlement locks, in the store its instances share (validation requires one), recovering what a crashed holder left. */
function settlementLease(config: ConnectorConfig, balances: BalanceStore, logger: Logger): RecoveringLease | undefined {
  const b = config.balances
  const node = config.address as string
  if (!(balances instanceof SharedBalanceStore)) return undefined
  if (b.store === 'postgres') return new RecoveringLease(postgresLease(b.url, node), balances, logger)
  // Taken or renewed at each payment: a crashed holder's lapses after the time to live.
  if (b.store === 'redis') return new RecoveringLease(redisLease(b.url, node, Math.max(10_000, 5 * (config.cluster?.settleIntervalMs ?? 1_000))), balances, logger)
  return undefined
}

async function createRates(rates: RatesConfig, logger: Logger): Promise<RateBackend> {
  if (rates.kind === 'static') return new StaticRateBackend(rates.table)
  const source = rates.kind === 'file' ? fileRateSource(rates.path) : urlRateSource(rates.url)
  const backend = new PollingRateBackend(source, {
    intervalMs: rates.pollIntervalMs,
    ...(rates.maxAgeMs === undefined ? {} : { maxAgeMs: rates.maxAgeMs }),
    logger: { warn: (message, details) => logger.warn({ err: errorText(details) }, message) },
  })
  await backend.start()
  return backend
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}
