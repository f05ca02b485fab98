#!/usr/bin/env node
/**
 * `stack-xrp-channel`: what an operator needs to open an XRP Ledger payment channel for the
 * connector's `xrp` settlement, and to check claims on it, signed offline:
 *
 *   STACK_XRP_SEED=s… stack-xrp-channel create --destination r… --amount 10000000 --settle-delay 86400 --fee 12 --sequence 5
 *   STACK_XRP_SEED=s… stack-xrp-channel fund --channel ID --amount 5000000 --fee 12 --sequence 6
 *   STACK_XRP_CLAIM_SEED=s… stack-xrp-channel claim --channel ID --amount 2500
 *   stack-xrp-channel verify --channel ID --amount 2500 --public-key ED… --signature …
 *   STACK_XRP_SEED=s… stack-xrp-channel address
 *
 * Nothing is submitted to any ledger: no server is contacted, the signed blobs are printed for
 * the operator to submit. Seeds come from the environment only and are never printed, except a
 * claim seed `create` generates (once, labelled as a secret). Exit codes: 0 done (verify: valid),
 * 1 verify: not valid, 2 bad usage or input (one line on stderr naming the flag or variable),
 * 3 an unexpected failure (a bug).
 */
import { readFileSync } from 'node:fs'
import { generateSeed } from 'ripple-keypairs'
import {
  buildPaymentChannelCreate,
  buildPaymentChannelFund,
  dropsToXrp,
  paymentChannelId,
  signTransaction,
  walletFromSeed,
  type XrpWallet
} from '@stack/ledger-xrp'
import { claimKeyPairFromSeed, signClaim, verifyClaim, type ClaimKeyPair } from '@stack/channel-xrp'
import {
  addressFlag,
  channelIdFlag,
  dropsFlag,
  publicKeyFlag,
  readCommandLine,
  required,
  rippleTimeFlag,
  RIPPLE_EPOCH_OFFSET,
  signatureFlag,
  uint32Flag,
  UsageError,
  wantsJson,
  type Command
} from './xrp-channel-arguments.js'
import { settlementSnippets, settlementYaml } from './xrp-settlement-snippet.js'

const NAME = 'stack-xrp-channel'
const NOT_SUBMITTED = 'Nothing has been submitted to any ledger: submit the blob yourself (`submit` on any XRP Ledger server).'

const usage = `${NAME}: sign XRP Ledger payment channel transactions and claims, offline.
Nothing is submitted to any ledger and no server is contacted: the signed transaction blobs are
printed for you to submit (\`submit\` on any XRP Ledger server); read the fee and the account's
next sequence from a server (fee, account_info) first.

usage:
  ${NAME} create --destination rADDR --amount DROPS --settle-delay SECONDS --fee DROPS --sequence N
                    [--last-ledger-sequence N] [--cancel-after TIME]
      a signed PaymentChannelCreate from the account of STACK_XRP_SEED, whose claim key is that of
      STACK_XRP_CLAIM_SEED; prints the channel id, the blob and its hash, the claim public key, and
      the connector config of both ends (the payer's outgoing, the payee's incoming entry)
  ${NAME} fund --channel ID --amount DROPS --fee DROPS --sequence N [--last-ledger-sequence N]
      a signed PaymentChannelFund adding DROPS to the channel
  ${NAME} claim --channel ID --amount DROPS
      the signature of a claim of DROPS (cumulative) on the channel, by the key of STACK_XRP_CLAIM_SEED
  ${NAME} verify --channel ID --amount DROPS --public-key HEX --signature HEX
      exit 0 if the signature is that key's claim of exactly DROPS on exactly that channel, 1 if not
  ${NAME} address
      the classic address and public key of STACK_XRP_SEED
  ${NAME} --version
      the version of this program
  every command: --json (one JSON object on stdout), --help

  DROPS: whole drops (1 XRP = 1000000 drops). --sequence: the account's next Sequence.
  --last-ledger-sequence: the last ledger that may include the transaction (advised: a few more
  than the current one). --settle-delay: seconds the payee has to redeem once the payer asks to
  close. --cancel-after: when the channel expires, as seconds since 2000-01-01T00:00:00Z or a
  UTC time like 2030-01-01T00:00:00Z.

environment (seeds are read from here only, never from the command line; a seed given is never printed):
  STACK_XRP_SEED        the seed (s…) of the account that signs create and fund
  STACK_XRP_CLAIM_SEED  the seed of the channel's claim key (create, claim). If it is unset,
                        create generates one and prints it once, labelled SECRET: store it.

exit codes: 0 done (verify: valid), 1 verify: not valid, 2 bad usage or input, 3 unexpected failure`

/** What a command answers: the text for a terminal, the object for --json, the exit code. */
interface Answer {
  readonly text: string
  readonly json: Record<string, unknown>
  readonly code?: 0 | 1
}

type Env = Readonly<Record<string, string | undefined>>
type Flags = ReadonlyMap<string, string>

const commands: Record<Command, (flags: Flags, env: Env, now: number) => Answer> = { create, fund, claim, verify, address }

/** The output and exit code of a command line; a UsageError for a bad one. */
function run(argv: readonly string[], env: Env, now: number): { stdout: string; code: number } {
  const { command, help, version, json, flags } = readCommandLine(argv)
  if (version && !help) {
    // The version of this app's package.json (one folder up from src/ and dist/ alike).
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
    return { stdout: `${manifest.version}\n`, code: 0 }
  }
  if (help || command === undefined) return { stdout: `${usage}\n`, code: 0 }
  const answer = commands[command](flags, env, now)
  return { stdout: json ? `${JSON.stringify(answer.json, null, 2)}\n` : `${answer.text}\n`, code: answer.code ?? 0 }
}

function create(flags: Flags, env: Env, now: number): Answer {
  const destination = addressFlag('destination', required(flags, 'destination'))
  const amount = dropsFlag('amount', required(flags, 'amount'), 1n)
  const settleDelay = uint32Flag('settle-delay', required(flags, 'settle-delay'))
  const common = commonFields(flags)
  const cancelText = flags.get('cancel-after')
  const cancelAfter = cancelText === undefined ? undefined : rippleTimeFlag('cancel-after', cancelText, now)
  const wallet = walletFromEnv(env)
  if (destination === wallet.classicAddress) throw new UsageError('--destination', 'is the account of STACK_XRP_SEED itself: a channel pays another account')
  let generatedSeed: string | undefined
  let keys = claimKeysFromEnv(env)
  if (keys === undefined) {
    generatedSeed = generateSeed({ algorithm: 'ed25519' })
    keys = claimKeyPairFromSeed(generatedSeed)
  }
  const publicKey = keys.publicKey.toUpperCase()
  const tx = buildPaymentChannelCreate({
    account: wallet.classicAddress,
    destination,
    amount,
    settleDelay,
    publicKey,
    ...common,
    ...(cancelAfter === undefined ? {} : { cancelAfter })
  })
  const { txBlob, hash } = signTransaction(wallet, tx)
  // XRPL docs, "PayChannel ID Format": the channel is known by its creator, destination and the
  // creating transaction's Sequence, so the id is known before the transaction is submitted.
  const channelId = paymentChannelId(wallet.classicAddress, destination, common.sequence)
  const channel = { channelId, account: wallet.classicAddress, destination, amount, publicKey }
  const yaml = settlementYaml(channel, 4)
  const rows: [string, string][] = [
    ['channel id', channelId],
    ['hash', hash],
    ['tx blob', txBlob],
    ['account', `${wallet.classicAddress} (STACK_XRP_SEED's, the payer)`],
    ['destination', `${destination} (the payee)`],
    ['amount', `${amount} drops (${dropsToXrp(amount)} XRP)`],
    ['settle delay', `${settleDelay} s`],
    ['claim key', `${publicKey} (public; the channel's PublicKey)`],
    ['fee', `${common.fee} drops`],
    ['sequence', String(common.sequence)],
    ['last ledger', common.lastLedgerSequence === undefined ? 'none: the transaction stays valid until its sequence is used (--last-ledger-sequence advised)' : String(common.lastLedgerSequence)]
  ]
  if (cancelAfter !== undefined) rows.push(['cancel after', `${cancelAfter} (${new Date((cancelAfter + RIPPLE_EPOCH_OFFSET) * 1000).toISOString()})`])
  const text = [
    'PaymentChannelCreate, signed.',
    NOT_SUBMITTED,
    '',
    table(rows),
    '',
    `The channel exists once this transaction is validated (tesSUCCESS). Its id comes from Sequence ${common.sequence}: if another transaction takes that sequence first, this blob is void; sign again (a new sequence, a new channel id).`
  ]
  if (generatedSeed !== undefined) {
    text.push(
      '',
      'SECRET: STACK_XRP_CLAIM_SEED was not set, so a new claim key was generated. Its seed is printed this once',
      "and never again; store it now. It signs every claim on this channel (the payer's outgoing.claimSecret):",
      `    ${generatedSeed}`
    )
  }
  // Allowed by the ledger, but the connector's claimSecret would then be the account's master seed.
  const warning = keys.publicKey.toUpperCase() === wallet.publicKey.toUpperCase()
    ? "the claim key is the account's own key: whoever holds the claim seed can also sign the account's transactions"
    : undefined
  if (warning !== undefined) text.push('', `Warning: ${warning}.`)
  text.push(
    '',
    `Payer's connector (${wallet.classicAddress}), under the peer that is ${destination}; merge with an existing settlement:`,
    yaml.payer,
    '',
    `Payee's connector (${destination}), under the peer that is ${wallet.classicAddress}; merge with an existing settlement:`,
    yaml.payee
  )
  return {
    text: text.join('\n'),
    json: {
      submitted: false,
      channelId,
      hash,
      txBlob,
      transaction: tx,
      claimPublicKey: publicKey,
      ...(generatedSeed === undefined ? {} : { claimSeed: generatedSeed }),
      ...(warning === undefined ? {} : { warning }),
      connector: settlementSnippets(channel)
    }
  }
}

function fund(flags: Flags, env: Env): Answer {
  const channelId = channelIdFlag('channel', required(flags, 'channel'))
  const amount = dropsFlag('amount', required(flags, 'amount'), 1n)
  const common = commonFields(flags)
  const wallet = walletFromEnv(env)
  const tx = buildPaymentChannelFund({ account: wallet.classicAddress, channel: channelId, amount, ...common })
  const { txBlob, hash } = signTransaction(wallet, tx)
  const text = [
    'PaymentChannelFund, signed.',
    NOT_SUBMITTED,
    '',
    table([
      ['channel id', channelId],
      ['hash', hash],
      ['tx blob', txBlob],
      ['account', `${wallet.classicAddress} (STACK_XRP_SEED's; must be the channel's creator)`],
      ['amount', `+${amount} drops (${dropsToXrp(amount)} XRP)`],
      ['fee', `${common.fee} drops`],
      ['sequence', String(common.sequence)],
      ['last ledger', common.lastLedgerSequence === undefined ? 'none (--last-ledger-sequence advised)' : String(common.lastLedgerSequence)]
    ]),
    '',
    `Once it is validated, raise the channel's amount by ${amount} drops in the payer's outgoing and the payee's incoming entry.`
  ]
  return { text: text.join('\n'), json: { submitted: false, channelId, hash, txBlob, transaction: tx, added: amount.toString() } }
}

function claim(flags: Flags, env: Env): Answer {
  const channelId = channelIdFlag('channel', required(flags, 'channel'))
  const amount = dropsFlag('amount', required(flags, 'amount'), 1n)
  const keys = claimKeysFromEnv(env)
  if (keys === undefined) throw new UsageError('STACK_XRP_CLAIM_SEED', 'is not set: it is the seed of the claim key the channel was created with')
  const signature = signClaim(keys.privateKey, channelId, amount)
  return {
    text: table([
      ['channel id', channelId],
      ['amount', `${amount} drops (${dropsToXrp(amount)} XRP), cumulative`],
      ['public key', keys.publicKey],
      ['signature', signature]
    ]),
    json: { channelId, amount: amount.toString(), publicKey: keys.publicKey, signature }
  }
}

function verify(flags: Flags): Answer {
  const channelId = channelIdFlag('channel', required(flags, 'channel'))
  const amount = dropsFlag('amount', required(flags, 'amount'), 1n)
  const publicKey = publicKeyFlag('public-key', required(flags, 'public-key'))
  const signature = signatureFlag('signature', required(flags, 'signature'))
  const valid = verifyClaim(publicKey, channelId, amount, signature)
  const what = `a claim of ${amount} drops on channel ${channelId} by ${publicKey}`
  return { text: valid ? `valid: ${what}` : `NOT valid: not ${what}`, json: { valid, channelId, amount: amount.toString(), publicKey }, code: valid ? 0 : 1 }
}

function address(_flags: Flags, env: Env): Answer {
  const wallet = walletFromEnv(env)
  return {
    text: table([
      ['address', wallet.classicAddress],
      ['public key', wallet.publicKey]
    ]),
    json: { address: wallet.classicAddress, publicKey: wallet.publicKey }
  }
}

function commonFields(flags: Flags): { fee: bigint; sequence: number; lastLedgerSequence?: number } {
  const fee = dropsFlag('fee', required(flags, 'fee'), 0n)
  const sequence = uint32Flag('sequence', required(flags, 'sequence'))
  const last = flags.get('last-ledger-sequence')
  return last === undefined ? { fee, sequence } : { fee, sequence, lastLedgerSequence: uint32Flag('last-ledger-sequence', last) }
}

/** The account's wallet; a missing or bad seed is a UsageError that never quotes it. */
function walletFromEnv(env: Env): XrpWallet {
  const seed = env.STACK_XRP_SEED
  if (seed === undefined || seed === '') throw new UsageError('STACK_XRP_SEED', "is not set: it is the seed (s…) of the account that signs")
  try {
    return walletFromSeed(seed.trim())
  } catch {
    // The error of a bad seed may quote it: only our own message goes out.
    throw new UsageError('STACK_XRP_SEED', 'is not an XRP Ledger seed (s…)')
  }
}

/** The claim key of STACK_XRP_CLAIM_SEED, undefined when unset. */
function claimKeysFromEnv(env: Env): ClaimKeyPair | undefined {
  const seed = env.STACK_XRP_CLAIM_SEED
  if (seed === undefined || seed === '') return undefined
  try {
    return claimKeyPairFromSeed(seed.trim())
  } catch {
    throw new UsageError('STACK_XRP_CLAIM_SEED', 'is not an XRP Ledger seed (s…)')
  }
}

function table(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(...rows.map(([label]) => label.length))
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n')
}

/** Every seed the environment gave, blanked out of `text`: a second guard, the first being that no message quotes one. */
function scrub(text: string, env: Env): string {
  let clean = text
  for (const name of ['STACK_XRP_SEED', 'STACK_XRP_CLAIM_SEED']) {
    const seed = env[name]?.trim()
    if (seed !== undefined && seed.length >= 16) clean = clean.replaceAll(seed, `[${name}]`)
  }
  return clean
}

function main(): void {
  const argv = process.argv.slice(2)
  const env = process.env
  try {
    const { stdout, code } = run(argv, env, Date.now())
    process.stdout.write(scrub(stdout, env))
    process.exitCode = code
  } catch (error) {
    if (error instanceof UsageError) {
      const line = wantsJson(argv)
        ? JSON.stringify({ error: error.name, subject: error.subject ?? null, message: error.message })
        : `${NAME}: ${error.message} (${NAME} --help for usage)`
      process.stderr.write(`${scrub(line, env)}\n`)
      process.exitCode = 2
    } else {
      process.stderr.write(scrub(`${NAME}: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`, env))
      process.exitCode = 3
    }
  }
}

main()
