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
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import cliProgress from 'cli-progress'
import { pay, quote } from '@stack/spsp'
import { buildNetwork, cents as units, USD, type Network } from './network.js'

const log = (who: string, line: string) => console.log(`${who.padEnd(11)} ${line}`)

export interface DemoResult {
  sent: bigint
  delivered: bigint
  bobOnLedger: bigint
  aliceSpentOnLedger: bigint
  audits: { usd: boolean; eur: boolean }
}

export async function runDemo(options: { amount?: string; progress?: boolean } = {}): Promise<DemoResult> {
  const dir = mkdtempSync(join(tmpdir(), 'stack-demo-'))
  let network: Network | undefined
  try {
    network = await buildNetwork(dir, log)
    const { alice, pointer, spsp } = network

    const q = await quote({
      destination: pointer,
      spsp,
      sendPrepare: alice.sendPrepare,
      sourceAsset: USD,
      amountToSend: options.amount ?? '100.00',
      slippage: '0.02',
    })
    log('alice', `quote for ${pointer}: send ${units(q.maxSourceAmount)} USD, Bob gets at least ${units(q.minDeliveryAmount)} ${q.destinationAsset?.code ?? '?'} (probed ${q.probedRate.sent} → ${q.probedRate.delivered})`)

    const bar = options.progress === false ? undefined : new cliProgress.SingleBar(
      { format: 'paying      [{bar}] {percentage}% | {sent} USD sent, {delivered} EUR delivered', hideCursor: true, clearOnComplete: false, noTTYOutput: true, notTTYSchedule: 250 },
      cliProgress.Presets.shades_classic,
    )
    bar?.start(Number(q.maxSourceAmount), 0, { sent: '0.00', delivered: '0.00' })
    const result = await pay(q, {
      progressIntervalMs: 10, // Alice settles on each progress report: often, so her credit never runs dry
      onProgress: (p) => {
        alice.settleUpTo(p.amountSent) // Alice pays her connector as packets are fulfilled
        bar?.update(Number(p.amountSent), { sent: units(p.amountSent), delivered: units(p.amountDelivered) })
      },
    })
    bar?.stop()
    log('alice', `payment ${result.type}${result.type === 'failed' ? ` (${result.reason})` : ''}: sent ${units(result.amountSent)} USD, delivered ${units(result.amountDelivered)} EUR, in flight ${result.inFlight}`)

    const closing = await network.settleAndClose(result.amountSent)
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
    await network?.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The `stack-demo` command (bin/stack-demo.js): runs the demo, exit code 1 if it fails. */
export function main(): void {
  const started = Date.now()
  runDemo()
    .then(() => console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`))
    .catch((error: unknown) => {
      console.error(error)
      process.exitCode = 1
    })
}
