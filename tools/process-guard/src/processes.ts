import { createRequire } from 'node:module'

export interface ProcessInfo {
  readonly pid: number
  readonly ppid: number
  /** Its process group. */
  readonly pgid: number
  /** When it started, in clock ticks since boot: with `pid`, names it (a pid is reused). */
  readonly started: number
}

// The watchdog's own reader (it waits on /proc before it removes a folder).
const watchdog = createRequire(import.meta.url)('../watchdog.cjs') as { liveProcesses(): ProcessInfo[] | undefined }

/**
 * The live processes of this machine (zombies left out), from Linux's /proc: for tests that
 * check what a dead parent left behind. @throws Error where there is no /proc
 */
export function liveProcesses(): ProcessInfo[] {
  const found = watchdog.liveProcesses()
  if (found === undefined) throw new Error('liveProcesses reads /proc: Linux only')
  return found
}

/** `pid`'s children, their children … (not `pid` itself), live now. */
export function descendants(pid: number, live: readonly ProcessInfo[] = liveProcesses()): ProcessInfo[] {
  const found: ProcessInfo[] = []
  const parents = new Set([pid])
  for (let grew = true; grew; ) {
    grew = false
    for (const p of live) {
      if (parents.has(p.ppid) && !parents.has(p.pid)) {
        parents.add(p.pid)
        found.push(p)
        grew = true
      }
    }
  }
  return found
}

/** Which of `processes` still run (the same pid and start, not a pid reused). */
export function stillRunning(processes: readonly ProcessInfo[], live: readonly ProcessInfo[] = liveProcesses()): ProcessInfo[] {
  const now = new Set(live.map((p) => `${p.pid}@${p.started}`))
  return processes.filter((p) => now.has(`${p.pid}@${p.started}`))
}
