import { spawn, type ChildProcess } from 'node:child_process'
import { rmSync } from 'node:fs'
import type { Socket } from 'node:net'
import { fileURLToPath } from 'node:url'

// One watchdog for this process (../watchdog.cjs says how it works), in a process group of its
// own: a kill of this process's group (a test runner stopped with `kill -- -pid`) must leave it
// alive to kill what this process guarded.
const watchdog = fileURLToPath(new URL('../watchdog.cjs', import.meta.url))

type Message = ['kill' | 'forget', number] | ['folder' | 'keep', string]

/** What is guarded: each child's pid, or its process group as `-pgid`; and the folders. */
const targets = new Map<ChildProcess, number>()
const folders = new Set<string>()
let dog: ChildProcess | undefined
let atExit = false

function tell(message: Message): void {
  if (dog !== undefined) dog.stdin?.write(`${JSON.stringify(message)}\n`)
  else if (message[0] === 'kill' || message[0] === 'folder') startDog()
}

// A new watchdog learns everything guarded now. One that died (killed by someone) is replaced
// when something is guarded next.
function startDog(): void {
  const spawned = spawn(process.execPath, [watchdog], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] })
  dog = spawned
  const lost = (): void => {
    if (dog === spawned) dog = undefined
  }
  spawned.once('exit', lost).once('error', lost)
  spawned.stdin?.on('error', lost)
  spawned.unref()
  ;(spawned.stdin as Socket | null)?.unref()
  for (const target of targets.values()) tell(['kill', target])
  for (const dir of folders) tell(['folder', dir])
  if (!atExit) process.once('exit', killAll)
  atExit = true
}

// Nothing left to guard: the watchdog goes too.
function idle(): void {
  if (targets.size + folders.size > 0 || dog === undefined) return
  const old = dog
  dog = undefined
  old.kill('SIGKILL')
}

function killAll(): void {
  for (const target of targets.values()) kill(target, 'SIGKILL')
  for (const dir of folders) rmSync(dir, { recursive: true, force: true, maxRetries: 3 })
}

function kill(target: number, signal: NodeJS.Signals): void {
  try {
    process.kill(target, signal)
  } catch {
    // gone already
  }
}

export interface GuardOptions {
  /**
   * Kill the child's whole process group, not the child alone: the children it leaves in its
   * group (a shell's) die with it. The child must lead its group: spawned with `detached: true`.
   */
  readonly group?: boolean
}

/**
 * Ties `child`'s life to this process's: killed on `process.exit`, and by the watchdog however
 * else this process ends. Holds neither this process alive. With `group`, an exit of the child
 * also kills what is left of its group.
 */
export function guard(child: ChildProcess, options: GuardOptions = {}): void {
  const pid = child.pid
  if (pid === undefined) return // it failed to spawn: the caller sees the 'error' event
  const target = options.group === true ? -pid : pid
  targets.set(child, target)
  tell(['kill', target])
  child.once('exit', () => {
    if (target < 0) kill(target, 'SIGKILL') // its children may outlive it for a moment
    targets.delete(child)
    // The child is gone: the watchdog must not kill whatever process gets its pid next.
    tell(['forget', target])
    idle()
  })
  for (const stream of [child.stdout, child.stderr]) (stream as Socket | null)?.unref()
  child.unref()
}

/**
 * Removes `dir` (all of it) when this process ends, however it ends: after the guarded
 * processes are killed. Returns the function that removes it now and stops guarding it.
 */
export function guardFolder(dir: string): () => void {
  folders.add(dir)
  tell(['folder', dir])
  let removed = false
  return () => {
    if (removed) return
    removed = true
    rmSync(dir, { recursive: true, force: true })
    folders.delete(dir)
    tell(['keep', dir])
    idle()
  }
}

/**
 * Sends `signal` (default SIGKILL) to the child, or to its group if guarded so, then waits for
 * the exit; at once when it has exited already. A gentler signal (a server's own clean
 * shutdown) is followed by SIGKILL after `graceMs`.
 */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL', graceMs = 10_000): Promise<void> {
  const pid = child.pid
  if (child.exitCode !== null || child.signalCode !== null || pid === undefined) return
  const target = targets.get(child) ?? pid
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.ref() // guard() unref'd it: without this, the process may end before the exit is seen
  kill(target, signal)
  if (signal === 'SIGKILL') return exited
  const timer = setTimeout(() => kill(target, 'SIGKILL'), graceMs)
  await exited
  clearTimeout(timer)
}
