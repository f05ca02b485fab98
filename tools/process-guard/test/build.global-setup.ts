import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Builds dist/ (what `pnpm build` does): the tests start nodes from other processes, which import it. */
export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url))
  execFileSync(process.execPath, [join(root, '../../node_modules/typescript/bin/tsc'), '-b'], { cwd: root, timeout: 120_000, stdio: 'inherit' })
}
