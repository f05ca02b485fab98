/**
 * The command line of `stack-xrp-channel`, read with node:util's parseArgs, and the checks of
 * each flag's value. Every refusal is a `UsageError` naming the flag (or variable) and never
 * quoting the value: an operator who pastes a seed into the wrong place must not find it in a
 * terminal log. ledger-xrp's own errors quote values, so its checks are wrapped here.
 */
import { parseArgs } from 'node:util'
import { checkAddress, checkChannelId, checkPublicKey, MAX_DROPS } from '@stack/ledger-xrp'

/** A bad command line or environment (exit 2): `subject` is the flag or variable at fault. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
  constructor(readonly subject: string | undefined, message: string) {
    super(subject === undefined ? message : `${subject} ${message}`)
  }
}

export const COMMANDS = {
  create: ['destination', 'amount', 'settle-delay', 'fee', 'sequence', 'last-ledger-sequence', 'cancel-after'],
  fund: ['channel', 'amount', 'fee', 'sequence', 'last-ledger-sequence'],
  claim: ['channel', 'amount'],
  verify: ['channel', 'amount', 'public-key', 'signature'],
  address: []
} as const satisfies Record<string, readonly string[]>

export type Command = keyof typeof COMMANDS

export interface CommandLine {
  /** Undefined with `--help` or `--version` alone, or `help`. */
  readonly command: Command | undefined
  readonly help: boolean
  readonly version: boolean
  readonly json: boolean
  /** The string flags given, by name without the dashes. */
  readonly flags: ReadonlyMap<string, string>
}

const BOOLEAN_FLAGS = new Set(['json', 'help', 'version'])
/** Every command's flags, declared to parseArgs so each takes the next word as its value. */
const PARSE_OPTIONS = {
  ...Object.fromEntries(Object.values(COMMANDS).flat().map((name) => [name, { type: 'string' as const }])),
  json: { type: 'boolean' as const },
  help: { type: 'boolean' as const, short: 'h' },
  version: { type: 'boolean' as const }
}

/** Whether `--json` is among `argv`, for reporting a command line that cannot be read. */
export function wantsJson(argv: readonly string[]): boolean {
  return argv.includes('--json')
}

/** The command and its flags; UsageError for anything else on the line. */
export function readCommandLine(argv: readonly string[]): CommandLine {
  // Not strict: parseArgs' own errors quote what they refuse (a stray positional may be a
  // seed), and some span lines. Every token is checked below instead.
  const { tokens } = parseArgs({
    args: [...argv],
    options: PARSE_OPTIONS,
    allowPositionals: true,
    strict: false,
    tokens: true
  })
  const words: string[] = []
  const options: { name: string; rawName: string; value: string | undefined; inlineValue: boolean | undefined }[] = []
  for (const token of tokens) {
    if (token.kind === 'option-terminator') throw new UsageError(undefined, 'takes no arguments after --')
    if (token.kind === 'positional') words.push(token.value)
    else options.push({ name: token.name, rawName: token.rawName, value: token.value, inlineValue: token.inlineValue })
  }
  // `help` may come first (`help create`); then one word, the command.
  let help = words[0] === 'help'
  if (help) words.shift()
  const word = words.shift()
  if (word !== undefined && !Object.hasOwn(COMMANDS, word)) {
    // A seed typed where the command goes must not be echoed: only a plain word is.
    const shown = /^[a-z][a-z-]{0,20}$/.test(word) ? ` "${word}"` : ''
    throw new UsageError(undefined, `unknown command${shown}: the commands are ${Object.keys(COMMANDS).join(', ')}`)
  }
  const command = word as Command | undefined
  let json = false
  let version = false
  const flags = new Map<string, string>()
  for (const { name, rawName, value, inlineValue } of options) {
    const flag = /^--?[a-z][a-z-]{0,30}$/.test(rawName) ? rawName : 'an option'
    if (BOOLEAN_FLAGS.has(name)) {
      if (value !== undefined) throw new UsageError(flag, 'takes no value')
      if (name === 'help') help = true
      else if (name === 'version') version = true
      else json = true
      continue
    }
    const allowed: readonly string[] = command === undefined ? [] : COMMANDS[command]
    if (!allowed.includes(name)) {
      const why = /seed|secret/i.test(name) ? ': seeds are read from STACK_XRP_SEED and STACK_XRP_CLAIM_SEED only' : command === undefined ? '' : ` for ${command}`
      throw new UsageError(flag, `is not an option${why}`)
    }
    // `--amount --json` would take "--json" as the amount: a value that looks like a flag is missing.
    if (value === undefined || (inlineValue !== true && value.startsWith('-'))) throw new UsageError(flag, 'needs a value')
    if (flags.has(name)) throw new UsageError(flag, 'is given twice')
    flags.set(name, value)
  }
  // Unquoted: a stray word may be a seed given where it does not belong.
  if (words.length > 0) throw new UsageError(undefined, 'unexpected argument: flags are --name value, and seeds come from the environment only')
  if (command === undefined && !help && !version) throw new UsageError(undefined, `needs a command: ${Object.keys(COMMANDS).join(', ')}`)
  return { command, help, version, json, flags }
}

/** The value of a flag the command cannot do without. */
export function required(flags: ReadonlyMap<string, string>, name: string): string {
  const value = flags.get(name)
  if (value === undefined) throw new UsageError(`--${name}`, 'is required')
  return value
}

const DIGITS = /^\d{1,20}$/

/** Whole drops, `min` to the XRP supply (10^17). */
export function dropsFlag(name: string, text: string, min: 0n | 1n): bigint {
  const drops = DIGITS.test(text) ? BigInt(text) : undefined
  if (drops === undefined || drops < min || drops > MAX_DROPS) {
    throw new UsageError(`--${name}`, `must be whole drops from ${min} to ${MAX_DROPS} (1 XRP = 1000000 drops)`)
  }
  return drops
}

/** A UInt32, as the XRP Ledger's sequences, ledger indexes and delays are. */
export function uint32Flag(name: string, text: string): number {
  const n = DIGITS.test(text) ? Number(text) : undefined
  if (n === undefined || n > 0xffff_ffff) throw new UsageError(`--${name}`, 'must be a whole number from 0 to 4294967295')
  return n
}

export function addressFlag(name: string, text: string): string {
  return wrap(`--${name}`, 'must be a classic XRP Ledger address (r…)', () => checkAddress(name, text))
}

export function channelIdFlag(name: string, text: string): string {
  return wrap(`--${name}`, 'must be a payment channel id: 64 hex digits', () => checkChannelId(name, text))
}

export function publicKeyFlag(name: string, text: string): string {
  return wrap(`--${name}`, 'must be a 33-byte public key in hex (02/03 + secp256k1, or ED + ed25519)', () => checkPublicKey(name, text))
}

/** Hex of a plausible claim signature length (DER secp256k1: 8..72 bytes; ed25519: 64). */
export function signatureFlag(name: string, text: string): string {
  if (!/^(?:[0-9A-Fa-f]{2}){8,72}$/.test(text)) throw new UsageError(`--${name}`, 'must be a signature in hex (8 to 72 bytes)')
  return text.toUpperCase()
}

/** Seconds from the Ripple epoch (2000-01-01T00:00:00Z) to the Unix epoch's. */
export const RIPPLE_EPOCH_OFFSET = 946_684_800

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?Z$/

/**
 * A time the XRP Ledger way (seconds since 2000-01-01T00:00:00Z), from that number or an ISO
 * 8601 UTC time; it must be after `now` (Unix ms): a channel that expires on creation is useless.
 */
export function rippleTimeFlag(name: string, text: string, now: number): number {
  let seconds: number | undefined
  if (DIGITS.test(text)) seconds = Number(text)
  else if (ISO_UTC.test(text) && !Number.isNaN(Date.parse(text))) seconds = Math.floor(Date.parse(text) / 1000) - RIPPLE_EPOCH_OFFSET
  if (seconds === undefined || seconds < 0 || seconds > 0xffff_ffff) {
    throw new UsageError(`--${name}`, 'must be seconds since 2000-01-01T00:00:00Z (the Ripple epoch) or a UTC time like 2030-01-01T00:00:00Z')
  }
  if ((seconds + RIPPLE_EPOCH_OFFSET) * 1000 <= now) throw new UsageError(`--${name}`, 'must be in the future')
  return seconds
}

function wrap<T>(subject: string, message: string, check: () => T): T {
  try {
    return check()
  } catch {
    throw new UsageError(subject, message)
  }
}
