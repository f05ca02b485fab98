import { createInterface } from 'node:readline/promises'
import { parseArgs } from 'node:util'
import { Budget } from './budget.js'
import { mustsPassed } from './check.js'
import { NOT_RUN } from './suite.js'
import { formatPlan, formatReport } from './report.js'
import { Session, type Target } from './session.js'
import { CHECKS, runChecks } from './suite.js'

export const HELP = `stack-conformance <node-url> [options]     (also: stack conformance …)

Checks a live ILP node against the RFCs: BTP 2.0 (RFC 0023), ILPv4 (RFC 0027, 0034),
ILDCP (RFC 0031), CCP (route broadcasting draft), SPSP (RFC 0009/0026), STREAM (RFC 0029).

  <node-url>            btp+ws://user:token@host:port, or an ILP-over-HTTP URL with --token
  --token T             bearer token for an ILP-over-HTTP URL
  --second URL          a second BTP account on the node (a child), for two-sided checks
  --spsp P              a receiver's payment pointer or SPSP URL, for the SPSP/STREAM checks
  --relation R          child (default: gets ILDCP) or peer (exchanges CCP routes)
  --node-address A      the node's ILP address, when ILDCP cannot tell it
  --only IDS            run only these checks (comma-separated ids or groups)
  --max-packets N       cap on packets sent, all checks together (default 200)
  --max-value N         cap on fulfillable value sent, in the account's units (default 100)
  --timeout MS          wait for each answer (default 10000)
  --ccp-wait MS         wait for the node's first route update (default 35000)
  --dry-run             print what would be sent, send nothing
  --yes                 send without asking (needed when stdin is not a terminal)
  --json                results as JSON on stdout
  --verbose             evidence for passing checks too

Exit: 0 every applicable MUST passed; 1 a MUST failed or was not run (a cap); 2 bad command line or not confirmed;
3 the node could not be reached (nothing checked).
`

export interface CommandIo {
  out(text: string): void
  err(text: string): void
  /** Asks the operator; undefined when there is no terminal to ask. */
  confirm?(question: string): Promise<boolean>
}

/** A mistake on the command line (exit 2). */
export class ConformanceUsageError extends Error {
  override readonly name = 'ConformanceUsageError'
}

const positiveInt = (name: string, value: string): number => {
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n <= 0) throw new ConformanceUsageError(`${name} must be a positive integer, not "${value}"`)
  return n
}

/** Runs `stack-conformance` with `args`; resolves with the exit code. */
export async function conformanceCommand(args: string[], io: CommandIo): Promise<number> {
  let parsed
  try {
    parsed = parse(args)
  } catch (error) {
    io.err(`stack-conformance: ${(error as Error).message}\n(see --help)\n`)
    return 2
  }
  if (parsed === 'help') {
    io.out(HELP)
    return 0
  }
  const { target, checks, budget, values } = parsed
  io.err(`target: ${redact(target.url)}\n${formatPlan(checks, budget)}`)
  if (values['dry-run']) return 0
  if (!values.yes) {
    const ok = io.confirm === undefined ? undefined : await io.confirm('send these packets? [y/N] ')
    if (ok !== true) {
      io.err(ok === undefined ? 'stack-conformance: not a terminal: pass --yes to send\n' : 'stack-conformance: nothing sent\n')
      return 2
    }
  }
  const session = new Session(target, budget)
  try {
    try {
      await session.primary()
    } catch (error) {
      io.err(`stack-conformance: cannot connect to ${redact(target.url)}: ${(error as Error).message}\n`)
      return 3
    } finally {
      // Reachable: closed again, so that the raw BTP checks (first) find the account free.
      await session.close()
    }
    const results = await runChecks(session, checks)
    io.out(values.json ? JSON.stringify({ target: redact(target.url), packets: budget.packets, value: String(budget.value), results }, null, 2) + '\n' : formatReport(results, values.verbose === true))
    // A MUST the caps kept from running was not passed either.
    const capped = results.filter((r) => r.level === 'MUST' && r.reason.startsWith(NOT_RUN))
    if (capped.length > 0) io.err(`stack-conformance: ${capped.length} MUST check(s) not run: raise --max-packets / --max-value\n`)
    return mustsPassed(results) && capped.length === 0 ? 0 : 1
  } finally {
    await session.close()
  }
}

function parse(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      token: { type: 'string' },
      second: { type: 'string' },
      spsp: { type: 'string' },
      relation: { type: 'string', default: 'child' },
      'node-address': { type: 'string' },
      only: { type: 'string' },
      'max-packets': { type: 'string', default: '200' },
      'max-value': { type: 'string', default: '100' },
      timeout: { type: 'string', default: '10000' },
      'ccp-wait': { type: 'string', default: '35000' },
      'dry-run': { type: 'boolean', default: false },
      yes: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) return 'help' as const
  const [url, ...extra] = positionals
  if (url === undefined) throw new ConformanceUsageError('needs <node-url>')
  if (extra.length > 0) throw new ConformanceUsageError(`unexpected argument "${extra[0]}"`)
  if (!/^(btp\+wss?|https?):\/\//.test(url)) throw new ConformanceUsageError('<node-url> must be btp+ws(s):// or http(s)://')
  if (/^https?:/.test(url) && values.token === undefined) throw new ConformanceUsageError('an ILP-over-HTTP <node-url> needs --token (RFC 0035 §Authentication)')
  if (values.relation !== 'child' && values.relation !== 'peer') throw new ConformanceUsageError('--relation is child or peer')
  if (!/^\d+$/.test(values['max-value'])) throw new ConformanceUsageError('--max-value must be a whole number of units')
  const only = values.only?.split(',').map((s) => s.trim().toLowerCase())
  const checks = only === undefined ? CHECKS : CHECKS.filter((c) => only.includes(c.id) || only.includes(c.group.toLowerCase()))
  if (checks.length === 0) throw new ConformanceUsageError(`--only ${values.only} names no check`)
  const target: Target = {
    url,
    relation: values.relation,
    timeoutMs: positiveInt('--timeout', values.timeout),
    ccpWaitMs: positiveInt('--ccp-wait', values['ccp-wait']),
    ...(values.token === undefined ? {} : { token: values.token }),
    ...(values.second === undefined ? {} : { second: values.second }),
    ...(values.spsp === undefined ? {} : { spsp: values.spsp }),
    ...(values['node-address'] === undefined ? {} : { nodeAddress: values['node-address'] }),
  }
  return { target, checks, budget: new Budget(positiveInt('--max-packets', values['max-packets']), BigInt(values['max-value'])), values }
}

function redact(url: string): string {
  const parsed = new URL(url)
  if (parsed.password !== '') parsed.password = '***'
  return parsed.href
}

/** Asks on the terminal (main.ts and `stack conformance`). */
export async function confirmOnTty(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr })
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim())
  } finally {
    rl.close()
  }
}
