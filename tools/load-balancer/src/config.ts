import { LoadBalancerOptionError } from './errors.js'

/** One server behind the load balancer: a connector instance's listener. */
export interface Backend {
  /** Unique among the backends: letters, digits, `_` `-` `.` (haproxy's server names). */
  readonly name: string
  /** Default 127.0.0.1. */
  readonly host?: string
  readonly port: number
}

/**
 * `http`: HTTP/1.1 requests (ILP over HTTP) spread over the backends one by one, round robin.
 * `tcp`: connections (BTP's WebSockets) spread by fewest open connections, each kept on the
 * backend it reached until it closes.
 */
export type BalanceMode = 'http' | 'tcp'

export interface HaproxyConfigInput {
  readonly mode: BalanceMode
  readonly port: number
  readonly backends: readonly Backend[]
  /** The runtime API's unix socket (states of the backends, drain / ready). */
  readonly adminSocket: string
  /** Between health checks of a backend; a backend is down after two failed ones. */
  readonly checkIntervalMs: number
  /** haproxy threads. */
  readonly threads: number
}

const NAME = /^[A-Za-z0-9_.-]+$/
const HOST = /^[A-Za-z0-9.:-]+$/

/**
 * haproxy.cfg for one frontend on 127.0.0.1 and one backend of `backends`. A request whose
 * connection to a backend fails is sent to another (`retry-on conn-failure` + `redispatch`):
 * it never reached the first, so nothing runs twice. A request that reached a backend which then
 * died is not retried (a Prepare must not be forwarded twice): the client gets 502.
 */
export function haproxyConfig(input: HaproxyConfigInput): string {
  checkInput(input)
  const http = input.mode === 'http'
  const servers = input.backends.map((b) => `  server ${b.name} ${b.host ?? '127.0.0.1'}:${b.port}`)
  return [
    'global',
    `  nbthread ${input.threads}`,
    '  maxconn 4000', // two fds a connection, under a usual 20 000 open-file limit
    `  stats socket ${input.adminSocket} mode 600 level admin`,
    '',
    'defaults',
    `  mode ${input.mode}`,
    '  timeout connect 2s',
    '  timeout client 120s',
    '  timeout server 120s',
    // A WebSocket (BTP) is a tunnel once upgraded: idle for as long as the peer has nothing to say.
    '  timeout tunnel 1h',
    '  retries 3',
    '  option redispatch 1',
    ...(http ? ['  retry-on conn-failure', '  option http-keep-alive'] : []),
    '',
    'frontend in',
    `  bind 127.0.0.1:${input.port}`,
    '  default_backend instances',
    '',
    'backend instances',
    `  balance ${http ? 'roundrobin' : 'leastconn'}`,
    // A connection check: a SIGKILLed instance refuses it. A tunnel (tcp) to a backend marked
    // down is cut, so its client dials again and lands on another; an HTTP client's connection
    // is not the backend's, and stays.
    `  default-server check inter ${input.checkIntervalMs}ms fastinter ${input.checkIntervalMs}ms fall 2 rise 1${http ? '' : ' on-marked-down shutdown-sessions'}`,
    ...servers,
    '',
  ].join('\n')
}

function checkInput(input: HaproxyConfigInput): void {
  if (input.backends.length === 0) throw new LoadBalancerOptionError('backends', input.backends, 'must name at least one backend')
  const names = new Set<string>()
  for (const b of input.backends) {
    if (!NAME.test(b.name)) throw new LoadBalancerOptionError('backends[].name', b.name, 'may contain only letters, digits, _ - and .')
    if (names.has(b.name)) throw new LoadBalancerOptionError('backends[].name', b.name, 'is used twice')
    names.add(b.name)
    if (b.host !== undefined && !HOST.test(b.host)) throw new LoadBalancerOptionError('backends[].host', b.host, 'must be a host name or IP address')
    port('backends[].port', b.port)
  }
  port('port', input.port)
  integer('checkIntervalMs', input.checkIntervalMs, 10)
  integer('threads', input.threads, 1)
}

function port(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1 || value > 65_535) throw new LoadBalancerOptionError(name, value, 'must be a port, 1 to 65535')
}

export function integer(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) throw new LoadBalancerOptionError(name, value, `must be an integer ≥ ${min}`)
  return value
}
