import { BtpAuthError, BtpClient, BtpServer, type BtpLogger } from '@stack/channel-btp'
import type { Channel, Link } from '@stack/channel-core'
import { HttpLink, IlpHttpServer } from '@stack/channel-http'
import {
  advertiseLikeIlpConnector,
  advertiseValleyFree,
  CCP_CONTROL_DESTINATION,
  CCP_UPDATE_DESTINATION,
  CcpNode,
  Connector,
  encodeReject,
  fileRateSource,
  ildcpFetch,
  InMemoryBalanceStore,
  IlpError,
  IlpErrorCode,
  IlpPacketType,
  PollingRateBackend,
  RoutingTable,
  StaticRateBackend,
  urlRateSource,
  type BalanceStore,
  type CcpMessage,
  type IlpPrepare,
  type IlpReply,
  type RateBackend,
} from '@stack/ilp-core'
import type { Logger } from 'pino'
import type { ConnectorConfig, PeerEntry } from './config.js'
import { createGate, MeteredLink } from './metered-link.js'
import { createMetrics, type NodeMetrics } from './metrics.js'
import { startAdminServer, type AdminServer } from './admin-server.js'
import { createLogger } from './logger.js'
import { SqliteBalanceStore } from './sqlite-balance-store.js'
import { SettlementChannels } from './settlement-channels.js'

/**
 * Builds a running connector node from a validated configuration: listeners, links to every
 * peer, the packet switch, CCP on a timer, the admin API. Usable from tests without a process.
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

interface PeerRuntime {
  entry: PeerEntry
  link: Link
  /** The link as created (BtpClient, BtpServerLink, HttpLink). */
  raw: Link
  connected: boolean
}

const MIN_TICK_MS = 10
const MAX_TICK_MS = 1_000

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
    if (config.listen.btp !== undefined) {
      const server = new BtpServer({ host: config.listen.btp.host, port: config.listen.btp.port, accounts: btpAccounts, logger: btpLogger })
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

    // One link per peer; clients dial in the background (startup does not wait for peers).
    let stopping = false
    const runtimes = new Map<string, PeerRuntime>()
    const dialTimers = new Set<ReturnType<typeof setTimeout>>()
    cleanups.push(() => {
      for (const timer of dialTimers) clearTimeout(timer)
    })
    const gate = createGate(
      () => encodeReject({ code: IlpErrorCode.T03_CONNECTOR_BUSY, triggeredBy: address, message: 'connector is shutting down', data: new Uint8Array(0) }),
      (seconds, reply) => metrics.observePacket(seconds, reply?.[0] === IlpPacketType.Fulfill),
    )
    for (const entry of config.peers) {
      let raw: Link
      const t = entry.transport
      if (t.kind === 'btp-server') raw = (btpServer as BtpServer).link(entry.id)
      else if (t.kind === 'btp-client') raw = new BtpClient({ url: t.url, logger: btpLogger, reconnect: { initialDelayMs: 100, maxDelayMs: 5_000 } })
      else {
        const link = new HttpLink({ url: t.url, token: t.token })
        ;(httpServer as IlpHttpServer).attach(entry.id, link)
        raw = link
      }
      runtimes.set(entry.id, { entry, raw, link: new MeteredLink(raw, gate), connected: false })
      if (t.kind !== 'btp-server') cleanups.push(() => raw.close())
    }

    // Payment channels before any packet is routed: a chain-backed one connects to its chain first.
    // A BTP link carries value as TRANSFER; without `settlement` none is accepted (no proof).
    const channels = new Map<string, Channel>()
    for (const { entry, raw } of runtimes.values()) {
      if (!isChannel(raw)) continue
      if (entry.settlement === undefined) settlements.refuseTransfers(entry.id, raw)
      else channels.set(entry.id, await settlements.open(entry.id, entry.settlement, raw))
    }

    const dial = (runtime: PeerRuntime, attempt = 0): Promise<void> =>
      runtime.raw.connect().catch((error: unknown) => {
        if (stopping || error instanceof BtpAuthError) {
          if (!stopping) logger.error({ peer: runtime.entry.id, err: error }, 'peer refused our credentials; not retrying')
          return
        }
        const delay = Math.min(5_000, 100 * 2 ** Math.min(attempt, 10))
        logger.warn({ peer: runtime.entry.id, err: errorText(error), retryInMs: delay }, 'could not connect to peer')
        return new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            dialTimers.delete(timer)
            resolve(stopping ? undefined : dial(runtime, attempt + 1))
          }, delay)
          dialTimers.add(timer)
        })
      })

    // Our address: configured, or the parent's answer to ILDCP (RFC 0031).
    let address: string
    if (config.address !== undefined) {
      address = config.address
    } else {
      const parent = runtimes.get(config.parent as string) as PeerRuntime
      await dial(parent)
      if (parent.raw.state !== 'connected') throw new Error(`could not connect to parent ${parent.entry.id}`)
      const info = await ildcpFetch((packet) => parent.raw.request(packet))
      address = info.clientAddress
      logger.info({ address, parent: parent.entry.id }, 'address from parent by ILDCP')
    }

    const routingTable = new RoutingTable()
    const ccp = new CcpNode({
      ownAddress: address,
      routingTable,
      broadcastInterval: config.ccp.broadcastIntervalMs,
      holdDownTime: config.ccp.holdDownTimeMs,
      minUpdateInterval: config.ccp.minUpdateIntervalMs,
      ...(config.ccp.requestTimeoutMs === undefined ? {} : { requestTimeout: config.ccp.requestTimeoutMs }),
      controlRetryInterval: config.ccp.controlRetryIntervalMs,
      advertise: config.ccp.advertise === 'ilp-connector' ? advertiseLikeIlpConnector : advertiseValleyFree,
    })

    // CCP I/O: the messages CcpNode asks for go out with sendToPeer; replies go back to it.
    let tickTimer: ReturnType<typeof setTimeout> | undefined
    const schedule = (): void => {
      if (stopping) return
      clearTimeout(tickTimer)
      const at = ccp.nextTickAt()
      const delay = at === undefined ? MAX_TICK_MS : Math.min(MAX_TICK_MS, Math.max(MIN_TICK_MS, at - now()))
      tickTimer = setTimeout(() => send(ccp.tick(now())), delay)
      tickTimer.unref()
    }
    cleanups.push(() => clearTimeout(tickTimer))
    const send = (messages: CcpMessage[]): void => {
      for (const message of messages) {
        connector.sendToPeer(message.peerId, message.prepare).then(
          (reply) => {
            if (reply.type === IlpPacketType.Reject) logger.debug({ peer: message.peerId, kind: message.kind, code: reply.code, reason: reply.message }, 'CCP request rejected')
            if (!stopping) send(ccp.onReply(message, reply, now()))
          },
          (error: unknown) => {
            logger.debug({ peer: message.peerId, kind: message.kind, err: errorText(error) }, 'CCP request failed')
            if (!stopping) send(ccp.onReply(message, undefined, now()))
          },
        )
      }
      schedule()
    }

    const peerProtocols = async (peerId: string, prepare: IlpPrepare): Promise<IlpReply> => {
      let handled
      if (prepare.destination === CCP_CONTROL_DESTINATION) handled = ccp.onRouteControl(peerId, prepare, now())
      else if (prepare.destination === CCP_UPDATE_DESTINATION) handled = ccp.onRouteUpdate(peerId, prepare, now())
      else throw new IlpError(IlpErrorCode.F02_UNREACHABLE, `${prepare.destination} is not served here`)
      for (const { prefix, reason } of handled.refused) {
        // The prefix is the peer's text (an ASN.1 Address, up to 1023 characters): cut for the log.
        logger.warn({ peer: peerId, prefix: prefix.slice(0, 128), reason }, 'route refused')
        metrics.routeRefused(peerId, reason)
      }
      send(handled.send)
      return handled.reply
    }

    const connector = new Connector({
      address,
      routes: { nextHop: (destination) => routingTable.lookup(destination)?.nextHop },
      rates,
      spread: config.spread,
      minMessageWindowMs: config.packets.minMessageWindowMs,
      maxHoldTimeMs: config.packets.maxHoldTimeMs,
      peerProtocols,
      balances,
      logger: { warn: (message, details) => logger.warn({ details: details instanceof Error ? errorText(details) : details }, message) },
    })

    const peerAssets = new Map(config.peers.map((peer) => [peer.id, peer.asset]))
    const metrics = createMetrics({
      counters: () => connector.counters(),
      balances: () => Object.entries(connector.balances()).map(([id, b]): [string, bigint] => [id, b.balance]),
      peerStates: () => [...runtimes.values()].map((r): [string, boolean] => [r.entry.id, r.link.state === 'connected']),
      assets: () => peerAssets,
      unprovenTransfers: () => settlements.unprovenTransfers(),
      routeCount: () => [...routingTable.routes()].length,
    })

    for (const runtime of runtimes.values()) {
      const { entry, link } = runtime
      const channel = channels.get(entry.id)
      connector.addPeer({
        id: entry.id,
        relation: entry.relation,
        asset: entry.asset,
        link,
        ...(channel === undefined ? {} : { channel }),
        ...(entry.maxPacketAmount === undefined ? {} : { maxPacketAmount: entry.maxPacketAmount }),
        ...(entry.rateLimit === undefined ? {} : { rateLimit: entry.rateLimit }),
        ...(entry.minBalance === undefined ? {} : { minBalance: entry.minBalance }),
        ...(entry.settleThreshold === undefined ? {} : { settleThreshold: entry.settleThreshold }),
        ...(entry.settleTo === undefined ? {} : { settleTo: entry.settleTo }),
      })
      // A child's address is ours plus its id (RFC 0031); the route to it is local, not advertised.
      if (entry.relation === 'child') ccp.setStaticRoute(`${address}.${entry.id}`, entry.id)
      ccp.addPeer(entry.id, {
        relation: entry.relation,
        ...(entry.sendRoutes === undefined ? {} : { sendRoutes: entry.sendRoutes }),
        ...(entry.receiveRoutes === undefined ? {} : { receiveRoutes: entry.receiveRoutes }),
      }, now())
      // Not connected yet: CCP waits for the link (its first messages would only fail).
      ccp.peerDisconnected(entry.id, now())
      const onState = (state: Link['state']): void => {
        if (stopping) return
        if (state === 'connected' && !runtime.connected) {
          runtime.connected = true
          logger.info({ peer: entry.id }, 'peer connected')
          send(ccp.peerConnected(entry.id, now()))
        } else if (state !== 'connected' && runtime.connected) {
          runtime.connected = false
          logger.warn({ peer: entry.id, state }, 'peer disconnected; its routes are withdrawn')
          ccp.peerDisconnected(entry.id, now())
          send([])
        }
      }
      const off = link.onStateChange(onState)
      cleanups.push(off)
      onState(link.state)
    }
    for (const route of config.routes) ccp.setStaticRoute(route.prefix, route.peer)

    for (const runtime of runtimes.values()) {
      if (runtime.raw.state === 'idle' && runtime.entry.transport.kind !== 'btp-server') void dial(runtime)
    }

    let admin: AdminServer | undefined
    const node: ConnectorNode = {
      address,
      connector,
      ccp,
      metrics,
      logger,
      settlements,
      ports,
      peers: () =>
        [...runtimes.values()].map((r) => ({ id: r.entry.id, relation: r.entry.relation, asset: r.entry.asset, transport: r.entry.transport.kind, state: r.link.state })),
      whenConnected: (timeoutMs = 10_000, peerIds = [...runtimes.keys()]) =>
        waitFor(() => peerIds.every((id) => runtimes.get(id)?.link.state === 'connected'), timeoutMs, `peers connected: ${peerIds.join(', ')}`),
      stop: async () => {
        if (stopping) return
        stopping = true
        clearTimeout(tickTimer)
        gate.draining = true
        if (gate.inFlight > 0) {
          logger.info({ inFlight: gate.inFlight }, 'draining packets in flight')
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, config.shutdownTimeoutMs)
            gate.onIdle = () => {
              clearTimeout(timer)
              resolve()
            }
          })
        }
        // The last replies are handed to their links after onIdle returns: let them be written.
        await new Promise((resolve) => setImmediate(resolve))
        await closeAll()
        logger.info('stopped')
      },
      kill: async () => {
        stopping = true
        gate.draining = true
        await closeAll()
      },
    }
    if (config.admin !== undefined) {
      const server = await startAdminServer({ host: config.admin.host, port: config.admin.port, node, routingTable, logger })
      admin = server
      ports.admin = server.port
      cleanups.unshift(() => admin?.close())
    }
    schedule()
    logger.info({ address, ports, peers: runtimes.size }, 'connector started')
    return node
  } catch (error) {
    await closeAll()
    throw error
  }
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

/** Polls `check` every 10 ms until true, for at most `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
