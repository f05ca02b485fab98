import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { generateSeed } from 'ripple-keypairs'
import { describe, expect, it } from 'vitest'
import { decode, hashes, verifyPaymentChannelClaim, verifySignature } from 'xrpl'
import { dropsToXrp, generateWallet, MAX_DROPS, type KeyAlgorithm } from '@stack/ledger-xrp'
import { ConfigChecker, type ConfigObject } from '@stack/channel-core'
import { claimKeyPairFromSeed, signClaim, xrpSettlement } from '@stack/channel-xrp'

// The bin package.json declares (a launcher of the built dist/), as an operator runs it
// (vitest's global setup builds dist/ first). Every transaction it signs is checked with
// xrpl.js 5.3.0's own decoder and signature checks.
const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string; bin: { 'stack-xrp-channel': string } }
const cli = fileURLToPath(new URL(`../${manifest.bin['stack-xrp-channel']}`, import.meta.url))
const parentEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('STACK_XRP_')))

interface Result {
  code: number
  stdout: string
  stderr: string
}

function run(env: Record<string, string>, ...args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { timeout: 20_000, env: { ...parentEnv, ...env } }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1
      resolve({ code, stdout, stderr })
    })
  })
}

async function runJson(env: Record<string, string>, ...args: string[]): Promise<Record<string, unknown>> {
  const result = await run(env, ...args, '--json')
  expect(result).toMatchObject({ code: 0, stderr: '' })
  return JSON.parse(result.stdout) as Record<string, unknown>
}

/** Exit 2, one line on stderr naming `subject`, and none of `secrets` anywhere. */
function expectUsageError(result: Result, subject: string, secrets: string[] = []): void {
  expect(result.code).toBe(2)
  expect(result.stdout).toBe('')
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1)
  expect(result.stderr).toContain(subject)
  for (const secret of secrets) expect(`${result.stdout}${result.stderr}`).not.toContain(secret)
}

const payee = generateWallet('ed25519').classicAddress
const claimSeed = generateSeed({ algorithm: 'ed25519' })
const claimKeys = claimKeyPairFromSeed(claimSeed)
const channelId = '5DB01B7FFED6B67E6B0414DED11E051D2EE2B7619CE0EAA6286D67A3A4D5BDB3'
const createFlags = ['--destination', payee, '--amount', '10000000', '--settle-delay', '86400', '--fee', '12', '--sequence', '5']

describe.each<KeyAlgorithm>(['ed25519', 'secp256k1'])('create, with a %s account', (algorithm) => {
  const payer = generateWallet(algorithm)
  const seed = payer.seed as string
  const env = { STACK_XRP_SEED: seed, STACK_XRP_CLAIM_SEED: claimSeed }

  it('signs the PaymentChannelCreate asked for, with the claim key as its PublicKey', async () => {
    const out = await runJson(env, 'create', ...createFlags, '--last-ledger-sequence', '1000')
    const txBlob = out.txBlob as string
    expect(decode(txBlob)).toMatchObject({
      TransactionType: 'PaymentChannelCreate',
      Account: payer.classicAddress,
      Destination: payee,
      Amount: '10000000',
      SettleDelay: 86_400,
      PublicKey: claimKeys.publicKey,
      Fee: '12',
      Sequence: 5,
      LastLedgerSequence: 1000,
      SigningPubKey: payer.publicKey
    })
    expect(decode(txBlob)).not.toHaveProperty('CancelAfter')
    expect(verifySignature(txBlob)).toBe(true)
    expect(out.hash).toBe(hashes.hashSignedTx(txBlob))
    expect(out).toMatchObject({ submitted: false, claimPublicKey: claimKeys.publicKey })
    expect(out).not.toHaveProperty('claimSeed')
  })

  it('derives the channel id the ledger will give the channel', async () => {
    const out = await runJson(env, 'create', ...createFlags)
    expect(out.channelId).toBe(hashes.hashPaymentChannel(payer.classicAddress, payee, 5))
  })

  it('prints the connector config of both ends, without a seed', async () => {
    const out = await runJson(env, 'create', ...createFlags)
    const id = out.channelId as string
    expect(out.connector).toMatchObject({
      payer: {
        settlement: { kind: 'xrp', account: payer.classicAddress, peerAccount: payee, outgoing: { channelId: id, amount: '10000000', claimSecret: '<claim seed>' } }
      },
      payee: {
        settlement: { kind: 'xrp', account: payee, peerAccount: payer.classicAddress, incoming: [{ channelId: id, publicKey: claimKeys.publicKey, amount: '10000000' }] }
      },
      env: { payer: { 'STACK_CONNECTOR__PEERS__<PEER_ID>__SETTLEMENT__OUTGOING__CLAIM_SECRET': expect.any(String) } }
    } as unknown as Record<string, unknown>)
    const text = await run(env, 'create', ...createFlags)
    expect(text.code).toBe(0)
    expect(text.stdout).toContain('Nothing has been submitted to any ledger')
    expect(text.stdout).toContain(`channelId: '${id}'`)
    expect(text.stdout).toContain(`publicKey: '${claimKeys.publicKey}'`)
    expect(text.stdout).toContain('STACK_CONNECTOR__PEERS__<PEER_ID>__SETTLEMENT__OUTGOING__CLAIM_SECRET')
    for (const output of [JSON.stringify(out), text.stdout, text.stderr]) {
      expect(output).not.toContain(seed)
      expect(output).not.toContain(claimSeed)
    }
  })

  it("prints config that the connector's xrp settlement plug-in takes once the claim seed is set", async () => {
    const { connector } = (await runJson(env, 'create', ...createFlags)) as { connector: Record<'payer' | 'payee', { settlement: ConfigObject }> }
    const payerSection = { ...connector.payer.settlement, outgoing: { ...(connector.payer.settlement.outgoing as object), claimSecret: claimSeed } }
    const check = (section: ConfigObject) => {
      const checker = new ConfigChecker()
      const config = xrpSettlement.check(section, { checker, path: 'settlement', asset: { code: 'XRP', scale: 6 }, file: (name) => checker.string(name, 'settlement.claims') })
      return { config, issues: checker.issues }
    }
    expect(check(payerSection)).toMatchObject({ issues: [], config: { outgoing: { claimSecret: claimSeed, amount: 10_000_000n } } })
    expect(check(connector.payee.settlement)).toMatchObject({ issues: [], config: { incoming: [{ publicKey: claimKeys.publicKey, amount: 10_000_000n, balance: 0n }] } })
    // The placeholder is no seed: a config pasted without setting it is refused, naming the field.
    expect(check(connector.payer.settlement).issues).toEqual([{ path: 'settlement.outgoing.claimSecret', message: 'is not an XRP Ledger seed' }])
  })
})

describe('create', () => {
  const payer = generateWallet('ed25519')
  const seed = payer.seed as string

  it('without STACK_XRP_CLAIM_SEED, generates a claim key and prints its seed once, labelled a secret', async () => {
    const out = await runJson({ STACK_XRP_SEED: seed }, 'create', ...createFlags)
    const generated = out.claimSeed as string
    expect(claimKeyPairFromSeed(generated).publicKey).toBe(out.claimPublicKey)
    expect(decode(out.txBlob as string)).toMatchObject({ PublicKey: out.claimPublicKey })
    expect(JSON.stringify(out)).not.toContain(seed)

    const text = await run({ STACK_XRP_SEED: seed }, 'create', ...createFlags)
    expect(text.code).toBe(0)
    expect(text.stdout).toContain('SECRET')
    const seeds = text.stdout.match(/\bsEd[1-9A-HJ-NP-Za-km-z]{20,}/g) ?? []
    expect(seeds).toHaveLength(1)
    expect(text.stdout).not.toContain(seed)
    // A different key each time: the seed is not derived from anything given.
    expect(seeds[0]).not.toBe(generated)
  })

  it('sets CancelAfter from Ripple-epoch seconds or a UTC time', async () => {
    const env = { STACK_XRP_SEED: seed, STACK_XRP_CLAIM_SEED: claimSeed }
    const fromTime = await runJson(env, 'create', ...createFlags, '--cancel-after', '2035-01-01T00:00:00Z')
    expect(decode(fromTime.txBlob as string)).toMatchObject({ CancelAfter: Date.UTC(2035, 0, 1) / 1000 - 946_684_800 })
    const fromSeconds = await runJson(env, 'create', ...createFlags, '--cancel-after', '1100000000')
    expect(decode(fromSeconds.txBlob as string)).toMatchObject({ CancelAfter: 1_100_000_000 })
    expect(verifySignature(fromSeconds.txBlob as string)).toBe(true)
    expectUsageError(await run(env, 'create', ...createFlags, '--cancel-after', '2001-01-01T00:00:00Z'), '--cancel-after')
    expectUsageError(await run(env, 'create', ...createFlags, '--cancel-after', 'tomorrow'), '--cancel-after')
  })

  it("warns when the claim key is the account's own key", async () => {
    const out = await runJson({ STACK_XRP_SEED: seed, STACK_XRP_CLAIM_SEED: seed }, 'create', ...createFlags)
    expect(out).toMatchObject({ claimPublicKey: payer.publicKey, warning: expect.stringContaining("the account's own key") })
    expect(JSON.stringify(out)).not.toContain(seed)
  })

  it('refuses a channel to the paying account itself', async () => {
    const flags = createFlags.map((flag) => (flag === payee ? payer.classicAddress : flag))
    expectUsageError(await run({ STACK_XRP_SEED: seed, STACK_XRP_CLAIM_SEED: claimSeed }, 'create', ...flags), '--destination', [seed, claimSeed])
  })
})

describe('fund', () => {
  it('signs a PaymentChannelFund', async () => {
    const payer = generateWallet('secp256k1')
    const out = await runJson({ STACK_XRP_SEED: payer.seed as string }, 'fund', '--channel', channelId.toLowerCase(), '--amount', '5000000', '--fee', '15', '--sequence', '6', '--last-ledger-sequence', '77')
    const txBlob = out.txBlob as string
    expect(decode(txBlob)).toMatchObject({
      TransactionType: 'PaymentChannelFund',
      Account: payer.classicAddress,
      Channel: channelId,
      Amount: '5000000',
      Fee: '15',
      Sequence: 6,
      LastLedgerSequence: 77
    })
    expect(verifySignature(txBlob)).toBe(true)
    expect(out).toMatchObject({ submitted: false, channelId, hash: hashes.hashSignedTx(txBlob), added: '5000000' })
  })
})

describe('claim and verify', () => {
  const env = { STACK_XRP_CLAIM_SEED: claimSeed }

  it.each<KeyAlgorithm>(['ed25519', 'secp256k1'])('signs a %s claim that xrpl.js and verify accept', async (algorithm) => {
    const seed = generateSeed({ algorithm: algorithm === 'ed25519' ? 'ed25519' : 'ecdsa-secp256k1' })
    const keys = claimKeyPairFromSeed(seed)
    const out = await runJson({ STACK_XRP_CLAIM_SEED: seed }, 'claim', '--channel', channelId, '--amount', '2500')
    expect(out).toMatchObject({ channelId, amount: '2500', publicKey: keys.publicKey })
    const signature = out.signature as string
    expect(signature).toBe(signClaim(keys.privateKey, channelId, 2500n))
    expect(verifyPaymentChannelClaim(channelId, dropsToXrp(2500n), signature, keys.publicKey)).toBe(true)
    expect(JSON.stringify(out)).not.toContain(seed)

    const flags = ['--channel', channelId, '--public-key', keys.publicKey, '--signature', signature]
    expect(await run({}, 'verify', ...flags, '--amount', '2500')).toMatchObject({ code: 0, stdout: expect.stringContaining('valid') })
    expect(await runJson({}, 'verify', ...flags, '--amount', '2500')).toMatchObject({ valid: true })
  })

  it('verify exits 1 for a wrong amount, channel, key or signature', async () => {
    const signature = signClaim(claimKeys.privateKey, channelId, 2500n)
    const otherChannel = 'A'.repeat(64)
    const other = claimKeyPairFromSeed(generateSeed({ algorithm: 'ed25519' }))
    const flipped = `${signature.slice(0, -2)}${signature.endsWith('00') ? '01' : '00'}`
    const verify = (amount: string, channel: string, publicKey: string, sig: string): Promise<Result> =>
      run({}, 'verify', '--channel', channel, '--amount', amount, '--public-key', publicKey, '--signature', sig)
    const results = await Promise.all([
      verify('2501', channelId, claimKeys.publicKey, signature),
      verify('2499', channelId, claimKeys.publicKey, signature),
      verify('2500', otherChannel, claimKeys.publicKey, signature),
      verify('2500', channelId, other.publicKey, signature),
      verify('2500', channelId, claimKeys.publicKey, flipped)
    ])
    for (const result of results) expect(result).toMatchObject({ code: 1, stdout: expect.stringContaining('NOT valid') })
    const json = await run({}, 'verify', '--channel', channelId, '--amount', '2501', '--public-key', claimKeys.publicKey, '--signature', signature, '--json')
    expect(json.code).toBe(1)
    expect(JSON.parse(json.stdout)).toMatchObject({ valid: false, amount: '2501' })
  })

  it('claim needs STACK_XRP_CLAIM_SEED; it never makes one up', async () => {
    expectUsageError(await run({}, 'claim', '--channel', channelId, '--amount', '1'), 'STACK_XRP_CLAIM_SEED')
    const out = await runJson(env, 'claim', '--channel', channelId, '--amount', '1')
    expect(out.publicKey).toBe(claimKeys.publicKey)
  })
})

describe('address', () => {
  it.each<KeyAlgorithm>(['ed25519', 'secp256k1'])("shows a %s seed's address and public key, not the seed", async (algorithm) => {
    const wallet = generateWallet(algorithm)
    const seed = wallet.seed as string
    expect(await runJson({ STACK_XRP_SEED: seed }, 'address')).toEqual({ address: wallet.classicAddress, publicKey: wallet.publicKey })
    const text = await run({ STACK_XRP_SEED: seed }, 'address')
    expect(text).toMatchObject({ code: 0, stdout: expect.stringContaining(wallet.classicAddress) })
    expect(text.stdout).not.toContain(seed)
  })
})

describe('seeds', () => {
  // Shaped like seeds, but neither decodes to one.
  const badSeed = 'sn3nxiW7v8KXzPzAqzyHXbSSKNuN8' // a well-known seed with its last character changed: a bad checksum
  const badClaimSeed = 'sEdBadClaimSeedThatIsNotValid1'
  const flags = {
    create: createFlags,
    fund: ['--channel', channelId, '--amount', '1', '--fee', '12', '--sequence', '1'],
    address: []
  }

  it('a missing STACK_XRP_SEED exits 2, naming the variable', async () => {
    for (const [command, args] of Object.entries(flags)) {
      expectUsageError(await run({ STACK_XRP_CLAIM_SEED: claimSeed }, command, ...args), 'STACK_XRP_SEED', [claimSeed])
      expectUsageError(await run({ STACK_XRP_SEED: '' }, command, ...args), 'STACK_XRP_SEED')
    }
  })

  it('an invalid seed exits 2 and is never printed', async () => {
    for (const [command, args] of Object.entries(flags)) {
      expectUsageError(await run({ STACK_XRP_SEED: badSeed }, command, ...args), 'STACK_XRP_SEED', [badSeed])
      expectUsageError(await run({ STACK_XRP_SEED: badSeed }, command, ...args, '--json'), 'STACK_XRP_SEED', [badSeed])
    }
    const seed = generateWallet().seed as string
    expectUsageError(await run({ STACK_XRP_SEED: seed, STACK_XRP_CLAIM_SEED: badClaimSeed }, 'create', ...createFlags), 'STACK_XRP_CLAIM_SEED', [seed, badClaimSeed])
    expectUsageError(await run({ STACK_XRP_CLAIM_SEED: badClaimSeed }, 'claim', '--channel', channelId, '--amount', '1'), 'STACK_XRP_CLAIM_SEED', [badClaimSeed])
  })

  it('a seed on the command line is refused and not echoed', async () => {
    const seed = generateWallet().seed as string
    expectUsageError(await run({}, 'address', '--seed', seed), '--seed', [seed])
    expectUsageError(await run({}, 'address', `--seed=${seed}`), '--seed', [seed])
    expectUsageError(await run({}, 'claim', '--channel', channelId, '--amount', '1', '--claim-seed', seed), '--claim-seed', [seed])
    expectUsageError(await run({}, 'address', seed), 'unexpected argument', [seed])
    expectUsageError(await run({}, seed), 'unknown command', [seed])
    expectUsageError(await run({}, 'create', '--destination', seed, ...createFlags.slice(2)), '--destination', [seed])
  })
})

describe('bad input', () => {
  const env = { STACK_XRP_SEED: generateWallet().seed as string, STACK_XRP_CLAIM_SEED: claimSeed }
  const withFlag = (name: string, value: string): string[] => {
    const args = [...createFlags]
    args[args.indexOf(name) + 1] = value
    return args
  }

  it('exits 2 with one line naming the flag', async () => {
    const cases: [string[], string][] = [
      [['create', ...withFlag('--destination', 'rNotAnAddress')], '--destination'],
      [['create', ...withFlag('--destination', 'X7AcgcsBL6XDcUb289X4mJ8djcdyKaB5hJDWMArnXr61cqZ')], '--destination'],
      [['create', ...withFlag('--amount', '1.5')], '--amount'],
      [['create', ...withFlag('--amount', '0')], '--amount'],
      [['create', ...withFlag('--amount', 'abc')], '--amount'],
      [['create', ...withFlag('--amount', `${MAX_DROPS + 1n}`)], '--amount'],
      [['create', ...withFlag('--amount', '-5')], '--amount'],
      [['create', ...withFlag('--settle-delay', '4294967296')], '--settle-delay'],
      [['create', ...withFlag('--fee', '1e3')], '--fee'],
      [['create', ...withFlag('--sequence', '-1')], '--sequence'],
      [['create', ...createFlags, '--last-ledger-sequence', 'soon'], '--last-ledger-sequence'],
      [['create', ...createFlags.slice(0, -2)], '--sequence'],
      [['create', ...createFlags, '--amount', '5'], '--amount'],
      [['create', ...createFlags, '--channel', channelId], '--channel'],
      [['fund', '--channel', 'ABC', '--amount', '1', '--fee', '1', '--sequence', '1'], '--channel'],
      [['claim', '--channel', channelId, '--amount', '0'], '--amount'],
      [['claim', '--channel', channelId, '--amount'], '--amount'],
      [['verify', '--channel', channelId, '--amount', '1', '--public-key', '04ABCD', '--signature', 'AB'.repeat(64)], '--public-key'],
      [['verify', '--channel', channelId, '--amount', '1', '--public-key', claimKeys.publicKey, '--signature', 'not hex'], '--signature'],
      [['create', ...createFlags, '--json=yes'], '--json'],
      [['frobnicate'], 'unknown command'],
      [[], 'needs a command']
    ]
    const results = await Promise.all(cases.map(([args]) => run(env, ...args)))
    results.forEach((result, i) => expectUsageError(result, cases[i]?.[1] as string, [env.STACK_XRP_SEED, claimSeed]))
  })

  it('with --json, the error is one JSON line on stderr', async () => {
    const result = await run(env, 'create', ...withFlag('--amount', '1.5'), '--json')
    expectUsageError(result, '--amount')
    expect(JSON.parse(result.stderr)).toMatchObject({ error: 'UsageError', subject: '--amount' })
  })
})

describe('--version', () => {
  it('prints the version of package.json', async () => {
    expect(await run({}, '--version')).toEqual({ code: 0, stdout: `${manifest.version}\n`, stderr: '' })
  })
})

describe('help', () => {
  it('says that nothing is submitted to any ledger', async () => {
    for (const args of [['--help'], ['help'], ['create', '--help'], ['-h']]) {
      const result = await run({}, ...args)
      expect(result).toMatchObject({ code: 0, stderr: '' })
      expect(result.stdout).toContain('Nothing is submitted to any ledger')
      expect(result.stdout).toContain('STACK_XRP_SEED')
    }
  })
})
