import { spawn, type ChildProcess } from 'node:child_process'
import type { Socket } from 'node:net'

/**
 * @stack/process-guard — the servers that tests and demos start (anvil, haproxy, PostgreSQL …)
 * must not outlive the process that started them, however it ends.
 */
const running = new Set<ChildProcess>()

// A watchdog per child: a tiny Node process that reads its stdin, a pipe from this process.
// When this process ends in any way (an exception, a signal, SIGKILL of a test worker), the
// pipe closes and the watchdog kills the child.
const watchdog = `
const pid = Number(process.argv[1])
const kill = () => { try { process.kill(pid, 'SIGKILL') } catch {} process.exit(0) }
process.stdin.on('end', kill).on('error', kill).resume()
`

/** Ties `child`'s life to this process's: killed on `process.exit`, and by a watchdog otherwise. Holds neither alive. */
export function guard(child: ChildProcess): void {
  if (child.pid === undefined) return // it failed to spawn: the caller sees the 'error' event
  if (running.size === 0) process.once('exit', killAll)
  running.add(child)
  const dog = spawn(process.execPath, ['-e', watchdog, String(child.pid)], { stdio: ['pipe', 'ignore', 'ignore'] })
  child.once('exit', () => {
    running.delete(child)
    if (running.size === 0) process.off('exit', killAll)
    // The child is gone: the watchdog must not kill whatever process gets its pid next.
    dog.kill('SIGKILL')
  })
  for (const stream of [dog.stdin, child.stdout, child.stderr]) (stream as Socket | null)?.unref()
  dog.unref()
  child.unref()
}

function killAll(): void {
  for (const child of running) child.kill('SIGKILL')
}

/**
 * Sends `signal` (default SIGKILL), then waits for the exit; at once when it has exited already.
 * A gentler signal (a server's own clean shutdown) is followed by SIGKILL after `graceMs`.
 */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL', graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.ref() // guard() unref'd it: without this, the process may end before the exit is seen
  child.kill(signal)
  if (signal === 'SIGKILL') return exited
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  await exited
  clearTimeout(timer)
}
