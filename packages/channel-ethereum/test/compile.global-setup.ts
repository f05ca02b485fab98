import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** Generates src/generated/payment-channel.ts from the Solidity source, as `pnpm build` does. */
export default function setup(): void {
  execFileSync(process.execPath, [fileURLToPath(new URL('../scripts/compile.mjs', import.meta.url))], { stdio: 'inherit' })
}
