import { readFile } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'

/**
 * The dashboard's static files (the package's dashboard/ folder, README "Dashboard"), served by
 * the admin server at /dashboard without the token: the page holds no data, it asks for the
 * token and reads the API with it. Found from this module's own place, two folders below the
 * package (src/dashboard/ or dist/dashboard/), so it works from the sources, dist/ and a packed
 * install alike. Only the files named here are served: no path from the request reaches the disk.
 */
const ROOT = new URL('../../dashboard/', import.meta.url)

const FILES: Record<string, { file: string; type: string }> = {
  '/dashboard': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard/api.js': { file: 'api.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard/format.js': { file: 'format.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard/graph.js': { file: 'graph.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard/peer-graph.js': { file: 'peer-graph.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard/channels.js': { file: 'channels.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard/gate.js': { file: 'gate.js', type: 'text/javascript; charset=utf-8' },
  // The multi-node page is served by the demos' watch server (apps/demo/src/watch.ts), which
  // passes its reads to every node: not by a node, whose page reads that node only.
  '/dashboard/dashboard.css': { file: 'dashboard.css', type: 'text/css; charset=utf-8' },
}

/** Nothing from elsewhere: own scripts, styles and API only; no inline code, no framing. */
export const DASHBOARD_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

/** Answers a GET or HEAD of a dashboard file and returns true; false for any other request. */
export async function serveDashboard(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
  const found = FILES[path]
  if (found === undefined || (req.method !== 'GET' && req.method !== 'HEAD')) return false
  const body = await readFile(new URL(found.file, ROOT))
  res.writeHead(200, {
    'Content-Type': found.type,
    'Content-Length': body.length,
    'Content-Security-Policy': DASHBOARD_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-cache',
  })
  res.end(req.method === 'HEAD' ? undefined : body)
  return true
}
