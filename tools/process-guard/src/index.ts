/**
 * @stack/process-guard — the servers that tests and demos start (anvil, haproxy, PostgreSQL …):
 * found on this machine (or a typed error saying how to get them), and never outliving the
 * process that started them, however it ends.
 */
export { ToolUnavailableError } from './errors.js'
export { guard, guardFolder, stopProcess, type GuardOptions } from './guard.js'
export { findProgram, type ProgramSearch } from './program.js'
export { descendants, liveProcesses, stillRunning, type ProcessInfo } from './processes.js'
