// The README's main job: one payment through the whole stack, on loopback, no servers to set up.
//
//   USD ledger (embedded SQLite)                      EUR ledger (embedded SQLite)
//   alice ──channel──▶ connector A ──BTP──▶ connector B ──channel──▶ bob
//                      (USD → EUR)   └─ A pays B over a channel on the EUR ledger
//
// Alice pays Bob's payment pointer with STREAM (quote, then pay with a progress bar). Each hop
// keeps its peers' balances; a balance that crosses its settle threshold is paid with a signed
// ed25519 claim over BTP, and receivers redeem their best claims on their ledger. At the end it
// prints both ledgers, the channels and the claims redeemed, and checks that value is conserved.
// Connectors A and B are `stack-connector` processes (apps/connector). With --watch it prints
// the dashboards' URLs (every node on one page, and each node's own), pays once the page is
// open, and keeps the network up until Ctrl-C or SIGTERM before it closes the channels.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import cliProgress from 'cli-progress'
import { pay, quote } from '@stack/spsp'
import { buildNetwork, cents as units, USD, type Network } from './network.js'
import { DemoStoppedError, watchDemo, type DemoWatch } from './watch.js'

const log = (who: string, line: string) => console.log(`${who.padEnd(11)} ${line}`)

export interface DemoResult {
  sent: bigint
  delivered: bigint
  bobOnLedger: bigint
  aliceSpentOnLedger: bigint
  audits: { usd: boolean; eur: boolean }
}

export async function runDemo(options: { amount?: string; progress?: boolean; watch?: boolean } = {}): Promise<DemoResult> {
  const dir = mkdtempSync(join(tmpdir(), 'stack-demo-'))
  let network: Network | undefined
  let watch: DemoWatch | undefined
  try {
    network = await buildNetwork(dir, log)
    const { alice, pointer, spsp, died } = network
    if (options.watch === true) watch = await watchDemo(network.nodes, log, died)

    const q = await Promise.race([died, quote({
      destination: pointer,
      spsp,
      sendPrepare: alice.sendPrepare,
      sourceAsset: USD,
      amountToSend: options.amount ?? '100.00',
      slippage: '0.02',
    })])
    log('alice', `quote for ${pointer}: send ${units(q.maxSourceAmount)} USD, Bob gets at least ${units(q.minDeliveryAmount)} ${q.destinationAsset?.code ?? '?'} (probed ${q.probedRate.sent} → ${q.probedRate.delivered})`)

    const bar = options.progress === false ? undefined : new cliProgress.SingleBar(
      { format: 'paying      [{bar}] {percentage}% | {sent} USD sent, {delivered} EUR delivered', hideCursor: true, clearOnComplete: false, noTTYOutput: true, notTTYSchedule: 250 },
      cliProgress.Presets.shades_classic,
    )
    bar?.start(Number(q.maxSourceAmount), 0, { sent: '0.00', delivered: '0.00' })
    const result = await Promise.race([died, pay(q, {
      progressIntervalMs: 10, // Alice settles on each progress report: often, so her credit never runs dry
      onProgress: (p) => {
        alice.settleUpTo(p.amountSent) // Alice pays her connector as packets are fulfilled
        bar?.update(Number(p.amountSent), { sent: units(p.amountSent), delivered: units(p.amountDelivered) })
      },
    })])
    bar?.stop()
    log('alice', `payment ${result.type}${result.type === 'failed' ? ` (${result.reason})` : ''}: sent ${units(result.amountSent)} USD, delivered ${units(result.amountDelivered)} EUR, in flight ${result.inFlight}`)

    await network.settle(result.amountSent)
    await watch?.hold()
    const closing = await network.close()
    const report = await network.report()
    for (const line of report.lines) console.log(line)
    log('claims', closing.map((c) => `${c.who} redeemed ${units(c.redeemed)} ${c.asset}`).join('; '))

    const bobOnLedger = report.balances.eur.get('bob') ?? 0n
    const aliceSpentOnLedger = report.minted.alice - (report.balances.usd.get('alice') ?? 0n)
    const checks: [string, boolean][] = [
      ['USD ledger: journal balanced, nothing created or destroyed', report.audits.usd],
      ['EUR ledger: journal balanced, nothing created or destroyed', report.audits.eur],
      ['Alice spent on her ledger exactly what she sent', aliceSpentOnLedger === result.amountSent],
      ['Bob holds on his ledger exactly what was delivered', bobOnLedger === result.amountDelivered],
      ['every connector book is square (nothing owed either way)', report.booksSquare],
    ]
    for (const [what, ok] of checks) log('check', `${ok ? 'ok  ' : 'FAIL'} ${what}`)
    if (checks.some(([, ok]) => !ok)) throw new Error('value is not conserved')
    log('summary', 'conserved: every cent Alice spent on the USD ledger reached Bob on the EUR ledger, less the rate and spread')
    return { sent: result.amountSent, delivered: result.amountDelivered, bobOnLedger, aliceSpentOnLedger, audits: report.audits }
  } finally {
    await watch?.close()
    await network?.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

const USAGE = 'usage: stack-demo [--watch]   (--watch: print the dashboards\' URLs, keep the network up until Ctrl-C)'

/** The `stack-demo` command (bin/stack-demo.js): runs the demo, exit code 1 if it fails (2: bad arguments). */
export function main(): void {
  let watch: boolean
  try {
    const { values } = parseArgs({ options: { watch: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } })
    if (values.help === true) return console.log(USAGE)
    watch = values.watch === true
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`)
    process.exitCode = 2
    return
  }
  const started = Date.now()
  runDemo({ watch })
    .then(() => console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`))
    .catch((error: unknown) => {
      if (error instanceof DemoStoppedError) return log('watch', error.message) // asked for: not a failure
      console.error(error)
      process.exitCode = 1
    })
}
