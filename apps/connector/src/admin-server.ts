import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { boundedHttpServer, type HttpBounds, type LinkState } from '@stack/channel-core'
import { SettleNowError, type BalanceSnapshot, type NodeEvents } from '@stack/ilp-connector'
import type { RoutingTable } from '@stack/ilp-core'
import type { Logger } from 'pino'
import { bearerCheck } from './admin/auth.js'
import { AdminConflictError, type LiveChanges } from './admin/changes.js'
import { serveEvents, type EventStreamOptions } from './admin/event-stream.js'
import { OPENAPI } from './admin/openapi.js'
import { serveDashboard } from './dashboard/serve.js'
import { InvalidConfigError, type RatesConfig } from './config.js'
import { bigintReplacer } from './logger.js'
import type { NodeMetrics } from './metrics.js'
import { SETTLEMENT_REQUESTS, type SettlementChannels } from './settlement-channels.js'

/**
 * The admin HTTP API (node:http; the whole of it is described in admin/openapi.ts, served at
 * /openapi.json). Reads: /health, /routes, /peers, /balances, /settlement, /rates, /metrics
 * (Prometheus text), /events (Server-Sent Events). Writes (admin/changes.ts, bodies checked like
 * the configuration file, in force at once): peers, static routes, rates, balance adjustments,
 * settle now, and the settlement kinds' requests (`POST /settlement/<peer>/<request>`).
 *
 * node:http rather than a framework: a dozen routes in one table, Server-Sent Events are a
 * response left open (a framework would have to hand the raw socket over anyway), bodies are
 * checked by config.ts rather than by JSON Schema, and there is nothing more to install.
 *
 * With a token (config admin.token) every endpoint but /health (and /metrics if publicMetrics)
 * needs `Authorization: Bearer <token>`; 401 otherwise. The token is never logged.
 */

export interface AdminServer {
  readonly port: number
  close(): Promise<void>
}

/** What the admin API reads and changes of the node. */
export interface AdminNode {
  readonly address: string
  readonly metrics: NodeMetrics
  readonly settlements: Pick<SettlementChannels, 'summary' | 'request'>
  readonly events: NodeEvents
  readonly changes: LiveChanges
  readonly routingTable: RoutingTable
  /** Served as JSON at /peers. */
  peers(): readonly { readonly id: string; readonly state: LinkState }[]
  balances(): Record<string, BalanceSnapshot>
  rates(): RatesConfig
}

export interface AdminServerOptions {
  host: string
  port: number
  token?: string | undefined
  publicMetrics?: boolean
  node: AdminNode
  logger: Logger
  events?: EventStreamOptions
  /** Slow or half-open requests cut off, unauthenticated sockets capped (channel-core's defaults). */
  httpBounds?: HttpBounds
}

type Reply = { status: number; body: unknown } | 'served'
type Endpoint = (req: IncomingMessage, res: ServerResponse, params: string[], query: URLSearchParams) => Promise<Reply> | Reply

const ok = (body: unknown, status = 200): Reply => ({ status, body })
const SERVED: Reply = 'served'

export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const { node, logger } = options
  const startedAt = Date.now()
  const authorized = bearerCheck(options.token)
  const publicPaths = new Set(['/health', ...(options.publicMetrics === true ? ['/metrics'] : [])])

  // [method, path pattern, endpoint]: the first pattern that matches the path decides.
  const table: [string, RegExp, Endpoint][] = [
    ['GET', /^\/health$/, () => {
      const peers = node.peers()
      return ok({
        status: 'ok',
        address: node.address,
        uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
        peers: { total: peers.length, connected: peers.filter((peer) => peer.state === 'connected').length },
      })
    }],
    ['GET', /^\/metrics$/, async (_req, res) => {
      const body = await node.metrics.registry.metrics()
      res.writeHead(200, { 'Content-Type': node.metrics.registry.contentType }).end(body)
      return SERVED
    }],
    ['GET', /^\/openapi\.json$/, () => ok(OPENAPI)],
    ['GET', /^\/events$/, (_req, res) => {
      serveEvents(res, node.events, {
        ...options.events,
        onDropped: (buffered) => logger.info({ buffered, component: 'admin' }, 'event stream client too slow: dropped'),
      })
      return SERVED
    }],
    ['GET', /^\/routes$/, () => ok(routes(node.routingTable))],
    ['POST', /^\/routes$/, async (req) => ok(node.changes.addRoute(await readJson(req)), 201)],
    ['DELETE', /^\/routes$/, (_req, _res, _params, query) => {
      const prefix = query.get('prefix')
      if (prefix === null) return ok({ error: 'needs ?prefix=<route prefix>' }, 400)
      node.changes.removeRoute(prefix)
      return ok({ removed: prefix })
    }],
    ['GET', /^\/peers$/, () => ok(node.peers().map((p) => ({ ...p, ...node.changes.limits(p.id) })))],
    // Answered as GET /peers shows the peer: the entry's tokens are not echoed.
    ['POST', /^\/peers$/, async (req) => ok(peer((await node.changes.addPeer(await readJson(req))).id), 201)],
    ['PUT', /^\/peers\/([^/]+)$/, async (req, _res, [id]) => ok(peer((await node.changes.updatePeer(id as string, await readJson(req))).id))],
    ['DELETE', /^\/peers\/([^/]+)$/, async (_req, _res, [id]) => {
      await node.changes.removePeer(id as string)
      return ok({ removed: id })
    }],
    ['POST', /^\/peers\/([^/]+)\/settle$/, async (_req, _res, [id]) => ok(await node.changes.settle(id as string))],
    ['GET', /^\/balances$/, () => ok(node.balances())],
    ['POST', /^\/balances\/([^/]+)\/adjustments$/, async (req, _res, [id]) => ok(await node.changes.adjustBalance(id as string, await readJson(req)))],
    ['GET', /^\/rates$/, () => ok(node.rates())],
    ['PUT', /^\/rates$/, async (req) => ok(await node.changes.setRates(await readJson(req)))],
    ['GET', /^\/settlement$/, () => ok(node.settlements.summary())],
    ['POST', /^\/settlement\/([^/]+)\/([^/]+)$/, async (req, _res, [peer, name]) => {
      if (!SETTLEMENT_REQUESTS.has(name as string)) return ok({ error: `no settlement request ${name}` }, 404)
      const result = await node.settlements.request(peer as string, name as string, await readJson(req))
      // Refusals of a well-formed request (nothing to redeem, no key) are the caller's to fix too.
      return result.status === 'ok' ? ok(result.body) : ok({ error: result.error }, result.status === 'invalid' ? 400 : 422)
    }],
  ]

  const peer = (id: string): unknown => {
    const found = node.peers().find((p) => p.id === id)
    return found === undefined ? undefined : { ...found, ...node.changes.limits(id) }
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://admin')
    const path = url.pathname
    if (await serveDashboard(req, res, path)) return // the page asks for the token itself
    const matching = table.filter(([, pattern]) => pattern.test(path))
    if (matching.length === 0) return answer(res, 404, { error: `no such endpoint: ${path}` })
    if (!publicPaths.has(path) && !authorized(req)) {
      return answer(res, 401, { error: 'missing or wrong bearer token' }, { 'WWW-Authenticate': 'Bearer realm="stack-connector admin"' })
    }
    if (!publicPaths.has(path)) bounded.authenticated(req.socket)
    // HEAD as GET, but for the event stream (a response that never ends).
    const method = req.method === 'HEAD' && path !== '/events' ? 'GET' : req.method
    const found = matching.find(([m]) => m === method)
    if (found === undefined) return answer(res, 405, { error: 'method not allowed' }, { Allow: matching.map(([m]) => m).join(', ') })
    const params: string[] = []
    for (const segment of (found[1].exec(path) as RegExpExecArray).slice(1)) {
      const decoded = decodePathSegment(segment as string)
      if (decoded === undefined) return answer(res, 400, { error: 'a path segment is not valid percent-encoding' })
      params.push(decoded)
    }
    let reply: Reply
    try {
      reply = await found[2](req, res, params, url.searchParams)
    } catch (error) {
      if (error instanceof BadBodyError) reply = ok({ error: error.message }, 400)
      else if (error instanceof InvalidConfigError) reply = ok({ error: 'invalid request', issues: error.issues }, 400)
      else if (error instanceof AdminConflictError) reply = ok({ error: error.message }, error.status)
      else if (error instanceof SettleNowError) reply = ok({ error: error.message }, 422)
      else throw error
    }
    if (reply !== 'served') answer(res, reply.status, reply.body)
  }

  // Like the BTP and ILP-over-HTTP listeners: a half-sent request is cut off (408), and sockets
  // that never showed the token are capped.
  const bounded = boundedHttpServer(options.httpBounds, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      // A client that went away mid-request is no fault of ours (nor worth an alert).
      if (req.destroyed || res.destroyed) {
        logger.debug({ err: error, url: req.url, component: 'admin' }, 'admin client went away')
        return
      }
      logger.error({ err: error, url: req.url }, 'admin request failed')
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify({ error: 'internal error' }))
    })
  })
  const server = bounded.server
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  if (options.token === undefined) logger.warn({ host: options.host, component: 'admin' }, 'admin API without a token: any local process may use it (set admin.token)')
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

function routes(routingTable: RoutingTable): unknown[] {
  return [...routingTable.routes()]
    .map((route) => ({
      prefix: route.prefix,
      nextHop: route.nextHop,
      path: route.path,
      source: route.source,
      ...(route.expiresAt === undefined ? {} : { expiresAt: new Date(route.expiresAt).toISOString() }),
    }))
    .sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0))
}

function answer(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json' }).end(JSON.stringify(body, bigintReplacer, 2))
}

const MAX_BODY = 16 * 1024

/** A request body that is not JSON, or longer than MAX_BODY. */
class BadBodyError extends Error {
  override readonly name = 'BadBodyError'
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  let length = 0
  // Read to the end even when too long: leaving the loop early would destroy the socket before the 400.
  for await (const chunk of req as AsyncIterable<Buffer>) {
    length += chunk.length
    if (length <= MAX_BODY) chunks.push(chunk)
  }
  if (length > MAX_BODY) throw new BadBodyError(`the body is longer than ${MAX_BODY} bytes`)
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown
  } catch {
    throw new BadBodyError('the body is not JSON')
  }
}

function decodePathSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment)
  } catch {
    return undefined // URIError: a malformed %-sequence
  }
}
