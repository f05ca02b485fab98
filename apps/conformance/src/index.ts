/**
 * @stack/conformance — `stack-conformance`: runs checks grouped by RFC against a live ILP node
 * and reports each as pass / fail / n/a with its evidence. See README.md.
 */
export { conformanceCommand, confirmOnTty, ConformanceUsageError, HELP, type CommandIo } from './command.js'
export { CHECKS, runChecks } from './suite.js'
export { Session, type Target } from './session.js'
export { Budget } from './budget.js'
export { BudgetExceededError, NotApplicableError } from './check.js'
export { mustsPassed, type CheckResult, type Level, type Outcome, type Group } from './check.js'
export { formatReport } from './report.js'
