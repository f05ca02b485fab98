/** One conformance check: where it comes from, how strict it is, what it sends, and how it runs. */

export type Level = 'MUST' | 'SHOULD'
export type Outcome = 'pass' | 'fail' | 'n/a'
export type Group = 'BTP' | 'ILPv4' | 'ILDCP' | 'CCP' | 'SPSP' | 'STREAM'

/** What a check sent and what came back, one line per thing, in order. */
export interface Evidence {
  readonly sent: string[]
  readonly received: string[]
}

export interface Verdict {
  readonly outcome: Outcome
  /** Why, in one sentence. */
  readonly reason: string
}

export interface CheckResult extends Verdict {
  readonly id: string
  readonly group: Group
  /** e.g. `RFC 0027 §ILP Reject`. */
  readonly source: string
  readonly level: Level
  readonly title: string
  readonly evidence: Evidence
  /** How long the check took. */
  readonly ms: number
}

export interface Check<Ctx> {
  readonly id: string
  readonly group: Group
  readonly source: string
  readonly level: Level
  readonly title: string
  /** What it will send, shown before anything is sent. */
  readonly sends: string
  run(ctx: Ctx, evidence: Evidence): Promise<Verdict>
}

/** A check's row in its group's table: everything but the group, given once for all. */
export type CheckRow<Ctx> = Omit<Check<Ctx>, 'group'>

/** What a row says of its check before a runner of several such checks gives it `run`. */
export type CheckInfo = Omit<Check<unknown>, 'group' | 'run'>

/** The checks of one group, from their rows. */
export function inGroup<Ctx>(group: Group, rows: readonly CheckRow<Ctx>[]): Check<Ctx>[] {
  return rows.map((row) => ({ ...row, group }))
}

export const pass = (reason: string): Verdict => ({ outcome: 'pass', reason })
export const fail = (reason: string): Verdict => ({ outcome: 'fail', reason })
export const notApplicable = (reason: string): Verdict => ({ outcome: 'n/a', reason })

/** A check that cannot run here (no second account, not a peer…) says so instead of failing. */
export class NotApplicableError extends Error {
  override readonly name = 'NotApplicableError'
}

/** The node answered a step a check builds on (auth, a route update) otherwise than it must: the check fails. */
export class UnexpectedAnswerError extends Error {
  override readonly name = 'UnexpectedAnswerError'
}

/** The run would go over the packet or value cap the operator set. */
export class BudgetExceededError extends Error {
  override readonly name = 'BudgetExceededError'
}

/** Exit 0 only when every applicable MUST passed. */
export function mustsPassed(results: readonly CheckResult[]): boolean {
  return results.every((r) => r.level !== 'MUST' || r.outcome !== 'fail')
}
