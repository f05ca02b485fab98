import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { Io } from '../io.js'

// `stack conformance …` runs the `stack-conformance` bin (apps/conformance): an app imports no
// other app (ARCHITECTURE.md), so the CLI starts it as its own process, linked by pnpm as a
// dependency's bin. Same two folders up from src/commands/ and dist/commands/.
const BIN = fileURLToPath(new URL('../../node_modules/.bin/stack-conformance', import.meta.url))

/** Runs it with `args` (stdin shared, for its confirmation prompt); resolves with its exit code. */
export function conformanceCliCommand(args: string[], io: Io): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, { stdio: ['inherit', 'pipe', 'pipe'] })
    child.stdout.on('data', (chunk: Buffer) => io.out(chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => io.err(chunk.toString()))
    child.once('error', reject)
    child.once('close', (code, signal) => resolve(code ?? (signal === null ? 1 : 128)))
  })
}
