import { readFile } from 'node:fs/promises'
import { extname } from 'node:path'
import { CONNECTOR_DEFAULTS, settleToIssue } from '@stack/ilp-connector'
import { CCP_DEFAULTS, isRoutePrefix, isValidAddress, MAX_UINT64, type Asset, type PeerRelation } from '@stack/ilp-core'
import { parse as parseYaml } from 'yaml'
import { ConfigChecker, DAY_MS, describeValue, type ConfigIssue, type ConfigObject } from '@stack/channel-core'
import { checkSettlement, SETTLEMENT_KINDS, type SettlementConfig } from './settlement-config.js'
import { canParse, optionalInt, resolveFrom } from './config-checker.js'
import { checkLocal, type LocalConfig } from './local-mode.js'
import { checkAdmin, checkListen, checkPortsDistinct, type AdminConfig, type ListenersConfig } from './config-listen.js'
import { checkClusterConfig, type ClusterConfig } from './config-cluster.js'
import { checkBalances, type BalancesConfig } from './config-balances.js'

export type { AdminConfig, ListenConfig, ListenersConfig } from './config-listen.js'
export { DEFAULT_BALANCES_FILE, type BalancesConfig } from './config-balances.js'

export type { ConfigIssue } from '@stack/channel-core'
export type { ClusterConfig } from './config-cluster.js'

/**
 * The node's configuration: the file format (README.md, connector.example.yaml), its checks and
 * the validated shape the rest of the app uses. Validation is by hand and collects every
 * problem, each with the path of the field (`peers[1].btp.url`), so one run shows them all.
 */

/** How packets reach a peer. */
export type PeerTransport =
  /** The peer dials our BTP listener with username = peer id and this token. */
  | { kind: 'btp-server'; token: string }
  /** We dial the peer: `btp+ws://user:token@host:port`. */
  | { kind: 'btp-client'; url: string }
  /** ILP over HTTP both ways: we POST to `url` with `token`; the peer POSTs to us with `incomingToken`. */
  | { kind: 'http'; url: string; token: string; incomingToken: string }

export interface PeerEntry {
  id: string
  relation: PeerRelation
  asset: Asset
  transport: PeerTransport
  maxPacketAmount?: bigint
  rateLimit?: { packetsPerSecond?: number; valuePerSecond?: bigint }
  minBalance?: bigint
  settleThreshold?: bigint
  settleTo?: bigint
  /** CCP: default true for peers (and both ways with ilp-connector's advertise policy for parents). */
  sendRoutes?: boolean
  receiveRoutes?: boolean
  /**
   * How value moves to and from the peer (settlement-config.ts). Absent: none does — its
   * TRANSFERs are refused and it has no settleThreshold.
   */
  settlement?: SettlementConfig
}

export type RatesConfig =
  | { kind: 'static'; table: Record<string, string> }
  | { kind: 'file'; path: string; pollIntervalMs: number; maxAgeMs?: number }
  | { kind: 'url'; url: string; pollIntervalMs: number; maxAgeMs?: number }

export interface ValidateOptions {
  /**
   * The configuration file's directory: a relative `balances.path` is taken from here, and
   * without a `balances` section the store is SQLite in `balances.db` here. Unset (a document
   * built in code: tests, embedding): relative paths are the process's, and the default store
   * is memory, so that nothing writes files nobody asked for.
   */
  configDir?: string
}

export interface ConnectorConfig {
  /** Our ILP address; absent: asked of `parent` by ILDCP (RFC 0031) at start. */
  address?: string
  /** The parent peer to ask for our address (default: the only parent). */
  parent?: string
  asset: Asset
  listen: ListenersConfig
  admin?: AdminConfig
  peers: PeerEntry[]
  routes: { prefix: string; peer: string }[]
  rates: RatesConfig
  spread: string
  packets: { minMessageWindowMs: number; maxHoldTimeMs: number }
  ccp: {
    broadcastIntervalMs: number
    holdDownTimeMs: number
    minUpdateIntervalMs: number
    requestTimeoutMs?: number
    /** After a refused route control (ilp-connector refuses one that comes before it tracks the peer). */
    controlRetryIntervalMs: number
    advertise: 'valley-free' | 'ilp-connector'
  }
  balances: BalancesConfig
  /**
   * Local mode (as `moneyd local`): a BTP client that logs in with a username no peer has gets a
   * child account on connect (address `<address>.<username>`, asset ours), with these limits.
   */
  local?: LocalConfig
  log: { level: LogLevel }
  /** One of several instances serving this node (config-cluster.ts). */
  cluster?: ClusterConfig
  /** Longest a graceful shutdown waits for packets in flight (default: the node's, maxHoldTimeMs + 5 s). */
  shutdownTimeoutMs?: number
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

/** The configuration cannot work; `issues` lists every field that is wrong. */
export class InvalidConfigError extends Error {
  override readonly name = 'InvalidConfigError'
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(`invalid configuration:\n${issues.map((issue) => `  ${issue.path || '(root)'}: ${issue.message}`).join('\n')}`)
  }
}

/** Reads a `.json`, `.yaml` or `.yml` file into plain data (not yet validated). */
export async function readConfigFile(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8')
  return parseConfigText(text, extname(path).toLowerCase() === '.json' ? 'json' : 'yaml')
}

export function parseConfigText(text: string, format: 'json' | 'yaml'): unknown {
  try {
    // YAML 1.2 is a superset of JSON, but JSON.parse gives the better error for a .json file.
    return format === 'json' ? JSON.parse(text) : parseYaml(text)
  } catch (error) {
    throw new InvalidConfigError([{ path: '', message: `not valid ${format.toUpperCase()}: ${(error as Error).message}` }])
  }
}

const RELATIONS: readonly PeerRelation[] = ['parent', 'peer', 'child']

/** Checks a parsed document and fills in defaults. Throws InvalidConfigError listing every problem. */
export function validateConfig(raw: unknown, options: ValidateOptions = {}): ConnectorConfig {
  const c = new ConfigChecker()
  const root = c.object(raw, '', [
    'address', 'parent', 'asset', 'listen', 'admin', 'peers', 'routes', 'rates', 'spread', 'packets', 'ccp', 'balances', 'local', 'log', 'shutdownTimeoutMs', 'cluster',
  ])
  if (root === undefined) throw new InvalidConfigError(c.issues)

  let address: string | undefined
  if (root.address !== undefined) {
    address = c.string(root.address, 'address')
    if (address !== undefined && !isValidAddress(address)) address = c.fail('address', `"${address}" is not a valid ILP address (RFC 0015)`)
  }
  const asset = checkAsset(c, root.asset, 'asset')
  const listen = checkListen(c, root.listen)
  const admin = root.admin === undefined ? undefined : checkAdmin(c, root.admin)
  checkPortsDistinct(c, [['listen.btp', listen.btp], ['listen.http', listen.http], ['admin', admin]])

  const peers: PeerEntry[] = []
  if (!Array.isArray(root.peers)) c.fail('peers', `must be a list of peers, got ${describeValue(root.peers)}`)
  else root.peers.forEach((entry, i) => {
    const peer = checkPeer(c, entry, `peers[${i}]`, asset, options.configDir)
    if (peer === undefined) return
    if (peers.some((other) => other.id === peer.id)) c.fail(`peers[${i}].id`, `duplicate peer id "${peer.id}"`)
    peers.push(peer)
  })
  const ids = new Set(peers.map((peer) => peer.id))
  peers.forEach((peer, i) => checkPeerListener(c, peer, `peers[${i}]`, listen))

  let parent: string | undefined
  if (root.parent !== undefined) {
    parent = c.string(root.parent, 'parent')
    if (parent !== undefined && peers.find((peer) => peer.id === parent)?.relation !== 'parent') parent = c.fail('parent', `"${parent}" is not a peer with relation parent`)
  }
  if (address === undefined && root.address === undefined) {
    const parents = peers.filter((peer) => peer.relation === 'parent')
    if (parent === undefined && parents.length !== 1 && root.parent === undefined) {
      c.fail('address', `is required unless exactly one peer is a parent to ask for it by ILDCP (found ${parents.length}); or set parent`)
    }
    parent ??= parents.length === 1 ? parents[0]?.id : undefined
  }

  const routes: { prefix: string; peer: string }[] = []
  if (root.routes !== undefined && !Array.isArray(root.routes)) c.fail('routes', `must be a list, got ${describeValue(root.routes)}`)
  else (root.routes as unknown[] | undefined ?? []).forEach((entry, i) => {
    const route = checkRoute(c, entry, `routes[${i}]`, ids)
    if (route !== undefined) routes.push(route)
  })

  const rates = checkRates(c, root.rates, options.configDir)
  const spread = root.spread === undefined ? '0' : c.decimal(root.spread, 'spread', { min: 0, maxExclusive: 1 }) ?? '0'

  const packetsRaw = root.packets === undefined ? {} : c.object(root.packets, 'packets', ['minMessageWindowMs', 'maxHoldTimeMs']) ?? {}
  const packets = {
    minMessageWindowMs: optionalInt(c, packetsRaw.minMessageWindowMs, 'packets.minMessageWindowMs', 0, DAY_MS) ?? CONNECTOR_DEFAULTS.minMessageWindowMs,
    maxHoldTimeMs: optionalInt(c, packetsRaw.maxHoldTimeMs, 'packets.maxHoldTimeMs', 1, DAY_MS) ?? CONNECTOR_DEFAULTS.maxHoldTimeMs,
  }

  const ccpRaw = root.ccp === undefined ? {} : c.object(root.ccp, 'ccp', [
    'broadcastIntervalMs', 'holdDownTimeMs', 'minUpdateIntervalMs', 'requestTimeoutMs', 'controlRetryIntervalMs', 'advertise',
  ]) ?? {}
  const ccp: ConnectorConfig['ccp'] = {
    broadcastIntervalMs: optionalInt(c, ccpRaw.broadcastIntervalMs, 'ccp.broadcastIntervalMs', 10, DAY_MS) ?? CCP_DEFAULTS.broadcastInterval,
    holdDownTimeMs: optionalInt(c, ccpRaw.holdDownTimeMs, 'ccp.holdDownTimeMs', 10, DAY_MS) ?? CCP_DEFAULTS.holdDownTime,
    minUpdateIntervalMs: optionalInt(c, ccpRaw.minUpdateIntervalMs, 'ccp.minUpdateIntervalMs', 0, DAY_MS) ?? CCP_DEFAULTS.minUpdateInterval,
    controlRetryIntervalMs: optionalInt(c, ccpRaw.controlRetryIntervalMs, 'ccp.controlRetryIntervalMs', 10, DAY_MS) ?? CCP_DEFAULTS.controlRetryInterval,
    advertise: ccpRaw.advertise === undefined ? 'valley-free' : c.oneOf(ccpRaw.advertise, 'ccp.advertise', ['valley-free', 'ilp-connector'] as const) ?? 'valley-free',
  }
  const requestTimeoutMs = optionalInt(c, ccpRaw.requestTimeoutMs, 'ccp.requestTimeoutMs', 10, DAY_MS)
  if (requestTimeoutMs !== undefined) ccp.requestTimeoutMs = requestTimeoutMs

  const balances = checkBalances(c, root.balances, options.configDir)
  const local = root.local === undefined ? undefined : checkLocal(c, root.local, listen, { configDir: options.configDir, asset })

  const logRaw = root.log === undefined ? {} : c.object(root.log, 'log', ['level']) ?? {}
  const level = logRaw.level === undefined ? 'info' : c.oneOf(logRaw.level, 'log.level', LOG_LEVELS) ?? 'info'
  const shutdownTimeoutMs = optionalInt(c, root.shutdownTimeoutMs, 'shutdownTimeoutMs', 0, DAY_MS)
  const cluster = root.cluster === undefined ? undefined : checkClusterConfig(c, root.cluster, { address, peers, balances, listen, admin, local })

  if (c.issues.length > 0 || asset === undefined || rates === undefined) throw new InvalidConfigError(c.issues)
  const config: ConnectorConfig = { asset, listen, peers, routes, rates, spread, packets, ccp, balances, log: { level }, ...(shutdownTimeoutMs === undefined ? {} : { shutdownTimeoutMs }) }
  if (address !== undefined) config.address = address
  if (parent !== undefined) config.parent = parent
  if (admin !== undefined) config.admin = admin
  if (local !== undefined) config.local = local
  if (cluster !== undefined) config.cluster = cluster
  return config
}

/** A peer that dials us needs the listener it dials. */
export function checkPeerListener(c: ConfigChecker, peer: PeerEntry, path: string, listen: ConnectorConfig['listen']): void {
  if (peer.transport.kind === 'btp-server' && listen.btp === undefined) c.fail(`${path}.btp.token`, 'needs listen.btp: the peer dials our BTP listener')
  if (peer.transport.kind === 'http' && listen.http === undefined) c.fail(`${path}.http`, 'needs listen.http: the peer POSTs to our HTTP listener')
}

/** One `routes[]` entry to one of the peers `ids`. */
export function checkRoute(c: ConfigChecker, value: unknown, path: string, ids: ReadonlySet<string>): { prefix: string; peer: string } | undefined {
  const r = c.object(value, path, ['prefix', 'peer'])
  if (r === undefined) return undefined
  const prefix = typeof r.prefix === 'string' ? r.prefix : c.string(r.prefix, `${path}.prefix`)
  const peer = c.string(r.peer, `${path}.peer`)
  if (prefix !== undefined && !isRoutePrefix(prefix)) return c.fail(`${path}.prefix`, `"${prefix}" is not '', a scheme or an ILP address prefix`)
  if (peer !== undefined && !ids.has(peer)) return c.fail(`${path}.peer`, `no peer has id "${peer}"`)
  return prefix === undefined || peer === undefined ? undefined : { prefix, peer }
}

/**
 * Every asset needs a rate to the node's, or packets between them fail at the first hop (F02 /
 * T00). Checked on the rate backend after its first read (a file or URL says what it has only
 * then) and before anything listens; `rate` is the backend's.
 */
export function checkRatesCover(config: ConnectorConfig, rate: (source: string, dest: string) => unknown): void {
  const issues: ConfigIssue[] = []
  const where = config.rates.kind === 'static' ? 'rates.static' : config.rates.kind === 'file' ? `rates.file (${config.rates.path})` : `rates.url (${config.rates.url})`
  config.peers.forEach((peer, i) => {
    const code = peer.asset.code
    if (rate(code, config.asset.code) === undefined) issues.push({ path: `peers[${i}].asset.code`, message: `peer ${peer.id}'s asset ${code} has no rate in ${where} (the node's asset is ${config.asset.code})` })
  })
  if (issues.length > 0) throw new InvalidConfigError(issues)
}

function checkAsset(c: ConfigChecker, value: unknown, path: string): Asset | undefined {
  const a = c.object(value, path, ['code', 'scale'])
  if (a === undefined) return undefined
  const code = c.string(a.code, `${path}.code`)
  const scale = c.integer(a.scale, `${path}.scale`, 0, 255)
  return code === undefined || scale === undefined ? undefined : { code, scale }
}

export function checkPeer(c: ConfigChecker, value: unknown, path: string, defaultAsset: Asset | undefined, configDir?: string): PeerEntry | undefined {
  const p = c.object(value, path, [
    'id', 'relation', 'asset', 'btp', 'http', 'maxPacketAmount', 'rateLimit', 'minBalance', 'settleThreshold', 'settleTo', 'sendRoutes', 'receiveRoutes',
    'settlement',
  ])
  if (p === undefined) return undefined
  const id = c.string(p.id, `${path}.id`)
  // The id is a child's address segment (RFC 0015 segments: letters, digits, _ ~ -) and a BTP username.
  if (id !== undefined && !/^[A-Za-z0-9_~-]+$/.test(id)) c.fail(`${path}.id`, `"${id}" may contain only letters, digits, _ ~ and -`)
  const relation = c.oneOf(p.relation, `${path}.relation`, RELATIONS)
  const asset = p.asset === undefined ? defaultAsset : checkAsset(c, p.asset, `${path}.asset`)
  let transport: PeerTransport | undefined
  if ((p.btp === undefined) === (p.http === undefined)) c.fail(path, 'needs exactly one of btp or http')
  else if (p.btp !== undefined) transport = checkBtp(c, p.btp, `${path}.btp`)
  else transport = checkHttp(c, p.http, `${path}.http`)

  const peer: Partial<PeerEntry> = {}
  if (p.maxPacketAmount !== undefined) peer.maxPacketAmount = c.amount(p.maxPacketAmount, `${path}.maxPacketAmount`, 0n, MAX_UINT64)
  if (p.minBalance !== undefined) peer.minBalance = c.amount(p.minBalance, `${path}.minBalance`, -MAX_UINT64, MAX_UINT64)
  if (p.settleThreshold !== undefined) peer.settleThreshold = c.amount(p.settleThreshold, `${path}.settleThreshold`, -MAX_UINT64, MAX_UINT64)
  if (p.settleTo !== undefined) peer.settleTo = c.amount(p.settleTo, `${path}.settleTo`, -MAX_UINT64, MAX_UINT64)
  const settleTo = settleToIssue(peer.settleThreshold, peer.settleTo)
  if (settleTo !== undefined) c.fail(`${path}.settleTo`, settleTo)
  if (p.rateLimit !== undefined) {
    const r = c.object(p.rateLimit, `${path}.rateLimit`, ['packetsPerSecond', 'valuePerSecond'])
    if (r !== undefined) {
      const limit: PeerEntry['rateLimit'] = {}
      if (r.packetsPerSecond !== undefined) {
        const pps = c.integer(r.packetsPerSecond, `${path}.rateLimit.packetsPerSecond`, 0, 1e9)
        if (pps !== undefined) limit.packetsPerSecond = pps
      }
      if (r.valuePerSecond !== undefined) {
        const vps = c.amount(r.valuePerSecond, `${path}.rateLimit.valuePerSecond`, 0n, MAX_UINT64)
        if (vps !== undefined) limit.valuePerSecond = vps
      }
      peer.rateLimit = limit
    }
  }
  if (p.sendRoutes !== undefined) peer.sendRoutes = c.boolean(p.sendRoutes, `${path}.sendRoutes`)
  if (p.receiveRoutes !== undefined) peer.receiveRoutes = c.boolean(p.receiveRoutes, `${path}.receiveRoutes`)
  if (p.settlement !== undefined) {
    peer.settlement = checkSettlement(c, p.settlement, `${path}.settlement`, { configDir, asset })
  } else if (peer.settleThreshold !== undefined) {
    // Paying with no settlement kind would be a plain TRANSFER: value the peer cannot verify.
    c.fail(`${path}.settleThreshold`, `needs settlement: a peer without one is never paid (settlement.kind: one of ${SETTLEMENT_KINDS.join(', ')})`)
  }
  if (id === undefined || relation === undefined || asset === undefined || transport === undefined) return undefined
  const entry: PeerEntry = { id, relation, asset, transport }
  for (const [key, v] of Object.entries(peer)) if (v !== undefined) (entry as unknown as ConfigObject)[key] = v
  return entry
}

function checkBtp(c: ConfigChecker, value: unknown, path: string): PeerTransport | undefined {
  const b = c.object(value, path, ['token', 'url'])
  if (b === undefined) return undefined
  if ((b.token === undefined) === (b.url === undefined)) {
    return c.fail(path, 'needs exactly one of token (the peer dials us) or url (we dial the peer)')
  }
  if (b.token !== undefined) {
    const token = c.string(b.token, `${path}.token`)
    return token === undefined ? undefined : { kind: 'btp-server', token }
  }
  const url = c.string(b.url, `${path}.url`)
  if (url === undefined) return undefined
  if (!/^(btp\+)?wss?:\/\//.test(url) || !canParse(url.replace(/^btp\+/, ''))) {
    return c.fail(`${path}.url`, `"${url}" is not a btp+ws://, btp+wss://, ws:// or wss:// URL`)
  }
  return { kind: 'btp-client', url }
}

function checkHttp(c: ConfigChecker, value: unknown, path: string): PeerTransport | undefined {
  const h = c.object(value, path, ['url', 'token', 'incomingToken'])
  if (h === undefined) return undefined
  const url = c.string(h.url, `${path}.url`)
  const token = c.string(h.token, `${path}.token`)
  const incomingToken = c.string(h.incomingToken, `${path}.incomingToken`)
  if (url !== undefined && (!/^https?:\/\//.test(url) || !canParse(url))) return c.fail(`${path}.url`, `"${url}" is not an http:// or https:// URL`)
  return url === undefined || token === undefined || incomingToken === undefined ? undefined : { kind: 'http', url, token, incomingToken }
}

export function checkRates(c: ConfigChecker, value: unknown, configDir: string | undefined): RatesConfig | undefined {
  if (value === undefined) return { kind: 'static', table: {} }
  const r = c.object(value, 'rates', ['static', 'file', 'url', 'pollIntervalMs', 'maxAgeMs'])
  if (r === undefined) return undefined
  const sources = ['static', 'file', 'url'].filter((key) => r[key] !== undefined)
  if (sources.length !== 1) return c.fail('rates', `needs exactly one of static, file or url (got ${sources.length === 0 ? 'none' : sources.join(', ')})`)
  if (r.static !== undefined) {
    const t = c.object(r.static, 'rates.static', Object.keys(r.static as object))
    if (t === undefined) return undefined
    const table: Record<string, string> = {}
    for (const [code, rate] of Object.entries(t)) {
      const decimal = c.decimal(rate, `rates.static.${code}`, { min: 0 })
      if (decimal !== undefined && Number(decimal) === 0) c.fail(`rates.static.${code}`, 'must be positive')
      else if (decimal !== undefined) table[code] = decimal
    }
    return { kind: 'static', table }
  }
  const pollIntervalMs = optionalInt(c, r.pollIntervalMs, 'rates.pollIntervalMs', 100, DAY_MS) ?? 60_000
  const maxAgeMs = optionalInt(c, r.maxAgeMs, 'rates.maxAgeMs', 1, 365 * DAY_MS)
  const polled = maxAgeMs === undefined ? { pollIntervalMs } : { pollIntervalMs, maxAgeMs }
  if (r.file !== undefined) {
    const path = c.string(r.file, 'rates.file')
    return path === undefined ? undefined : { kind: 'file', path: resolveFrom(configDir, path), ...polled }
  }
  const url = c.string(r.url, 'rates.url')
  if (url !== undefined && !/^https?:\/\//.test(url)) return c.fail('rates.url', `"${url}" is not an http:// or https:// URL`)
  return url === undefined ? undefined : { kind: 'url', url, ...polled }
}
