import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/**
 * The three-L2 demo runs `stack-connector` from apps/connector/dist: build it (and, by project
 * references, what it is built on) so that the test runs the connector of this checkout, not
 * whatever dist/ an earlier build left. Under turbo, `^build` has done it already (a no-op here).
 */
export default function setup(): void {
  const connector = fileURLToPath(new URL('../../connector/', import.meta.url))
  const tsc = fileURLToPath(new URL('../../../node_modules/typescript/bin/tsc', import.meta.url))
  execFileSync(process.execPath, [tsc, '-b'], { cwd: connector, timeout: 120_000, stdio: 'inherit' })
}
