import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { guard, stopProcess } from '../src/index.js'

const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url))

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
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
