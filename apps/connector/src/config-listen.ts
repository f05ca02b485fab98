import type { ConfigChecker } from '@stack/channel-core'

// The listeners' sections of the configuration (`listen`, `admin`): host and port, one port
// each, and the admin API's token rule.

const PORT_MAX = 65_535

export interface ListenConfig {
  host: string
  port: number
}

/**
 * The admin API (admin-server.ts). With a `token`, every endpoint but /health (and /metrics
 * when `publicMetrics`) needs `Authorization: Bearer <token>`; without one it must listen on a
 * loopback address, where any local process may use it.
 */
export interface AdminConfig extends ListenConfig {
  token?: string
  /** /metrics without the token (a Prometheus scraper); default false. */
  publicMetrics?: boolean
}

/** The BTP and ILP-over-HTTP listeners (`listen`). */
export interface ListenersConfig {
  btp?: ListenConfig
  http?: ListenConfig
}

export function checkListen(c: ConfigChecker, value: unknown): ListenersConfig {
  if (value === undefined) return {}
  const l = c.object(value, 'listen', ['btp', 'http'])
  if (l === undefined) return {}
  const listen: ListenersConfig = {}
  const btp = l.btp === undefined ? undefined : checkListenEntry(c, l.btp, 'listen.btp')
  const http = l.http === undefined ? undefined : checkListenEntry(c, l.http, 'listen.http')
  if (btp !== undefined) listen.btp = btp
  if (http !== undefined) listen.http = http
  return listen
}

/** Two listeners on one port: the second would crash the start with EADDRINUSE (port 0: any free one). */
export function checkPortsDistinct(c: ConfigChecker, listeners: [string, ListenConfig | undefined][]): void {
  const seen = new Map<number, string>()
  for (const [path, l] of listeners) {
    if (l === undefined || l.port === 0) continue
    const other = seen.get(l.port)
    if (other !== undefined) c.fail(`${path}.port`, `${l.port} is also ${other}.port: each listener needs its own port`)
    else seen.set(l.port, path)
  }
}

function checkListenEntry(c: ConfigChecker, value: unknown, path: string): ListenConfig | undefined {
  const l = c.object(value, path, ['host', 'port'])
  if (l === undefined) return undefined
  const host = l.host === undefined ? '127.0.0.1' : c.string(l.host, `${path}.host`)
  const port = c.integer(l.port, `${path}.port`, 0, PORT_MAX)
  return host === undefined || port === undefined ? undefined : { host, port }
}

// Without a token the admin API is anyone's who reaches it: loopback only.
export function checkAdmin(c: ConfigChecker, value: unknown): AdminConfig | undefined {
  const a = c.object(value, 'admin', ['host', 'port', 'token', 'publicMetrics'])
  if (a === undefined) return undefined
  const listen = checkListenEntry(c, { host: a.host, port: a.port }, 'admin')
  const token = a.token === undefined ? undefined : c.string(a.token, 'admin.token')
  if (token !== undefined && token.length < 16) c.fail('admin.token', 'must be at least 16 characters')
  const publicMetrics = a.publicMetrics === undefined ? undefined : c.boolean(a.publicMetrics, 'admin.publicMetrics')
  if (listen !== undefined && a.token === undefined && !isLoopback(listen.host)) {
    c.fail('admin.token', `is required to listen beyond loopback (admin.host "${listen.host}"): set admin.token or STACK_CONNECTOR__ADMIN__TOKEN`)
  }
  if (listen === undefined) return undefined
  return { ...listen, ...(token === undefined ? {} : { token }), ...(publicMetrics === true ? { publicMetrics } : {}) }
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}
