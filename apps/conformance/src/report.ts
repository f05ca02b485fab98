import type { Check, CheckResult } from './check.js'
import type { Session } from './session.js'

const mark = { pass: 'PASS', fail: 'FAIL', 'n/a': 'n/a ' } as const

/** The plan: what each check sends, before anything is sent. */
export function formatPlan(checks: readonly Check<Session>[], caps: { maxPackets: number; maxValue: bigint }): string {
  const lines = [`stack-conformance will run ${checks.length} checks, at most ${caps.maxPackets} packets and ${caps.maxValue} units of fulfillable value:`]
  for (const c of checks) lines.push(`  ${c.id.padEnd(30)} ${c.sends}`)
  return lines.join('\n') + '\n'
}

/** The sectioned report: MUST then SHOULD, by group, with evidence under each line. */
export function formatReport(results: readonly CheckResult[], verbose: boolean): string {
  const out: string[] = []
  for (const level of ['MUST', 'SHOULD'] as const) {
    out.push(`${level}`)
    let group = ''
    for (const r of results.filter((x) => x.level === level)) {
      if (r.group !== group) out.push(`  ${(group = r.group)}`)
      out.push(`    ${mark[r.outcome]}  ${r.id}  ${r.title} [${r.source}]`, `          ${r.reason} (${r.ms} ms)`)
      if (verbose || r.outcome === 'fail') {
        for (const s of r.evidence.sent) out.push(`          > ${s}`)
        for (const s of r.evidence.received) out.push(`          < ${s}`)
      }
    }
  }
  const count = (level: string, outcome: string): number => results.filter((r) => r.level === level && r.outcome === outcome).length
  out.push(`MUST: ${count('MUST', 'pass')} passed, ${count('MUST', 'fail')} failed, ${count('MUST', 'n/a')} n/a; SHOULD: ${count('SHOULD', 'pass')} passed, ${count('SHOULD', 'fail')} failed, ${count('SHOULD', 'n/a')} n/a`)
  return out.join('\n') + '\n'
}
