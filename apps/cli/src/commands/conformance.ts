import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { Io } from '../io.js'

// `stack conformance …` runs the `stack-conformance` bin (apps/conformance): an app imports no
// other app (ARCHITECTURE.md), so the CLI starts it as its own process. It is a dependency
// (package.json `layering.spawns`) so that turbo builds it first; its bin is found through its
// package.json.
function conformanceBin(): string {
  const manifest = createRequire(import.meta.url).resolve('@stack/conformance/package.json')
  const { bin } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin: Record<string, string> }
  const main = bin['stack-conformance']
  if (main === undefined) throw new Error(`${manifest} declares no stack-conformance bin`)
  return join(dirname(manifest), main)
}

/** Runs it with `args` (stdin shared, for its confirmation prompt); resolves with its exit code. */
export function conformanceCliCommand(args: string[], io: Io): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [conformanceBin(), ...args], { stdio: ['inherit', 'pipe', 'pipe'] })
    child.stdout.on('data', (chunk: Buffer) => io.out(chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => io.err(chunk.toString()))
    child.once('error', reject)
    child.once('close', (code, signal) => resolve(code ?? (signal === null ? 1 : 128)))
  })
}
