import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { LinkState } from '@stack/channel-core'
import type { BalanceSnapshot } from '@stack/ilp-connector'
import type { RoutingTable } from '@stack/ilp-core'
import type { Logger } from 'pino'
import { bigintReplacer } from './logger.js'
import type { NodeMetrics } from './metrics.js'
import { SETTLEMENT_REQUESTS, type SettlementChannels } from './settlement-channels.js'

/**
 * The admin HTTP API (node:http): GET /health, /routes, /peers, /balances, /settlement (JSON,
 * amounts as strings of digits) and /metrics (Prometheus text); POST /settlement/<peer>/<request>
 * for the requests the peer's settlement kind answers (its plug-in's `requests`: xrp signs, never
 * submits, the PaymentChannelClaim that redeems the best claim held). Listen on loopback or
 * behind something that authenticates: it has no authentication of its own, and a request may
 * be signed with one of the node's keys.
 */

export interface AdminServer {
  readonly port: number
  close(): Promise<void>
}

/** What the admin API reads of the node. */
export interface AdminNode {
  readonly address: string
  readonly metrics: NodeMetrics
  readonly settlements: Pick<SettlementChannels, 'summary' | 'request'>
  /** Served as JSON at /peers. */
  peers(): readonly { readonly state: LinkState }[]
  balances(): Record<string, BalanceSnapshot>
}

export interface AdminServerOptions {
  host: string
  port: number
  node: AdminNode
  routingTable: RoutingTable
  logger: Logger
}

export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const { node, routingTable, logger } = options
  const startedAt = Date.now()

  const routes: Record<string, () => unknown> = {
    '/health': () => {
      const peers = node.peers()
      return {
        status: 'ok',
        address: node.address,
        uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
        peers: { total: peers.length, connected: peers.filter((peer) => peer.state === 'connected').length },
      }
    },
    '/routes': () =>
      [...routingTable.routes()]
        .map((route) => ({
          prefix: route.prefix,
          nextHop: route.nextHop,
          path: route.path,
          source: route.source,
          ...(route.expiresAt === undefined ? {} : { expiresAt: new Date(route.expiresAt).toISOString() }),
        }))
        .sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0)),
    '/peers': () => node.peers(),
    '/balances': () => node.balances(),
    '/settlement': () => node.settlements.summary(),
  }
  const requestPath = /^\/settlement\/([^/]+)\/([^/]+)$/

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/'
    const request = requestPath.exec(path)
    if (request !== null && SETTLEMENT_REQUESTS.has(request[2] as string)) {
      if (req.method !== 'POST') return answer(res, 405, { error: 'method not allowed' }, { Allow: 'POST' })
      const peerId = decodePathSegment(request[1] as string)
      if (peerId === undefined) return answer(res, 400, { error: 'the peer id in the path is not valid percent-encoding' })
      const result = await node.settlements.request(peerId, request[2] as string, await readJson(req))
      // Refusals of a well-formed request (nothing to redeem, no key) are the caller's to fix too.
      return result.status === 'ok' ? answer(res, 200, result.body) : answer(res, result.status === 'invalid' ? 400 : 422, { error: result.error })
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'application/json' }).end(JSON.stringify({ error: 'method not allowed' }))
      return
    }
    if (path === '/metrics') {
      const body = await node.metrics.registry.metrics()
      res.writeHead(200, { 'Content-Type': node.metrics.registry.contentType }).end(body)
      return
    }
    const route = routes[path]
    if (route === undefined) {
      res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: `no such endpoint: ${path}` }))
      return
    }
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(route(), bigintReplacer, 2))
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      logger.error({ err: error, url: req.url }, 'admin request failed')
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify({ error: 'internal error' }))
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

function answer(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json' }).end(JSON.stringify(body, bigintReplacer, 2))
}

const MAX_BODY = 16 * 1024

/** The request body as JSON, or undefined when it is not JSON or too long. */
async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  let length = 0
  // Read to the end even when too long: leaving the loop early would destroy the socket before the 400.
  for await (const chunk of req as AsyncIterable<Buffer>) {
    length += chunk.length
    if (length <= MAX_BODY) chunks.push(chunk)
  }
  if (length > MAX_BODY) return undefined
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown
  } catch {
    return undefined
  }
}

function decodePathSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment)
  } catch {
    return undefined // URIError: a malformed %-sequence
  }
}
