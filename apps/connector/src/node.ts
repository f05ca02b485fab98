import { accountsAuthenticator, BtpAuthError, BtpClient, BtpServer, type BtpLogger } from '@stack/channel-btp'
import type { Channel, Link } from '@stack/channel-core'
import { HttpLink, IlpHttpServer } from '@stack/channel-http'
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
  type RateBackend,
} from '@stack/ilp-connector'
import { advertiseLikeIlpConnector, advertiseValleyFree, type CcpNode } from '@stack/ilp-core'
import type { Logger } from 'pino'
import { startAdminServer } from './admin-server.js'
import { checkRatesCover, type ConnectorConfig, type PeerEntry } from './config.js'
import { LocalAccounts } from './local-mode.js'
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
  readonly ports: { btp?: number; http?: number; admin?: number }
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
    const balances = openBalances(config, logger)
    if (balances instanceof SqliteBalanceStore) cleanups.push(() => balances.close())

    // Payment channels per peer (peers[].settlement); closed after the links, redeeming what we hold.
    const settlements = new SettlementChannels({ now, logger })
    cleanups.push(() => settlements.close())

    const rates = await createRates(config, logger)
    if (rates instanceof PollingRateBackend) cleanups.push(() => rates.stop())
    checkRatesCover(config, (source, dest) => rates.rate(source, dest))

    // Listeners first, so peers dialing us find them (RFC 0023: they authenticate as their id).
    const btpAccounts: Record<string, string> = {}
    const httpAccounts: Record<string, string> = {}
    for (const peer of config.peers) {
      if (peer.transport.kind === 'btp-server') btpAccounts[peer.id] = peer.transport.token
      if (peer.transport.kind === 'http') httpAccounts[peer.id] = peer.transport.incomingToken
    }
    let btpServer: BtpServer | undefined
    let httpServer: IlpHttpServer | undefined
    const ports: { btp?: number; http?: number; admin?: number } = {}
    const local = config.local === undefined ? undefined : new LocalAccounts(config.local, new Set(config.peers.map((peer) => peer.id)))
    if (config.listen.btp !== undefined) {
      const configured = accountsAuthenticator(btpAccounts)
      const accounts = local === undefined ? btpAccounts : (username: string, token: Uint8Array) => configured(username, token) ?? local.authenticate(username, token)
      const server = new BtpServer({ host: config.listen.btp.host, port: config.listen.btp.port, accounts, logger: btpLogger })
      ports.btp = await server.listen()
      btpServer = server
      cleanups.push(() => server.close())
    }
    if (config.listen.http !== undefined) {
      const server = new IlpHttpServer({
        host: config.listen.http.host,
        port: config.listen.http.port,
        accounts: httpAccounts,
        logger: { warn: (message, context) => logger.warn({ ...context, component: 'http' }, message) },
      })
      ports.http = await server.listen()
      httpServer = server
      cleanups.push(() => server.close())
    }

    // One link per peer; the node dials the clients' (startup does not wait for peers).
    const links = new Map<string, Link>()
    for (const entry of config.peers) {
      const t = entry.transport
      let link: Link
      if (t.kind === 'btp-server') link = (btpServer as BtpServer).link(entry.id)
      else if (t.kind === 'btp-client') link = new BtpClient({ url: t.url, logger: btpLogger, reconnect: { initialDelayMs: 100, maxDelayMs: 5_000 } })
      else {
        const http = new HttpLink({ url: t.url, token: t.token })
        ;(httpServer as IlpHttpServer).attach(entry.id, http)
        link = http
      }
      links.set(entry.id, link)
      if (t.kind !== 'btp-server') cleanups.push(() => link.close())
    }

    // Payment channels before any packet is routed: a chain-backed one connects to its chain first.
    // A BTP link carries value as TRANSFER; without `settlement` none is accepted (no proof).
    const channels = new Map<string, Channel>()
    for (const entry of config.peers) {
      const link = links.get(entry.id) as Link
      if (!isChannel(link)) continue
      if (entry.settlement === undefined) settlements.refuseTransfers(entry.id, link)
      else channels.set(entry.id, await settlements.open(entry.id, entry.settlement, link))
    }

    const peerAssets = new Map(config.peers.map((peer) => [peer.id, peer.asset]))
    const packetLog = logger.isLevelEnabled('debug')
    // Read when scraped, from the node created below.
    const metrics = createMetrics({
      counters: () => node.connector.counters(),
      balances: () => Object.entries(node.connector.balances()).map(([id, b]): [string, bigint] => [id, b.balance]),
      peerStates: () => node.peers().map((peer): [string, boolean] => [peer.id, peer.state === 'connected']),
      assets: () => peerAssets,
      unprovenTransfers: () => settlements.unprovenTransfers(),
      routeCount: () => [...node.routingTable.routes()].length,
    })

    const node = await createConnectorNode({
      ...(config.address === undefined ? { parent: config.parent as string } : { address: config.address }),
      peers: config.peers.map((entry) => {
        const channel = channels.get(entry.id)
        return {
          id: entry.id,
          relation: entry.relation,
          asset: entry.asset,
          link: links.get(entry.id) as Link,
          dial: entry.transport.kind !== 'btp-server',
          ...(channel === undefined ? {} : { channel }),
          ...(entry.maxPacketAmount === undefined ? {} : { maxPacketAmount: entry.maxPacketAmount }),
          ...(entry.rateLimit === undefined ? {} : { rateLimit: entry.rateLimit }),
          ...(entry.minBalance === undefined ? {} : { minBalance: entry.minBalance }),
          ...(entry.settleThreshold === undefined ? {} : { settleThreshold: entry.settleThreshold }),
          ...(entry.settleTo === undefined ? {} : { settleTo: entry.settleTo }),
          ...(entry.sendRoutes === undefined ? {} : { sendRoutes: entry.sendRoutes }),
          ...(entry.receiveRoutes === undefined ? {} : { receiveRoutes: entry.receiveRoutes }),
        }
      }),
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

    const transports = new Map(config.peers.map((peer) => [peer.id, peer.transport.kind]))
    local?.start(btpServer as BtpServer, node, config.asset, logger, (id, link) => {
      peerAssets.set(id, config.asset)
      transports.set(id, 'btp-server')
      settlements.refuseTransfers(id, link)
    })
    const peers = (): PeerStatus[] =>
      node.peers().map(({ id, relation, asset, state }) => ({ id, relation, asset, transport: transports.get(id) as PeerEntry['transport']['kind'], state }))
    if (config.admin !== undefined) {
      const admin = await startAdminServer({
        host: config.admin.host,
        port: config.admin.port,
        node: { address: node.address, metrics, settlements, peers, balances: () => node.connector.balances() },
        routingTable: node.routingTable,
        logger,
      })
      ports.admin = admin.port
      cleanups.unshift(() => admin.close()) // the last to close: it answers while the node stops
    }

    let stopping = false
    logger.info({ address: node.address, ports, peers: links.size }, 'connector started')
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

function openBalances(config: ConnectorConfig, logger: Logger): BalanceStore {
  const b = config.balances
  if (b.store === 'memory') {
    logger.warn('balances are kept in memory only: a restart forgets them (balances.store: sqlite keeps them)')
    return new InMemoryBalanceStore()
  }
  const store = SqliteBalanceStore.open(b.path, { synchronous: b.synchronous === 'full' ? 'FULL' : 'NORMAL' })
  const restored = Object.fromEntries([...store.snapshot()].map(([id, s]) => [id, s.balance.toString()]))
  logger.info({ path: b.path, synchronous: b.synchronous, run: store.run, balances: restored }, 'balances restored from SQLite')
  return store
}

async function createRates(config: ConnectorConfig, logger: Logger): Promise<RateBackend> {
  const rates = config.rates
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

function isChannel(link: Link): link is Link & Channel {
  return typeof (link as Partial<Channel>).sendValue === 'function' && typeof (link as Partial<Channel>).setValueHandler === 'function'
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}
