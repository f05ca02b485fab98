import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * Does what `pnpm build` does: generates src/generated/payment-channel.ts from the Solidity
 * source, then builds dist/ and, by project references, the packages it is built on, which the
 * tests import.
 */
export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url))
  execFileSync(process.execPath, [join(root, 'scripts/compile.mjs')], { stdio: 'inherit' })
  execFileSync(process.execPath, [join(root, '../../node_modules/typescript/bin/tsc'), '-b'], { cwd: root, timeout: 120_000, stdio: 'inherit' })
}
