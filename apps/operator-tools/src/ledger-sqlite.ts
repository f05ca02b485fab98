#!/usr/bin/env node
/**
 * `ledger-sqlite`: administers a ledger file.
 *
 *   ledger-sqlite init <file> --asset USD --scale 2
 *   ledger-sqlite add-account <file> <id> [--credit-limit N]
 *   ledger-sqlite mint <file> <account> <amount>
 *   ledger-sqlite balances <file>
 *   ledger-sqlite channels <file>
 *   ledger-sqlite audit <file>
 *
 * Amounts are integers in the ledger's units (scale 2: cents). Exit codes: 0 done, 1 refused
 * by the ledger (the error's name and message on stderr), 2 bad usage.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { LedgerError } from '@stack/ledger-core'
import { LedgerFileError, SqliteLedger } from '@stack/ledger-sqlite'

const usage = `usage:
  ledger-sqlite init <file> --asset CODE --scale N
  ledger-sqlite add-account <file> <id> [--credit-limit N]
  ledger-sqlite mint <file> <account> <amount>
  ledger-sqlite balances <file>
  ledger-sqlite channels <file>
  ledger-sqlite audit <file>
  ledger-sqlite --version`

class UsageError extends Error {
  override readonly name = 'UsageError'
}

function integer(field: string, text: string | undefined): bigint {
  if (text === undefined || !/^\d+$/.test(text)) throw new UsageError(`${field} must be a non-negative integer, got ${text ?? '(nothing)'}`)
  return BigInt(text)
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      asset: { type: 'string' },
      scale: { type: 'string' },
      'credit-limit': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean' }
    }
  })
  const [command, file, ...rest] = positionals
  if (values.help === true) {
    process.stdout.write(`${usage}\n`)
    return 0
  }
  if (values.version === true) {
    // The version of this app's package.json (one folder up from src/ and dist/ alike).
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
    process.stdout.write(`${version}\n`)
    return 0
  }
  if (command === undefined || file === undefined) throw new UsageError('a command and a file are required')

  if (command === 'init') {
    if (values.asset === undefined || values.scale === undefined) throw new UsageError('init needs --asset and --scale')
    const ledger = SqliteLedger.create(file, { asset: { code: values.asset, scale: Number(integer('--scale', values.scale)) } })
    ledger.close()
    process.stdout.write(`created ${file}: ${values.asset}, scale ${values.scale}\n`)
    return 0
  }

  const ledger = SqliteLedger.open(file)
  try {
    switch (command) {
      case 'add-account': {
        const [id] = rest
        if (id === undefined) throw new UsageError('add-account needs an account id')
        const creditLimit = values['credit-limit'] === undefined ? 0n : integer('--credit-limit', values['credit-limit'])
        await ledger.createAccount(id, { creditLimit })
        process.stdout.write(`added ${id} (credit limit ${creditLimit})\n`)
        return 0
      }
      case 'mint': {
        const [account, amount] = rest
        if (account === undefined) throw new UsageError('mint needs an account and an amount')
        const transfer = await ledger.mint({ account, amount: integer('amount', amount) })
        process.stdout.write(`minted ${transfer.amount} to ${account} (entry ${transfer.id})\n`)
        return 0
      }
      case 'balances': {
        const { code, scale } = ledger.asset
        process.stdout.write(`account\tbalance\tcredit_limit\t(${code}, scale ${scale})\n`)
        for (const account of await ledger.listAllAccounts()) {
          process.stdout.write(`${account.id}\t${account.balance}\t${account.creditLimit ?? 'none'}\n`)
        }
        return 0
      }
      case 'channels': {
        process.stdout.write('id\tsender\treceiver\tdeposit\tclaimed\tstatus\tcloses_at\n')
        for (const channel of await ledger.listChannels()) {
          const closesAt = channel.closesAt === undefined ? '-' : new Date(channel.closesAt).toISOString()
          process.stdout.write(
            `${channel.id}\t${channel.sender}\t${channel.receiver}\t${channel.deposit}\t${channel.claimed}\t${channel.status}\t${closesAt}\n`
          )
        }
        return 0
      }
      case 'audit': {
        const report = ledger.audit()
        process.stdout.write(`minted ${report.minted}, held ${report.held}, locked ${report.locked}, entries ${report.entries}\n`)
        for (const problem of report.problems) process.stdout.write(`problem: ${problem}\n`)
        process.stdout.write(report.ok ? 'ok\n' : 'NOT OK\n')
        return report.ok ? 0 : 1
      }
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`)
    }
  } finally {
    ledger.close()
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    if (error instanceof UsageError || (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
      process.stderr.write(`${error.message}\n${usage}\n`)
      process.exitCode = 2
    } else if (error instanceof LedgerError || error instanceof LedgerFileError) {
      process.stderr.write(`${error.name}: ${error.message}\n`)
      process.exitCode = 1
    } else {
      throw error
    }
  }
)
