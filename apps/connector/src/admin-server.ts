import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { RoutingTable } from '@stack/ilp-core'
import type { Logger } from 'pino'
import { bigintReplacer } from './logger.js'
import type { ConnectorNode } from './node.js'

/**
 * The admin HTTP API (node:http), read-only: GET /health, /routes, /peers, /balances (JSON,
 * amounts as strings of digits) and /metrics (Prometheus text). Listen on loopback or behind
 * something that authenticates: it has no authentication of its own.
 */

export interface AdminServer {
  readonly port: number
  close(): Promise<void>
}

export interface AdminServerOptions {
  host: string
  port: number
  node: ConnectorNode
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
    '/balances': () => node.connector.balances(),
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/'
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
