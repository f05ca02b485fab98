import { conformanceCommand, confirmOnTty } from './command.js'

process.exitCode = await conformanceCommand(process.argv.slice(2), {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  ...(process.stdin.isTTY ? { confirm: confirmOnTty } : {}),
})
