import { conformanceCommand, confirmOnTty } from '@stack/conformance'
import type { Io } from '../io.js'

/** `stack conformance …`: the same command as the `stack-conformance` bin (apps/conformance). */
export function conformanceCliCommand(args: string[], io: Io): Promise<number> {
  return conformanceCommand(args, { out: io.out, err: io.err, ...(process.stdin.isTTY ? { confirm: confirmOnTty } : {}) })
}
