import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { InvalidChannelOptionError, NothingToRedeemError, type RedemptionFields } from '@stack/channel-xrp'
import type { LinkState } from '@stack/channel-core'
import type { BalanceSnapshot } from '@stack/ilp-connector'
import type { RoutingTable } from '@stack/ilp-core'
import { LedgerError } from '@stack/ledger-core'
import type { Logger } from 'pino'
import { bigintReplacer } from './logger.js'
import type { NodeMetrics } from './metrics.js'
import { RedemptionRequestError, type SettlementChannels } from './settlement-channels.js'

/**
 * The admin HTTP API (node:http): GET /health, /routes, /peers, /balances, /settlement (JSON,
 * amounts as strings of digits) and /metrics (Prometheus text); one POST,
 * /settlement/<peer>/redemption, which signs (never submits) the PaymentChannelClaim that
 * redeems an XRP peer's best claim. Listen on loopback or behind something that authenticates:
 * it has no authentication of its own, and a redemption is signed with the node's XRP key.
 */

export interface AdminServer {
  readonly port: number
  close(): Promise<void>
}

/** What the admin API reads of the node. */
export interface AdminNode {
  readonly address: string
  readonly metrics: NodeMetrics
  readonly settlements: Pick<SettlementChannels, 'summary' | 'xrpRedemption'>
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
  const redemptionPath = /^\/settlement\/([^/]+)\/redemption$/

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/'
    const redemption = redemptionPath.exec(path)
    if (redemption !== null) {
      if (req.method !== 'POST') return answer(res, 405, { error: 'method not allowed' }, { Allow: 'POST' })
      const peerId = decodePathSegment(redemption[1] as string)
      if (peerId === undefined) return answer(res, 400, { error: 'the peer id in the path is not valid percent-encoding' })
      return answerRedemption(req, res, peerId)
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

  const answerRedemption = async (req: IncomingMessage, res: ServerResponse, peerId: string): Promise<void> => {
    const body = await readJson(req)
    const fields = body === undefined ? undefined : redemptionFields(body)
    if (fields === undefined) {
      return answer(res, 400, { error: 'expected JSON {"fee": "<drops>", "sequence": <n>, "lastLedgerSequence"?: <n>, "close"?: bool, "channelId"?: "<64 hex>"}' })
    }
    try {
      const signed = await node.settlements.xrpRedemption(peerId, fields)
      logger.info({ peer: peerId, channelId: signed.channelId, balance: signed.balance.toString(), hash: signed.hash }, 'signed an XRP redemption')
      answer(res, 200, signed)
    } catch (error) {
      // Refusals of the request (no such peer, nothing to redeem, no key, a bad field) are the caller's to fix.
      const refused = error instanceof RedemptionRequestError || error instanceof NothingToRedeemError || error instanceof InvalidChannelOptionError || error instanceof LedgerError
      if (!refused) throw error
      answer(res, 422, { error: `${error.name}: ${error.message}` })
    }
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

function redemptionFields(body: unknown): (RedemptionFields & { channelId?: string }) | undefined {
  if (typeof body !== 'object' || body === null) return undefined
  const { fee, sequence, lastLedgerSequence, close, channelId } = body as Record<string, unknown>
  const uint32 = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffff_ffff
  if (!(typeof fee === 'string' && /^\d{1,17}$/.test(fee)) || !uint32(sequence)) return undefined
  if ((lastLedgerSequence !== undefined && !uint32(lastLedgerSequence)) || (close !== undefined && typeof close !== 'boolean')) return undefined
  if (channelId !== undefined && typeof channelId !== 'string') return undefined
  return {
    fee: BigInt(fee),
    sequence,
    ...(lastLedgerSequence === undefined ? {} : { lastLedgerSequence }),
    ...(close === undefined ? {} : { close }),
    ...(channelId === undefined ? {} : { channelId }),
  }
}

function decodePathSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment)
  } catch {
    return undefined // URIError: a malformed %-sequence
  }
}
