import { BudgetExceededError, NotApplicableError, type Check, type CheckResult, type Evidence } from './check.js'
import { btpChecks } from './checks/btp.js'
import { ccpChecks } from './checks/ccp.js'
import { ildcpChecks } from './checks/ildcp.js'
import { ilpChecks } from './checks/ilp.js'
import { streamChecks } from './checks/stream.js'
import { describeError } from './describe.js'
import type { Session } from './session.js'

/** The start of the reason of a check the caps kept from running. */
export const NOT_RUN = 'not run: '

/** Every check, in the order run: BTP, ILDCP, ILPv4, CCP, SPSP/STREAM. */
export const CHECKS: readonly Check<Session>[] = [...btpChecks, ...ildcpChecks, ...ilpChecks, ...ccpChecks, ...streamChecks]

/** Runs `checks` one after the other; a throw is that check's failure (or n/a / cap reached), never the run's. */
export async function runChecks(session: Session, checks: readonly Check<Session>[] = CHECKS, onResult?: (r: CheckResult) => void): Promise<CheckResult[]> {
  const results: CheckResult[] = []
  for (const check of checks) {
    const evidence: Evidence = { sent: [], received: [] }
    let verdict
    const started = Date.now()
    try {
      verdict = await check.run(session, evidence)
    } catch (error) {
      if (error instanceof NotApplicableError) verdict = { outcome: 'n/a' as const, reason: error.message }
      else if (error instanceof BudgetExceededError) verdict = { outcome: 'n/a' as const, reason: `${NOT_RUN}${error.message}` }
      else verdict = { outcome: 'fail' as const, reason: describeError(error) }
    }
    const { id, group, source, level, title } = check
    const result: CheckResult = { id, group, source, level, title, ...verdict, evidence, ms: Date.now() - started }
    results.push(result)
    onResult?.(result)
  }
  return results
}
