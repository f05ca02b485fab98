// `--watch`: the demo network kept up while a browser watches it. One small HTTP server on
// loopback serves the multi-node page (network.html, from the connector package's dashboard/
// folder: the same modules and stylesheet as each node's own /dashboard) and passes the page's
// reads through to every node's admin API with that node's token. The page then talks to one
// origin only: no CORS, `connect-src 'self'`, and no node's token reaches the browser; the page
// holds this server's own token (in the printed URL's fragment, never sent to a server).
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { Readable } from 'node:stream'

/** One node of the network: its admin API (and the token it wants, if any). */
export interface WatchedNode {
  readonly name: string
  readonly adminUrl: string
  readonly token?: string
}

export interface Watch {
  /** The multi-node page, with this server's token in the fragment. */
  readonly url: string
  /** Each node's own dashboard (its admin server's /dashboard, its token in the fragment). */
  readonly nodeUrls: readonly { readonly name: string; readonly url: string }[]
  /** Resolves once a page follows the events of every node (it is open and live). */
  opened(): Promise<void>
  close(): Promise<void>
}

/** The admin reads the page may make through this server (GETs only: nothing here changes a node). */
const READS = /^\/(health|peers|balances|settlement|routes|events|peers\/[^/]+\/channel)$/
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' }
// As the connector serves its dashboard (apps/connector/src/dashboard/serve.ts): own files only.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

/** The connector package's dashboard/ folder: its files by name (read once; no request path reaches the disk). */
function dashboardFiles(): Map<string, { body: Buffer; type: string }> {
  const folder = join(dirname(createRequire(import.meta.url).resolve('@stack/connector/package.json')), 'dashboard')
  const files = new Map<string, { body: Buffer; type: string }>()
  for (const name of readdirSync(folder)) {
    const type = TYPES[name.slice(name.lastIndexOf('.'))]
    if (type !== undefined) files.set(name, { body: readFileSync(join(folder, name)), type })
  }
  return files
}

export async function startWatch(nodes: readonly WatchedNode[], options: { port?: number } = {}): Promise<Watch> {
  const files = dashboardFiles()
  const token = randomBytes(16).toString('hex')
  const byName = new Map(nodes.map((node) => [node.name, node]))
  const following = new Map<string, number>() // node name → open event streams
  const waiting: (() => void)[] = []
  const everyNodeFollowed = () => nodes.every((node) => (following.get(node.name) ?? 0) > 0)
  const authorized = (req: IncomingMessage) => {
    const given = Buffer.from(req.headers.authorization ?? '')
    const wanted = Buffer.from(`Bearer ${token}`)
    return given.length === wanted.length && timingSafeEqual(given, wanted)
  }

  const proxy = async (req: IncomingMessage, res: ServerResponse, node: WatchedNode, path: string): Promise<void> => {
    const abort = new AbortController()
    res.on('close', () => abort.abort())
    const upstream = await fetch(`${node.adminUrl}${path}`, { headers: node.token === undefined ? {} : { authorization: `Bearer ${node.token}` }, signal: abort.signal })
    res.writeHead(upstream.status, { 'Content-Type': upstream.headers.get('content-type') ?? 'application/json', 'Cache-Control': 'no-store' })
    if (upstream.body === null) return void res.end()
    if (path === '/events') {
      following.set(node.name, (following.get(node.name) ?? 0) + 1)
      res.on('close', () => following.set(node.name, (following.get(node.name) ?? 1) - 1))
      if (everyNodeFollowed()) for (const resolve of waiting.splice(0)) resolve()
    }
    Readable.fromWeb(upstream.body as import('node:stream/web').ReadableStream).on('error', () => res.destroy()).pipe(res)
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://watch').pathname
    if (req.method !== 'GET') return void res.writeHead(405, { Allow: 'GET' }).end()
    if (path === '/' || path === '/network') return void res.writeHead(302, { Location: '/dashboard/network.html' }).end()
    const file = path.startsWith('/dashboard/') ? files.get(path.slice('/dashboard/'.length)) : undefined
    if (file !== undefined) {
      res.writeHead(200, { 'Content-Type': file.type, 'Content-Security-Policy': CSP, 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer', 'Cache-Control': 'no-cache' })
      return void res.end(file.body)
    }
    const json = (status: number, body: unknown) => res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body))
    const match = /^\/nodes\/([^/]+)(\/.*)$/.exec(path)
    if (path !== '/nodes' && match === null) return void json(404, { error: `no such path: ${path}` })
    if (!authorized(req)) return void json(401, { error: 'missing or wrong bearer token' })
    if (path === '/nodes') return void json(200, nodes.map((node) => ({ name: node.name })))
    const node = byName.get(decodeURIComponent(match?.[1] ?? ''))
    const rest = match?.[2] ?? ''
    if (node === undefined || !READS.test(rest)) return void json(404, { error: `no such node or read: ${path}` })
    await proxy(req, res, node, rest)
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // The node went away (stopped, or the page closed mid-read): the page reconnects.
      if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify({ error: `the node did not answer: ${(error as Error).message}` }))
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url: `${base}/dashboard/network.html#token=${token}`,
    nodeUrls: nodes.map((node) => ({ name: node.name, url: `${node.adminUrl}/dashboard${node.token === undefined ? '' : `#token=${node.token}`}` })),
    opened: () => (everyNodeFollowed() ? Promise.resolve() : new Promise<void>((resolve) => waiting.push(resolve))),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

/** Prints where to watch: the multi-node page, then each node's own dashboard. */
export function printWatch(watch: Watch, log: (who: string, line: string) => void): void {
  log('watch', `every node at once: ${watch.url}`)
  for (const node of watch.nodeUrls) log('watch', `node ${node.name}: ${node.url}`)
}

/** Resolves on the first SIGINT (Ctrl-C) or SIGTERM. */
export function untilStopped(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      resolve(signal)
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
}

/** Ctrl-C or SIGTERM came while a demo waited for its page to open: nothing was paid. */
export class DemoStoppedError extends Error {
  override readonly name = 'DemoStoppedError'
  constructor() {
    super('stopped before the page opened: nothing was paid')
  }
}

export interface DemoWatch {
  /** Keeps the network up until Ctrl-C or SIGTERM (rejects as the demo's `died` does). */
  hold(): Promise<void>
  close(): Promise<void>
}

/**
 * A demo's `--watch`, before it pays: prints the dashboards' URLs and resolves once a page
 * follows every node, so the payment is seen as it flows (rejects with DemoStoppedError on
 * Ctrl-C or SIGTERM first, or as `died` does). After the payment, `hold()` keeps the network up
 * until Ctrl-C or SIGTERM; the demo then closes and checks as it always does.
 */
export async function watchDemo(nodes: readonly WatchedNode[], log: (who: string, line: string) => void, died: Promise<never> = new Promise(() => {})): Promise<DemoWatch> {
  // From now on, whenever it comes, the signal ends the demo the way it ends anyway.
  const stopped = untilStopped()
  const watch = await startWatch(nodes)
  printWatch(watch, log)
  log('watch', 'waiting for the page to open (it pays once the page follows every node); Ctrl-C to stop')
  try {
    if ((await Promise.race([watch.opened().then(() => 'opened'), stopped, died])) !== 'opened') throw new DemoStoppedError()
  } catch (error) {
    await watch.close()
    throw error
  }
  return {
    async hold() {
      log('watch', 'paid and settled; the network stays up: Ctrl-C (or SIGTERM) to close the channels and finish')
      await Promise.race([stopped, died]).finally(() => watch.close())
    },
    close: () => watch.close(),
  }
}

/**
 * The one line a demo calls with its network up (after paying): prints the dashboards' URLs and
 * keeps the network (and the page's server) up until Ctrl-C or SIGTERM; then the demo goes on.
 */
export async function watchUntilStopped(nodes: readonly WatchedNode[], log: (who: string, line: string) => void): Promise<void> {
  const watch = await startWatch(nodes)
  printWatch(watch, log)
  log('watch', 'the network stays up: Ctrl-C (or SIGTERM) to close it and finish')
  await untilStopped()
  await watch.close()
}
