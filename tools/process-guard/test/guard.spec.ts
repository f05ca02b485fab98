import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { descendants, findProgram, guard, guardFolder, liveProcesses, stillRunning, stopProcess, ToolUnavailableError, type ProcessInfo } from '../src/index.js'

const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url))

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** The live processes of process group `pgid`. */
const group = (pgid: number): ProcessInfo[] => liveProcesses().filter((p) => p.pgid === pgid)

/** A shell leading its own process group, with two sleeps under it; resolves once they run. */
async function shellGroup(): Promise<ChildProcess> {
  const child = spawn('sh', ['-c', 'sleep 600 & sleep 600 & echo up; wait'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] })
  await new Promise((resolve) => child.stdout?.once('data', resolve))
  return child
}

/** A Node process that runs `body` (ES module; `guard`… imported), prints one JSON line, then waits to be killed. */
async function parent(body: string): Promise<{ parent: ChildProcess; said: unknown }> {
  const script = `
    import { spawn } from 'node:child_process'
    import { mkdtempSync, writeFileSync } from 'node:fs'
    import { tmpdir } from 'node:os'
    import { join } from 'node:path'
    import { guard, guardFolder } from ${JSON.stringify(dist)}
    const say = (value) => process.stdout.write(JSON.stringify(value) + '\\n')
    ${body}
    setInterval(() => {}, 1000)
  `
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
  const line = await new Promise<string>((resolve) => {
    let out = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      if (out.includes('\n')) resolve(out)
    })
  })
  return { parent: child, said: JSON.parse(line) }
}

async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe('guard', () => {
  it('kills the child when the parent is SIGKILLed', async () => {
    // The parent guards a long sleep, prints its pid, then waits to be killed.
    const script = `
      import { spawn } from 'node:child_process'
      import { guard } from ${JSON.stringify(dist)}
      const child = spawn('sleep', ['600'], { stdio: 'ignore' })
      guard(child)
      console.log(child.pid)
      setInterval(() => {}, 1000)
    `
    const parent = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
    const pid = await new Promise<number>((resolve) => parent.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))))
    expect(alive(pid)).toBe(true)
    parent.kill('SIGKILL')
    await until(() => !alive(pid), `child ${pid} to die with its parent`)
  })

  it('kills a whole process group and removes a folder when the parent is SIGKILLed, leaving nothing behind', async () => {
    const { parent: p, said } = await parent(`
      const dir = mkdtempSync(join(tmpdir(), 'guard-test-'))
      writeFileSync(join(dir, 'data'), 'x')
      guardFolder(dir)
      const child = spawn('sh', ['-c', 'sleep 600 & sleep 600 & echo up; wait'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] })
      guard(child, { group: true })
      child.stdout.once('data', () => say([child.pid, dir]))
    `)
    const [pgid, dir] = said as [number, string]
    expect(group(pgid).length).toBe(3) // the shell and its two sleeps
    expect(existsSync(join(dir, 'data'))).toBe(true)
    // The shell, its sleeps, and the watchdog (a group of its own).
    const left = descendants(p.pid as number)
    expect(left.length).toBe(4)
    p.kill('SIGKILL')
    await until(() => stillRunning(left).length === 0 && !existsSync(dir), 'the group, the folder and the watchdog to go with the parent')
  })

  it('kills the group and removes the folder at process.exit', async () => {
    const { parent: p, said } = await parent(`
      const dir = mkdtempSync(join(tmpdir(), 'guard-test-'))
      guardFolder(dir)
      const child = spawn('sh', ['-c', 'sleep 600 & sleep 600 & echo up; wait'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] })
      guard(child, { group: true })
      child.stdout.once('data', () => { say([child.pid, dir]); setTimeout(() => process.exit(3), 50) })
    `)
    const [pgid, dir] = said as [number, string]
    const code = await new Promise((resolve) => p.once('exit', resolve))
    expect(code).toBe(3)
    // process.exit runs the exit handler synchronously: gone by the time the parent is.
    expect(existsSync(dir)).toBe(false)
    await until(() => group(pgid).length === 0, 'the group to go at exit')
  })

  it('a group leader that exits takes the rest of its group with it', async () => {
    const child = await shellGroup()
    guard(child, { group: true })
    const pgid = child.pid as number
    expect(group(pgid).length).toBe(3)
    process.kill(pgid, 'SIGKILL') // the leader alone
    await until(() => group(pgid).length === 0, 'the sleeps to die with their shell')
  })

  it('stopProcess signals the group of a child guarded so', async () => {
    const child = await shellGroup()
    guard(child, { group: true })
    const pgid = child.pid as number
    await stopProcess(child, 'SIGTERM')
    expect(child.signalCode).toBe('SIGTERM')
    await until(() => group(pgid).length === 0, 'the group to stop')
  })

  it('guardFolder: the function it returns removes the folder now, once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'guard-test-'))
    writeFileSync(join(dir, 'data'), 'x')
    const remove = guardFolder(dir)
    expect(existsSync(dir)).toBe(true)
    remove()
    expect(existsSync(dir)).toBe(false)
    remove()
  })

  it('stopProcess sends the signal given and waits for the exit', async () => {
    const child = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => { console.log('clean'); process.exit(0) }); console.log('ready'); setInterval(() => {}, 1000)"], { stdio: ['ignore', 'pipe', 'ignore'] })
    guard(child)
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    await until(() => out.includes('ready'), 'the child to handle SIGTERM')
    await stopProcess(child, 'SIGTERM')
    expect(child.exitCode).toBe(0)
    expect(out).toContain('clean')
    await stopProcess(child) // exited already: at once
  })

  it('stopProcess follows a signal that is ignored with SIGKILL', async () => {
    const child = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000)"], { stdio: ['ignore', 'pipe', 'ignore'] })
    guard(child)
    await new Promise((resolve) => child.stdout.once('data', resolve))
    await stopProcess(child, 'SIGTERM', 200)
    expect(child.signalCode).toBe('SIGKILL')
  })
})

describe('findProgram', () => {
  it('finds an executable on PATH, else in the folders given', () => {
    expect(findProgram('sh', { debianPackage: 'dash' })).toMatch(/\/sh$/)
    expect(findProgram('sh', { debianPackage: 'dash', path: '/nowhere', dirs: ['/bin', '/usr/bin'] })).toBe('/bin/sh')
  })

  it('a missing one is ToolUnavailableError naming the program, where it looked, and the Debian package', () => {
    let error: unknown
    try {
      findProgram('no-such-program', { debianPackage: 'some-package', path: '/nowhere', dirs: ['/also-nowhere'] })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ToolUnavailableError)
    expect(error).toMatchObject({ name: 'ToolUnavailableError', program: 'no-such-program', debianPackage: 'some-package' })
    expect((error as Error).message).toBe('no-such-program not found (searched /nowhere:/also-nowhere): install the Debian package some-package (apt-get install -y some-package)')
  })

  it('ToolUnavailableError says a remedy in words for a program no Debian package has', () => {
    const error = new ToolUnavailableError('anvil', 'no @foundry-rs/anvil-linux-amd64', { remedy: 'install the optional dependencies' })
    expect(error.message).toBe('anvil not found (no @foundry-rs/anvil-linux-amd64): install the optional dependencies')
    expect(error.debianPackage).toBeUndefined()
  })
})
