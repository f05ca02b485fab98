import { parseArgs } from 'node:util'
import { ExitCode, UsageError } from '../exit-codes.js'
import { json } from '../format.js'
import type { Io } from '../io.js'

export const ADMIN_HELP = `stack admin <command> [options]

Talks to a stack-connector's admin API (apps/connector README, "Admin API").

Commands:
  status                       address, uptime, which peers are connected
  peers                        peers: relation, asset, transport, link state
  routes                       routes in force
  balances                     what the node owes each peer (negative: the peer owes it)
  rates                        the rate source in force
  settle <peer>                pay the peer now what the node owes it above its settleTo
  adjust <peer> <amount> --reason <text>
                               add <amount> (integer units; negative lowers it) to the
                               peer's balance, journaled with the reason

Options:
  --url <url>          the admin API (default $STACK_ADMIN_URL, else http://127.0.0.1:7770)
  --token <token>      its bearer token (default $STACK_ADMIN_TOKEN)
  --reason <text>      adjust: why (kept in the node's balance journal)
  --json               print the API's JSON answer
  -h, --help           this help

Exit: 0 done, 1 the node refused the change (the message says why), 2 usage error,
3 the admin API is unreachable or answered an error, 5 the admin API refused the token.
`

/** An answer of the admin API other than 2xx, or none at all. */
export class AdminApiError extends Error {
  override readonly name = 'AdminApiError'
  constructor(readonly code: ExitCode, message: string) {
    super(message)
  }
}

export async function adminCommand(args: string[], io: Io, env: Readonly<Record<string, string | undefined>> = process.env): Promise<number> {
  // A negative amount (`adjust bob -500`) is a positional, not a flag.
  const negatives = new Map<string, string>()
  const argv = args.map((arg, i) => {
    if (!/^-\d+$/.test(arg)) return arg
    const key = `\u0000${i}`
    negatives.set(key, arg)
    return key
  })
  const { values, positionals: raw } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      token: { type: 'string' },
      reason: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  const positionals = raw.map((arg) => negatives.get(arg) ?? arg)
  const [command, ...rest] = positionals
  if (values.help || command === undefined) {
    io.out(ADMIN_HELP)
    return values.help ? ExitCode.Ok : ExitCode.Usage
  }
  const url = (values.url ?? env.STACK_ADMIN_URL ?? 'http://127.0.0.1:7770').replace(/\/+$/, '')
  if (!/^https?:\/\//.test(url)) throw new UsageError(`--url must be an http:// or https:// URL, got "${url}"`)
  const call = (method: string, path: string, body?: unknown): Promise<unknown> => request(url, values.token ?? env.STACK_ADMIN_TOKEN, method, path, body)
  const expect = (count: number, usage: string): string[] => {
    if (rest.length !== count) throw new UsageError(`usage: stack admin ${usage}`)
    return rest
  }
  const print = (answer: unknown, text: () => string): number => {
    io.out(values.json ? `${json(answer)}\n` : `${text()}\n`)
    return ExitCode.Ok
  }
  try {
    switch (command) {
      case 'status': {
        expect(0, 'status')
        // /health needs no token; /peers does, so a wrong token shows here too.
        const health = (await call('GET', '/health')) as { address: string; uptimeSeconds: number }
        const peers = (await call('GET', '/peers')) as { id: string; state: string }[]
        const down = peers.filter((p) => p.state !== 'connected').map((p) => p.id)
        return print({ ...health, peers }, () =>
          `${health.address}: up ${health.uptimeSeconds} s, ${peers.length - down.length} of ${peers.length} peers connected${down.length === 0 ? '' : ` (not: ${down.join(', ')})`}`)
      }
      case 'peers': {
        expect(0, 'peers')
        const peers = (await call('GET', '/peers')) as { id: string; relation: string; asset: { code: string; scale: number }; transport: string; state: string }[]
        return print(peers, () => table(['peer', 'relation', 'asset', 'transport', 'state'], peers.map((p) => [p.id, p.relation, `${p.asset.code}/${p.asset.scale}`, p.transport, p.state])))
      }
      case 'routes': {
        expect(0, 'routes')
        const routes = (await call('GET', '/routes')) as { prefix: string; nextHop: string; source: string }[]
        return print(routes, () => table(['prefix', 'next hop', 'source'], routes.map((r) => [r.prefix === '' ? '(default)' : r.prefix, r.nextHop === '' ? '(this node)' : r.nextHop, r.source])))
      }
      case 'balances': {
        expect(0, 'balances')
        const balances = (await call('GET', '/balances')) as Record<string, { balance: string; pendingDebit: string; pendingCredit: string }>
        return print(balances, () => table(['peer', 'balance', 'pending debit', 'pending credit'], Object.entries(balances).map(([id, b]) => [id, b.balance, b.pendingDebit, b.pendingCredit])))
      }
      case 'rates': {
        expect(0, 'rates')
        const rates = (await call('GET', '/rates')) as { kind: string; table?: Record<string, string>; path?: string; url?: string }
        return print(rates, () => rates.table !== undefined ? table(['asset', 'price'], Object.entries(rates.table ?? {})) : `${rates.kind}: ${rates.path ?? rates.url}`)
      }
      case 'settle': {
        const [peer] = expect(1, 'settle <peer>') as [string]
        const settled = (await call('POST', `/peers/${encodeURIComponent(peer)}/settle`)) as { amount: string; balance: string }
        return print(settled, () => (settled.amount === '0' ? `nothing to settle with ${peer} (balance ${settled.balance})` : `paid ${settled.amount} to ${peer}; balance now ${settled.balance}`))
      }
      case 'adjust': {
        const [peer, amount] = expect(2, 'adjust <peer> <amount> --reason <text>') as [string, string]
        if (!/^-?\d+$/.test(amount)) throw new UsageError(`<amount> must be an integer number of units, got "${amount}"`)
        if (values.reason === undefined) throw new UsageError('adjust needs --reason <text>: it is kept in the balance journal')
        const adjusted = (await call('POST', `/balances/${encodeURIComponent(peer)}/adjustments`, { amount, reason: values.reason })) as { balance: string }
        return print(adjusted, () => `${peer}: balance now ${adjusted.balance}`)
      }
      default:
        throw new UsageError(`unknown admin command "${command}"`)
    }
  } catch (error) {
    if (!(error instanceof AdminApiError)) throw error
    if (values.json) io.out(`${json({ status: 'error', error: { kind: error.name, message: error.message } })}\n`)
    else io.err(`stack admin: ${error.message}\n`)
    return error.code
  }
}

async function request(base: string, token: string | undefined, method: string, path: string, body: unknown): Promise<unknown> {
  let res: Response
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    })
  } catch (error) {
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause
    throw new AdminApiError(ExitCode.Network, `cannot reach the admin API at ${base} (${String(cause?.code ?? cause?.message ?? (error as Error).message)})`)
  }
  const text = await res.text()
  let answer: unknown
  try {
    answer = JSON.parse(text)
  } catch {
    throw new AdminApiError(ExitCode.Network, `${base}${path} answered ${res.status} with something that is not JSON`)
  }
  if (res.ok) return answer
  const { error, issues } = answer as { error?: string; issues?: { path: string; message: string }[] }
  if (res.status === 401) throw new AdminApiError(ExitCode.AdminUnauthorized, `the admin API refused the token (${token === undefined ? 'none given: --token or STACK_ADMIN_TOKEN' : 'wrong token'})`)
  const detail = [error ?? `HTTP ${res.status}`, ...(issues ?? []).map((issue) => `  ${issue.path}: ${issue.message}`)].join('\n')
  // 4xx: the node understood and refused (a bad value, no such peer); else the API failed.
  throw new AdminApiError(res.status >= 400 && res.status < 500 ? ExitCode.PaymentFailed : ExitCode.Network, detail)
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)))
  return [header, ...rows].map((row) => row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n')
}
