import { readFileSync } from 'node:fs'
import { adminCommand } from './commands/admin.js'
import { conformanceCliCommand } from './commands/conformance.js'
import { payCommand } from './commands/pay.js'
import { queryCommand } from './commands/query.js'
import { receiveCommand } from './commands/receive.js'
import { ExitCode, UsageError } from './exit-codes.js'
import { MAIN_HELP } from './help.js'
import type { Io } from './io.js'

/** This package's version, from its package.json (one folder up from src/ and dist/ alike). */
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }

/** Runs one `stack` command line; resolves with the exit code. */
export async function run(argv: string[], io: Io, stop: AbortSignal): Promise<number> {
  const [command, ...rest] = argv
  try {
    switch (command) {
      case 'admin':
        return await adminCommand(rest, io)
      case 'pay':
        return await payCommand(rest, io)
      case 'query':
        return await queryCommand(rest, io)
      case 'receive':
        return await receiveCommand(rest, io, stop)
      case 'conformance':
        return await conformanceCliCommand(rest, io)
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(MAIN_HELP)
        return command === undefined ? ExitCode.Usage : ExitCode.Ok
      case '--version':
        io.out(`${version}\n`)
        return ExitCode.Ok
      default:
        throw new UsageError(`unknown command "${command}"`)
    }
  } catch (error) {
    // parseArgs throws a TypeError with a code for unknown or malformed flags.
    const code = (error as { code?: unknown }).code
    if (error instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) {
      io.err(`stack: ${(error as Error).message}\n(see stack --help)\n`)
      return ExitCode.Usage
    }
    throw error
  }
}
