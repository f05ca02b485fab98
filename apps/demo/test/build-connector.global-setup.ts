import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/**
 * The three-L2 demo runs `stack-connector` from apps/connector/dist and the regtest node from
 * tools/bitcoin-regtest/dist: build them (and, by project references, what they are built on)
 * so that the test runs this checkout's code, not whatever dist/ an earlier build left. Under
 * turbo, `^build` has done it already (a no-op here).
 */
export default function setup(): void {
  const project = (path: string) => fileURLToPath(new URL(path, import.meta.url))
  const tsc = project('../../../node_modules/typescript/bin/tsc')
  execFileSync(process.execPath, [tsc, '-b', project('../../connector/'), project('../')], { timeout: 180_000, stdio: 'inherit' })
}
