import type { ConfigChecker } from '@stack/channel-core'
import { canParse } from './config-checker.js'
import { checkPortsDistinct, type AdminConfig, type ListenConfig, type ListenersConfig } from './config-listen.js'

/**
 * The `cluster` section: several instances of this program serving one node — one ILP
 * address, one set of peers' accounts in a balance store they share, any instance taking any
 * Prepare (README "Cluster"). Every instance reads the same file; only `instance` differs
 * (STACK_CONNECTOR__CLUSTER__INSTANCE), with its listeners' ports.
 *
 *   - ILP-over-HTTP peers reach the node through a load balancer in front of every instance's
 *     `listen.http`, and every instance POSTs to them itself. One that speaks CCP with the node
 *     is attached too (`attach`), and one with a payment channel: that instance, its owner, is the
 *     one CCP speaker and settles it; the others relay the peer's `peer.route.*` and
 *     `peer.settle` Prepares that land on them to it over the internal link.
 *   - A BTP peer has one socket, so it is attached to one instance (`attach`), which holds its
 *     link (dials it, or takes its login) and its payment channel. The other instances reach it
 *     over the internal link: they send the Prepare, booked already in the shared store, to that
 *     instance's internal listener, which writes the bytes to the peer's socket and returns the
 *     reply, booking nothing.
 *   - CCP with a peer is spoken by the instance it is attached to only (a peer sees one
 *     speaker), and its payment channel is that instance's only; an HTTP peer of no `attach`
 *     entry gets no CCP (static routes) and no settlement.
 */
export interface ClusterConfig {
  /** This instance's id, a key of `instances`. */
  instance: string
  /** Every instance's internal listener: `http://host:port`, where the others reach its BTP peers. */
  instances: Record<string, string>
  /** The internal link's secret, the same in every instance. */
  token: string
  /** Each BTP peer's instance (the one that holds its link), and the owner of each HTTP peer that speaks CCP or settles. */
  attach: Record<string, string>
  /** How often the holder of a peer with a payment channel looks whether it is due (default 1 000 ms). */
  settleIntervalMs?: number
  /** How often an instance asks the others for the routes CCP taught them (default 1 000 ms). */
  routesIntervalMs?: number
}

const ID = /^[A-Za-z0-9_~-]+$/

/** What the section is checked against: the rest of the file, validated. */
export interface ClusterContext {
  address: string | undefined
  peers: readonly { id: string; transport: { kind: string }; sendRoutes?: boolean; receiveRoutes?: boolean; settlement?: unknown }[]
  balances: { store: string }
  listen: ListenersConfig
  admin: AdminConfig | undefined
  local: unknown
}

/** Stores that are one process's own: each instance would keep books of its own. */
const UNSHARED_STORES = ['memory', 'sqlite']

/** The section, and what it asks of the rest of the file. */
export function checkClusterConfig(c: ConfigChecker, value: unknown, context: ClusterContext): ClusterConfig | undefined {
  const http = context.peers.filter((peer) => peer.transport.kind === 'http')
  const cluster = checkCluster(c, value, { btp: context.peers.filter((peer) => peer.transport.kind !== 'http').map((peer) => peer.id), http: http.map((peer) => peer.id) })
  // Asking a parent by ILDCP at each start could give each instance another address.
  if (context.address === undefined) c.fail('address', 'is required in a cluster: every instance must have the same one')
  if (context.local !== undefined) c.fail('local', 'is not for a cluster: its accounts live in one instance\'s BTP sockets')
  if (UNSHARED_STORES.includes(context.balances.store)) {
    c.fail('balances.store', `${context.balances.store} is one process's: a cluster needs a store every instance shares`)
  }
  // The section as written: a bad instance id elsewhere in it is its own error, not this one.
  const attached = (id: string): boolean => typeof value === 'object' && value !== null && Object.hasOwn((value as { attach?: object }).attach ?? {}, id)
  context.peers.forEach((peer, i) => {
    if (peer.transport.kind !== 'http' || attached(peer.id)) return
    for (const key of ['sendRoutes', 'receiveRoutes'] as const) {
      if (peer[key] === true) c.fail(`peers[${i}].${key}`, `needs cluster.attach.${peer.id}: one instance speaks CCP with an HTTP peer, and the others relay its CCP messages there`)
    }
    if (peer.settlement !== undefined) c.fail(`peers[${i}].settlement`, `needs cluster.attach.${peer.id}: one instance settles an HTTP peer, and the others relay its channel's messages there`)
  })
  if (cluster !== undefined) {
    checkPortsDistinct(c, [['listen.btp', context.listen.btp], ['listen.http', context.listen.http], ['admin', context.admin], [`cluster.instances.${cluster.instance}`, clusterListen(cluster)]])
  }
  return cluster
}

function checkCluster(c: ConfigChecker, value: unknown, peers: { btp: readonly string[]; http: readonly string[] }): ClusterConfig | undefined {
  const s = c.object(value, 'cluster', ['instance', 'instances', 'token', 'attach', 'settleIntervalMs', 'routesIntervalMs'])
  if (s === undefined) return undefined
  const instances: Record<string, string> = {}
  const entries = s.instances === undefined ? undefined : c.object(s.instances, 'cluster.instances', Object.keys(s.instances as object))
  if (s.instances === undefined) c.fail('cluster.instances', 'is required: every instance and the URL of its internal listener')
  for (const [id, url] of Object.entries(entries ?? {})) {
    const path = `cluster.instances.${id}`
    if (!ID.test(id)) c.fail(path, `instance id "${id}" may contain only letters, digits, _ ~ and -`)
    const text = c.string(url, path)
    if (text === undefined) continue
    if (!/^http:\/\/[^/]+:\d+\/?$/.test(text) || !canParse(text)) c.fail(path, `"${text}" is not http://host:port (the instance's internal listener)`)
    else if (Object.values(instances).includes(text)) c.fail(path, `${text} is another instance's too`)
    else instances[id] = text
  }
  const instance = c.string(s.instance, 'cluster.instance')
  if (instance !== undefined && entries !== undefined && entries[instance] === undefined) {
    c.fail('cluster.instance', `"${instance}" is not one of cluster.instances (${Object.keys(entries).join(', ')})`)
  }
  const token = c.string(s.token, 'cluster.token')
  if (token !== undefined && token.length < 16) c.fail('cluster.token', 'must be at least 16 characters')

  const attach: Record<string, string> = {}
  const a = s.attach === undefined ? {} : c.object(s.attach, 'cluster.attach', Object.keys(s.attach as object)) ?? {}
  for (const [peer, at] of Object.entries(a)) {
    const path = `cluster.attach.${peer}`
    const id = c.string(at, path)
    if (!peers.btp.includes(peer) && !peers.http.includes(peer)) c.fail(path, `no peer has id "${peer}"`)
    else if (id !== undefined && entries !== undefined && entries[id] === undefined) c.fail(path, `"${id}" is not one of cluster.instances`)
    else if (id !== undefined) attach[peer] = id
  }
  for (const peer of peers.btp) {
    if (a[peer] === undefined) c.fail('cluster.attach', `needs BTP peer ${peer}: a BTP peer has one socket, held by one instance`)
  }
  const intervals: Pick<ClusterConfig, 'settleIntervalMs' | 'routesIntervalMs'> = {}
  for (const key of ['settleIntervalMs', 'routesIntervalMs'] as const) {
    const ms = s[key] === undefined ? undefined : c.integer(s[key], `cluster.${key}`, 10, 3_600_000)
    if (ms !== undefined) intervals[key] = ms
  }
  if (instance === undefined || instances[instance] === undefined || token === undefined) return undefined
  return { instance, instances, token, attach, ...intervals }
}

/** Where this instance's internal listener listens: the host and port of its own URL. */
export function clusterListen(cluster: ClusterConfig): ListenConfig {
  const url = new URL(cluster.instances[cluster.instance] as string)
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) }
}
