#!/usr/bin/env node
/**
 * `stack-ethereum-channel`: what an operator does with the PaymentChannel contract without
 * writing code.
 *
 *   stack-ethereum-channel address [--rpc-url URL]
 *   stack-ethereum-channel deploy --rpc-url URL
 *   stack-ethereum-channel show --rpc-url URL --contract ADDRESS --channel ID
 *   stack-ethereum-channel start-reclaim --rpc-url URL --contract ADDRESS --channel ID
 *   stack-ethereum-channel reclaim --rpc-url URL --contract ADDRESS --channel ID
 *
 * The key is read from STACK_ETHEREUM_PRIVATE_KEY only: an argument would show in `ps` and in
 * shell history. It is never printed (every line written is scrubbed of it, to be sure).
 * Amounts are integers of wei; with `--json`, one JSON object on stdout, every integer from the
 * chain as a decimal string (wei does not fit a JSON number), and failures as one JSON object
 * on stderr. Exit codes: 0 done, 1 refused by the chain or the contract (the contract's error
 * name first: `ReclaimTooEarly: …`) or the endpoint unreachable, 2 bad usage or input (the flag
 * or variable named), 3 an unexpected failure (a bug).
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { BaseError, getAddress, isAddress, parseEventLogs, type Address, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { LedgerError } from '@stack/ledger-core'
import { EthereumLedger, ContractRevertedError, type TransactionSummary } from '@stack/ledger-ethereum'
import { paymentChannelAbi, PaymentChannelContract } from '@stack/channel-ethereum'

const KEY_VARIABLE = 'STACK_ETHEREUM_PRIVATE_KEY'
const ACCOUNT = 'operator'

const usage = `usage:
  stack-ethereum-channel address [--rpc-url URL]
  stack-ethereum-channel deploy --rpc-url URL
  stack-ethereum-channel show --rpc-url URL --contract ADDRESS --channel ID
  stack-ethereum-channel start-reclaim --rpc-url URL --contract ADDRESS --channel ID
  stack-ethereum-channel reclaim --rpc-url URL --contract ADDRESS --channel ID
options: --json (machine-readable output), --help, --version
environment: ${KEY_VARIABLE}=0x… (64 hex digits; address, deploy, start-reclaim, reclaim)
exit codes: 0 done, 1 refused by the chain or the contract, 2 bad usage or input, 3 unexpected failure`

/** Bad usage or input: exit 2. */
class UsageError extends Error {
  override readonly name = 'UsageError'
}

/** The chain answered, but not with what the command needs (no contract code, no such channel): exit 1. */
class ChainStateError extends Error {
  constructor(
    override readonly name: string,
    message: string
  ) {
    super(message)
  }
}

type Flag = 'rpc-url' | 'contract' | 'channel'

interface Input {
  readonly rpcUrl: string | undefined
  readonly contract: Address | undefined
  readonly channel: Hex | undefined
}

/** What a command found or did: `json` for --json, `text` as aligned `label value` rows. */
interface Report {
  readonly json: Record<string, unknown>
  readonly text: ReadonlyArray<readonly [string, string]>
}

interface Command {
  readonly required: readonly Flag[]
  readonly optional: readonly Flag[]
  readonly run: (input: Input) => Promise<Report>
}

const channelFlags: readonly Flag[] = ['rpc-url', 'contract', 'channel']

const commands: Record<string, Command> = {
  address: {
    required: [],
    optional: ['rpc-url'],
    async run({ rpcUrl }) {
      const key = privateKey()
      const address = privateKeyToAccount(key).address
      if (rpcUrl === undefined) return { json: { address }, text: [['address', address]] }
      const ledger = await EthereumLedger.connect({ connection: { rpcUrl } })
      const balance = await ledger.getAddressBalance(address)
      return {
        json: { address, chainId: ledger.chainId, balance },
        text: [
          ['address', address],
          ['chain id', String(ledger.chainId)],
          ['balance', wei(balance)]
        ]
      }
    }
  },

  deploy: {
    required: ['rpc-url'],
    optional: [],
    async run({ rpcUrl }) {
      const ledger = await connect(rpcUrl, privateKey())
      const { contract, transaction } = await PaymentChannelContract.deploy(ledger, ACCOUNT)
      // The receipt's address is lowercase; print it with its EIP-55 checksum, as a config should hold it.
      const address = getAddress(contract.address)
      return {
        json: { contract: address, chainId: ledger.chainId, ...transactionJson(transaction) },
        text: [['contract', address], ['chain id', String(ledger.chainId)], ...transactionText(transaction)]
      }
    }
  },

  show: {
    required: channelFlags,
    optional: [],
    async run(input) {
      const ledger = await connect(input.rpcUrl)
      const { contract, channelId } = await channelOf(ledger, input)
      const channel = await contract.getChannel(channelId)
      if (channel === undefined) throw new ChainStateError('UnknownChannel', `no channel ${channelId} on contract ${contract.address} (chain ${ledger.chainId})`)
      const now = await ledger.blockTimestamp()
      return {
        json: {
          chainId: ledger.chainId,
          contract: getAddress(contract.address),
          channel: channel.id,
          sender: channel.sender,
          receiver: channel.receiver,
          deposit: channel.deposit,
          claimed: channel.claimed,
          timeoutSeconds: channel.timeoutSeconds,
          reclaimAt: channel.reclaimAt ?? null,
          closed: channel.closed,
          chainTime: now
        },
        text: [
          ['channel', channel.id],
          ['sender', channel.sender],
          ['receiver', channel.receiver],
          ['deposit', wei(channel.deposit)],
          ['claimed', wei(channel.claimed)],
          ['timeout', `${channel.timeoutSeconds} s`],
          ['reclaim at', channel.reclaimAt === undefined ? 'not started' : `${time(channel.reclaimAt)}, ${until(channel.reclaimAt, now)}`],
          ['closed', channel.closed ? 'yes' : 'no']
        ]
      }
    }
  },

  'start-reclaim': {
    required: channelFlags,
    optional: [],
    async run(input) {
      const ledger = await connect(input.rpcUrl, privateKey())
      const { contract, channelId } = await channelOf(ledger, input)
      const transaction = await contract.startReclaim(ACCOUNT, channelId)
      const [started] = parseEventLogs({ abi: paymentChannelAbi, logs: transaction.receipt.logs, eventName: 'ReclaimStarted' })
      if (started === undefined) throw new ChainStateError('MissingEvent', `startReclaim ${transaction.hash} emitted no ReclaimStarted`)
      const { reclaimAt } = started.args
      return {
        json: { channel: channelId, reclaimAt, ...transactionJson(transaction) },
        text: [['channel', channelId], ['reclaim at', time(reclaimAt)], ...transactionText(transaction)]
      }
    }
  },

  reclaim: {
    required: channelFlags,
    optional: [],
    async run(input) {
      const ledger = await connect(input.rpcUrl, privateKey())
      const { contract, channelId } = await channelOf(ledger, input)
      const transaction = await contract.reclaim(ACCOUNT, channelId)
      const [closed] = parseEventLogs({ abi: paymentChannelAbi, logs: transaction.receipt.logs, eventName: 'ChannelClosed' })
      if (closed === undefined) throw new ChainStateError('MissingEvent', `reclaim ${transaction.hash} emitted no ChannelClosed`)
      const { claimed, refunded } = closed.args
      return {
        json: { channel: channelId, claimed, refunded, ...transactionJson(transaction) },
        text: [['channel', channelId], ['claimed', wei(claimed)], ['refunded', wei(refunded)], ...transactionText(transaction)]
      }
    }
  }
}

// ---- input ------------------------------------------------------------------------------

const KEY_PATTERN = /^0x[0-9a-fA-F]{64}$/

/** The key from the environment, checked. */
function privateKey(): Hex {
  const value = process.env[KEY_VARIABLE]?.trim()
  if (value === undefined || value === '') throw new UsageError(`${KEY_VARIABLE} is not set (the key is read from the environment, never from the command line)`)
  if (!KEY_PATTERN.test(value)) throw new UsageError(`${KEY_VARIABLE} must be 0x followed by 64 hex digits`)
  try {
    privateKeyToAccount(value as Hex)
  } catch {
    throw new UsageError(`${KEY_VARIABLE} is not a valid secp256k1 private key`)
  }
  return value as Hex
}

function rpcUrlOf(text: string): string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new UsageError('--rpc-url must be an http(s) URL')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError('--rpc-url must be an http(s) URL')
  return text
}

function addressOf(text: string): Address {
  // viem checks the EIP-55 checksum of a mixed-case address: a mistyped one is refused here.
  if (!isAddress(text)) throw new UsageError('--contract must be an address: 0x and 40 hex digits (mixed case only with a valid EIP-55 checksum)')
  return text
}

function channelIdOf(text: string): Hex {
  if (!/^0x[0-9a-fA-F]{64}$/.test(text)) throw new UsageError('--channel must be a channel id: 0x and 64 hex digits')
  return text.toLowerCase() as Hex
}

function parse(argv: readonly string[]): { command: Command | undefined; input: Input; json: boolean; help: boolean; version: boolean } {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      'rpc-url': { type: 'string' },
      contract: { type: 'string' },
      channel: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean' }
    }
  })
  const json = values.json === true
  const none = { rpcUrl: undefined, contract: undefined, channel: undefined }
  if (values.help === true) return { command: undefined, input: none, json, help: true, version: false }
  if (values.version === true) return { command: undefined, input: none, json, help: false, version: true }
  const [name, ...extra] = positionals
  if (name === undefined) throw new UsageError(`a command is required: ${Object.keys(commands).join(', ')} (--help for usage)`)
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined
  if (command === undefined) throw new UsageError(/^[a-z-]{1,32}$/.test(name) ? `unknown command ${name}` : 'unknown command')
  // Values are never echoed: a key pasted in the wrong place must not reach a log.
  if (extra.length > 0) throw new UsageError(`${name} takes flags only, not arguments`)
  for (const flag of command.required) if (values[flag] === undefined) throw new UsageError(`${name} needs --${flag}`)
  for (const flag of channelFlags) {
    if (values[flag] !== undefined && !command.required.includes(flag) && !command.optional.includes(flag)) throw new UsageError(`${name} does not take --${flag}`)
  }
  const rpcUrl = values['rpc-url'] === undefined ? undefined : rpcUrlOf(values['rpc-url'])
  const contract = values.contract === undefined ? undefined : addressOf(values.contract)
  const channel = values.channel === undefined ? undefined : channelIdOf(values.channel)
  return { command, input: { rpcUrl, contract, channel }, json, help: false, version: false }
}

// ---- chain ------------------------------------------------------------------------------

function connect(rpcUrl: string | undefined, key?: Hex): Promise<EthereumLedger> {
  if (rpcUrl === undefined) throw new UsageError('--rpc-url is required')
  return EthereumLedger.connect({ connection: { rpcUrl }, accounts: key === undefined ? {} : { [ACCOUNT]: { privateKey: key } } })
}

/** The contract at --contract (refusing an address without code: a wrong address or chain) and --channel. */
async function channelOf(ledger: EthereumLedger, input: Input): Promise<{ contract: PaymentChannelContract; channelId: Hex }> {
  if (input.contract === undefined || input.channel === undefined) throw new UsageError('--contract and --channel are required')
  const code = await ledger.publicClient.getCode({ address: input.contract })
  if (code === undefined || code === '0x') throw new ChainStateError('NoContract', `no contract at ${input.contract} on chain ${ledger.chainId}`)
  return { contract: new PaymentChannelContract(ledger, input.contract), channelId: input.channel }
}

// ---- output -----------------------------------------------------------------------------

/**
 * The key's 64 hex digits, scrubbed from all output (in any case, with or without 0x), whether or
 * not the command uses the key. A malformed key is not scrubbed: it is never echoed either.
 */
const secrets: string[] = []
const environmentKey = process.env[KEY_VARIABLE]?.trim()
if (environmentKey !== undefined && KEY_PATTERN.test(environmentKey)) secrets.push(environmentKey.slice(2))

function write(stream: NodeJS.WriteStream, text: string): void {
  let safe = text
  for (const secret of secrets) safe = safe.replace(new RegExp(`(0x)?${secret}`, 'gi'), '(hidden)')
  stream.write(safe.endsWith('\n') ? safe : `${safe}\n`)
}

function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))
}

function rows(text: Report['text']): string {
  const width = Math.max(...text.map(([label]) => label.length)) + 2
  return text.map(([label, value]) => `${label.padEnd(width)}${value}`).join('\n')
}

const wei = (amount: bigint): string => `${amount} wei`

/** Chain seconds, with the UTC time when a Date can hold it (a uint64 may not). */
function time(seconds: bigint): string {
  const ms = seconds * 1000n
  return ms <= 8_640_000_000_000_000n ? `${seconds} (${new Date(Number(ms)).toISOString()})` : String(seconds)
}

function until(at: bigint, now: bigint): string {
  return at > now ? `in ${at - now} s (chain time ${now})` : `passed (chain time ${now})`
}

function transactionJson(transaction: TransactionSummary): Record<string, unknown> {
  return { transactionHash: transaction.hash, blockNumber: transaction.blockNumber, gasUsed: transaction.gasUsed, fee: transaction.fee }
}

function transactionText(transaction: TransactionSummary): Array<readonly [string, string]> {
  return [
    ['transaction', transaction.hash],
    ['block', String(transaction.blockNumber)],
    ['gas used', String(transaction.gasUsed)],
    ['fee', wei(transaction.fee)]
  ]
}

/** A failure as its name, one line of message, and (for a revert) the contract's error arguments by name. */
function describeError(error: unknown): { name: string; message: string; args?: Record<string, unknown>; transactionHash?: Hex } {
  if (error instanceof ContractRevertedError) {
    const name = error.errorName ?? error.name
    const inputs = paymentChannelAbi.find((item) => item.type === 'error' && item.name === error.errorName)?.inputs ?? []
    const args = Object.fromEntries(error.errorArgs.map((value, i) => [inputs[i]?.name ?? String(i), value]))
    const shown = Object.entries(args).map(([key, value]) => `${key} ${String(value)}`).join(', ')
    return {
      name,
      message: `${error.functionName ?? 'transaction'} reverted${shown === '' ? '' : ` (${shown})`}${error.errorName === undefined && error.reason !== undefined ? `: ${error.reason}` : ''}`,
      args,
      ...(error.hash === undefined ? {} : { transactionHash: error.hash })
    }
  }
  if (error instanceof BaseError) {
    // The endpoint's origin only: an RPC URL's path often holds an API key.
    const url = (error as { url?: unknown }).url
    const where = typeof url === 'string' && URL.canParse(url) ? ` (${new URL(url).origin})` : ''
    return { name: error.name, message: oneLine(`${error.shortMessage.replace(/\.$/, '')}${where}${error.details === '' ? '' : `: ${error.details}`}`) }
  }
  if (error instanceof Error) return { name: error.name, message: oneLine(error.message) }
  return { name: 'Error', message: oneLine(String(error)) }
}

const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, ' ').trim()

function isParseArgsError(error: unknown): error is Error {
  return error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')
}

async function main(argv: readonly string[]): Promise<number> {
  const json = argv.includes('--json')
  try {
    const parsed = parse(argv)
    if (parsed.version) {
      // The version of this app's package.json (one folder up from src/ and dist/ alike).
      const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
      write(process.stdout, version)
      return 0
    }
    if (parsed.help || parsed.command === undefined) {
      write(process.stdout, usage)
      return 0
    }
    const report = await parsed.command.run(parsed.input)
    write(process.stdout, parsed.json ? toJson(report.json) : rows(report.text))
    return 0
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      // node's own messages go on with a hint about `--`; the first sentence names the option.
      let message = error instanceof UsageError ? error.message : (error.message.split('. ')[0] ?? error.message)
      if (!(error instanceof UsageError) && /key/i.test(message)) message += ` (the key is read from ${KEY_VARIABLE})`
      write(process.stderr, json ? toJson({ error: 'UsageError', message: oneLine(message) }) : `stack-ethereum-channel: ${message}`)
      return 2
    }
    const { name, ...rest } = describeError(error)
    if (!(error instanceof LedgerError || error instanceof BaseError || error instanceof ChainStateError)) {
      write(process.stderr, json ? toJson({ error: name, ...rest }) : `unexpected failure (a bug): ${error instanceof Error ? (error.stack ?? error.message) : rest.message}`)
      return 3
    }
    write(process.stderr, json ? toJson({ error: name, ...rest }) : `${name}: ${rest.message}${rest.transactionHash === undefined ? '' : ` (transaction ${rest.transactionHash})`}`)
    return 1
  }
}

process.exitCode = await main(process.argv.slice(2))
