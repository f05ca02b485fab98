'use strict'
// The watchdog of @stack/process-guard (src/guard.ts starts one per process), and the /proc
// reader its tests use. Plain CommonJS, run by `node watchdog.cjs` from src/ and dist/ alike.
//
// It reads its stdin, a pipe from the process it watches: one JSON line per change of what is
// guarded. When the pipe closes (that process ended in any way, SIGKILL included) it SIGKILLs
// the processes and process groups, and once they are gone removes the folders.
// CommonJS, so that src/processes.ts can require it synchronously.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { readdirSync, readFileSync, rmSync } = require('node:fs')

/** The live processes (zombies left out) as { pid, ppid, pgid, started }, from Linux's /proc; undefined without one. */
function liveProcesses() {
  let names
  try {
    names = readdirSync('/proc')
  } catch {
    return undefined
  }
  const found = []
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue
    let stat
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8')
    } catch {
      continue // it ended meanwhile
    }
    // "pid (comm) state ppid pgrp … starttime (the 22nd) …": comm may hold spaces and
    // parentheses, so the fields are counted from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const [state, ppid, pgid] = fields
    if (state !== 'Z' && state !== 'X') found.push({ pid: Number(name), ppid: Number(ppid), pgid: Number(pgid), started: Number(fields[19]) })
  }
  return found
}

// A target is a pid, or a process group as -pgid. A killed one may stay a zombie for a while
// (until its new parent, pid 1, reaps it): it is gone for us, it writes nothing.
function alive(targets) {
  const live = liveProcesses()
  if (live === undefined) {
    return targets.some((target) => {
      try {
        process.kill(target, 0)
        return true
      } catch (error) {
        return error.code !== 'ESRCH'
      }
    })
  }
  return live.some((p) => targets.includes(p.pid) || targets.includes(-p.pgid))
}

function watch() {
  const targets = new Set()
  const folders = new Set()
  const end = () => {
    for (const target of targets) {
      try {
        process.kill(target, 'SIGKILL')
      } catch {
        // gone already
      }
    }
    const deadline = Date.now() + 10_000 // a process stuck in the kernel must not keep the folder forever
    const finish = () => {
      if (folders.size > 0 && Date.now() < deadline && alive([...targets])) return setTimeout(finish, 20)
      for (const dir of folders) rmSync(dir, { recursive: true, force: true, maxRetries: 3 })
      process.exit(0)
    }
    finish()
  }
  let buffered = ''
  process.stdin.setEncoding('utf8')
  process.stdin.on('data', (chunk) => {
    const lines = (buffered + chunk).split('\n')
    buffered = lines.pop()
    for (const line of lines) {
      const [op, value] = JSON.parse(line)
      if (op === 'kill') targets.add(value)
      else if (op === 'forget') targets.delete(value)
      else if (op === 'folder') folders.add(value)
      else if (op === 'keep') folders.delete(value)
    }
  })
  process.stdin.on('end', end).on('error', end)
}

if (require.main === module) watch()
module.exports = { liveProcesses }
