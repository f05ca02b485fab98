import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getAddress, type Address, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAddress } from 'viem/accounts'
import { startEvmNode, type EvmNode } from '@stack/evm-node'
import { EthereumLedger } from '@stack/ledger-ethereum'
import { PaymentChannelContract, signClaim } from '@stack/channel-ethereum'

// The bin package.json declares (a launcher of the built dist/), as an operator runs it
// (the global setup builds dist/ first), against a chain behind a JSON-RPC URL: anvil
// (@stack/evm-node) listening on a free loopback port.
const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string; bin: { 'stack-ethereum-channel': string } }
const cli = fileURLToPath(new URL(`../${manifest.bin['stack-ethereum-channel']}`, import.meta.url))
const ETHER = 10n ** 18n
const CHAIN_ID = 1341
const TIMEOUT = 3_600

let node: EvmNode
let rpcUrl: string
let keys: { alice: Hex; bob: Hex; carol: Hex }
let alice: EthereumLedger
let bob: EthereumLedger
/** Everything the bin wrote, to check at the end that no key ever appears in it. */
const outputs: string[] = []

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

function run(key: Hex | string | undefined, ...args: string[]): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env }
  delete env.STACK_ETHEREUM_PRIVATE_KEY
  if (key !== undefined) env.STACK_ETHEREUM_PRIVATE_KEY = key
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { env, timeout: 30_000 }, (error, stdout, stderr) => {
      outputs.push(stdout, stderr)
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1
      resolve({ code, stdout, stderr })
    })
  })
}

/** Runs with --json and parses stdout, failing with stderr when the bin did. */
async function runJson(key: Hex | undefined, ...args: string[]): Promise<Record<string, unknown>> {
  const result = await run(key, ...args, '--json')
  expect(result.stderr).toBe('')
  expect(result.code).toBe(0)
  return JSON.parse(result.stdout) as Record<string, unknown>
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      probe.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

beforeAll(async () => {
  node = await startEvmNode({ accounts: 3, chainId: CHAIN_ID })
  rpcUrl = node.rpcUrl
  const [a, b, c] = node.keys
  keys = { alice: a!, bob: b!, carol: c! }
  const connect = (id: string, privateKey: Hex): Promise<EthereumLedger> =>
    EthereumLedger.connect({ connection: { rpcUrl }, accounts: { [id]: { privateKey } }, pollingIntervalMs: 20 })
  ;[alice, bob] = await Promise.all([connect('alice', keys.alice), connect('bob', keys.bob)])
})
afterAll(async () => {
  await node.stop()
})

describe('stack-ethereum-channel (the bin)', () => {
  let contract: Address
  let channelId: Hex
  const claimed = 3n * 10n ** 17n

  it('address: prints the address of the key in the environment, and its balance with --rpc-url', async () => {
    const address = privateKeyToAddress(keys.alice)
    expect(await run(keys.alice, 'address')).toMatchObject({ code: 0, stdout: `address  ${address}\n`, stderr: '' })
    expect(await runJson(keys.alice, 'address', '--rpc-url', rpcUrl)).toEqual({ address, chainId: CHAIN_ID, balance: String(await alice.getBalance('alice')) })
  })

  it('deploy: deploys the PaymentChannel contract and prints its address, chain id, transaction and gas used', async () => {
    const deployed = await runJson(keys.alice, 'deploy', '--rpc-url', rpcUrl)
    contract = deployed.contract as Address
    expect(contract).toBe(getAddress(contract))
    expect(deployed.chainId).toBe(CHAIN_ID)
    const code = await alice.publicClient.getCode({ address: contract })
    expect(code?.length).toBeGreaterThan(1_000)
    const receipt = await alice.publicClient.getTransactionReceipt({ hash: deployed.transactionHash as Hex })
    expect(receipt.contractAddress).toBe(contract.toLowerCase())
    expect(deployed.gasUsed).toBe(String(receipt.gasUsed))
    expect(deployed.fee).toBe(String(receipt.gasUsed * receipt.effectiveGasPrice))

    const text = await run(keys.alice, 'deploy', '--rpc-url', rpcUrl)
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(/^contract +0x[0-9a-fA-F]{40}\nchain id +1341\ntransaction +0x[0-9a-f]{64}\nblock +\d+\ngas used +\d+\nfee +\d+ wei\n$/)
  })

  it('show: prints a channel opened from code, as the contract holds it', async () => {
    const contractOfAlice = new PaymentChannelContract(alice, contract)
    const opened = await contractOfAlice.open({ from: 'alice', receiver: bob.addressOf('bob'), deposit: ETHER, timeoutSeconds: BigInt(TIMEOUT) })
    channelId = opened.channelId
    // Bob redeems part of it, so that a reclaim returns deposit − claimed.
    const signature = await signClaim(alice, 'alice', { chainId: CHAIN_ID, verifyingContract: contract }, channelId, claimed)
    await new PaymentChannelContract(bob, contract).claim('bob', channelId, claimed, signature)

    const shown = await runJson(undefined, 'show', '--rpc-url', rpcUrl, '--contract', contract, '--channel', channelId)
    expect(shown).toMatchObject({
      chainId: CHAIN_ID,
      contract,
      channel: channelId,
      sender: alice.addressOf('alice'),
      receiver: bob.addressOf('bob'),
      deposit: String(ETHER),
      claimed: String(claimed),
      timeoutSeconds: String(TIMEOUT),
      reclaimAt: null,
      closed: false
    })
    const text = await run(undefined, 'show', '--rpc-url', rpcUrl, '--contract', contract.toLowerCase(), '--channel', channelId.toUpperCase().replace('0X', '0x'))
    expect(text.code).toBe(0)
    expect(text.stdout).toContain(`channel     ${channelId}\n`)
    expect(text.stdout).toContain(`sender      ${alice.addressOf('alice')}\n`)
    expect(text.stdout).toContain('deposit     1000000000000000000 wei\n')
    expect(text.stdout).toContain('claimed     300000000000000000 wei\n')
    expect(text.stdout).toContain('timeout     3600 s\n')
    expect(text.stdout).toContain('reclaim at  not started\n')
    expect(text.stdout).toContain('closed      no\n')
  })

  it('start-reclaim, then reclaim before the timeout: exit 1 with the contract error, nothing moved', async () => {
    expect(await run(keys.alice, 'reclaim', '--rpc-url', rpcUrl, '--contract', contract, '--channel', channelId)).toMatchObject({
      code: 1,
      stdout: '',
      stderr: expect.stringMatching(/^ReclaimNotStarted: reclaim reverted/)
    })
    const started = await runJson(keys.alice, 'start-reclaim', '--rpc-url', rpcUrl, '--contract', contract, '--channel', channelId)
    const block = await alice.publicClient.getBlock({ blockNumber: BigInt(started.blockNumber as string) })
    expect(started).toMatchObject({ channel: channelId, reclaimAt: String(block.timestamp + BigInt(TIMEOUT)) })
    expect(await runJson(undefined, 'show', '--rpc-url', rpcUrl, '--contract', contract, '--channel', channelId)).toMatchObject({
      reclaimAt: started.reclaimAt,
      closed: false
    })
    expect(await run(keys.alice, 'start-reclaim', '--rpc-url', rpcUrl, '--contract', contract, '--channel', channelId)).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^ReclaimAlreadyStarted: /)
    })

    const before = await alice.getBalance('alice')
    const tooEarly = await run(keys.alice, 'reclaim', '--rpc-url', rpcUrl, '--contract', contract, '--channel', channelId)
    expect(tooEarly).toMatchObject({ code: 1, stdout: '' })
    expect(tooEarly.stderr).toMatch(new RegExp(`^ReclaimTooEarly: reclaim reverted \\(channelId ${channelId}, reclaimAt ${String(started.reclaimAt)}, now \\d+\\)\\n$`))
    const asJson = await run(keys.alice, 'reclaim', '--rpc-url', rpcUrl, '--contract', contract, '--channel', channelId, '--json')
    expect(asJson.code).toBe(1)
    expect(JSON.parse(asJson.stderr)).toMatchObject({ error: 'ReclaimTooEarly', args: { channelId, reclaimAt: started.reclaimAt } })
    // Refused in simulation: no transaction was sent, no gas paid.
    expect(await alice.getBalance('alice')).toBe(before)
  })

  it('refuses a reclaim by anyone but the sender with NotSender', async () => {
    expect(await run(keys.carol, 'reclaim', '--rpc-url', rpcUrl, '--contract', contract, '--channel', channelId)).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^NotSender: reclaim reverted \(channelId 0x[0-9a-f]{64}, caller 0x[0-9a-fA-F]{40}\)/)
    })
  })

  it('reclaim after the timeout: the sender gets deposit − claimed back (net of gas), the receiver nothing more', async () => {
    await node.advance(TIMEOUT)
    const aliceBefore = await alice.getBalance('alice')
    const bobBefore = await bob.getBalance('bob')
    const contractBefore = await alice.getAddressBalance(contract)
    const reclaimed = await runJson(keys.alice, 'reclaim', '--rpc-url', rpcUrl, '--contract', contract, '--channel', channelId)
    expect(reclaimed).toMatchObject({ channel: channelId, claimed: String(claimed), refunded: String(ETHER - claimed) })

    const receipt = await alice.publicClient.getTransactionReceipt({ hash: reclaimed.transactionHash as Hex })
    const fee = receipt.gasUsed * receipt.effectiveGasPrice
    expect(reclaimed.fee).toBe(String(fee))
    expect(await alice.getBalance('alice')).toBe(aliceBefore + ETHER - claimed - fee)
    expect(await alice.getAddressBalance(contract)).toBe(contractBefore - (ETHER - claimed))
    expect(await bob.getBalance('bob')).toBe(bobBefore)
    expect(await runJson(undefined, 'show', '--rpc-url', rpcUrl, '--contract', contract, '--channel', channelId)).toMatchObject({ closed: true })
    expect(await run(keys.alice, 'reclaim', '--rpc-url', rpcUrl, '--contract', contract, '--channel', channelId)).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^ChannelIsClosed: /)
    })
  })

  it('exits 1 for what the chain refuses: no such channel, no contract at the address, an unfunded key, no endpoint', async () => {
    const unknown = `0x${'ab'.repeat(32)}`
    expect(await run(undefined, 'show', '--rpc-url', rpcUrl, '--contract', contract, '--channel', unknown)).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^UnknownChannel: no channel 0xab/)
    })
    expect(await run(keys.alice, 'start-reclaim', '--rpc-url', rpcUrl, '--contract', contract, '--channel', unknown)).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^UnknownChannel: startReclaim reverted/)
    })
    expect(await run(undefined, 'show', '--rpc-url', rpcUrl, '--contract', alice.addressOf('alice'), '--channel', channelId)).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^NoContract: no contract at 0x/)
    })
    const poor = await run(generatePrivateKey(), 'deploy', '--rpc-url', rpcUrl)
    expect(poor.code).toBe(1)
    expect(poor.stderr).toMatch(/insufficient funds/i)
    const port = await freePort()
    expect(await run(keys.alice, 'deploy', '--rpc-url', `http://127.0.0.1:${port}/v3/api-key`)).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^HttpRequestError: .*127\.0\.0\.1/)
    })
    expect(outputs.join('')).not.toContain('api-key')
  })

  it('exits 2 with a one-line message naming the flag or variable for bad usage and input', async () => {
    const channel = ['--rpc-url', rpcUrl, '--contract', contract, '--channel', channelId]
    const refusals: Array<[Hex | string | undefined, string[], RegExp]> = [
      [undefined, ['deploy', '--rpc-url', rpcUrl], /STACK_ETHEREUM_PRIVATE_KEY is not set/],
      [undefined, ['reclaim', ...channel], /STACK_ETHEREUM_PRIVATE_KEY is not set/],
      ['', ['address'], /STACK_ETHEREUM_PRIVATE_KEY is not set/],
      ['0x1234', ['address'], /STACK_ETHEREUM_PRIVATE_KEY must be 0x followed by 64 hex digits/],
      [keys.alice.slice(2), ['address'], /STACK_ETHEREUM_PRIVATE_KEY must be 0x followed by 64 hex digits/],
      [`0x${'0'.repeat(64)}`, ['address'], /STACK_ETHEREUM_PRIVATE_KEY is not a valid secp256k1 private key/],
      [keys.alice, ['show', '--rpc-url', rpcUrl, '--contract', '0x1234', '--channel', channelId], /--contract must be an address/],
      // A mixed-case address with a wrong EIP-55 checksum: a typo.
      [keys.alice, ['show', '--rpc-url', rpcUrl, '--contract', contract.replace(/[a-f]/, (c) => c.toUpperCase()), '--channel', channelId], /--contract must be an address/],
      [keys.alice, ['show', '--rpc-url', rpcUrl, '--contract', contract, '--channel', '0x12'], /--channel must be a channel id/],
      [keys.alice, ['show', '--rpc-url', 'ftp://example.com', '--contract', contract, '--channel', channelId], /--rpc-url must be an http\(s\) URL/],
      [keys.alice, ['show', '--contract', contract, '--channel', channelId], /show needs --rpc-url/],
      [keys.alice, ['reclaim', '--rpc-url', rpcUrl, '--channel', channelId], /reclaim needs --contract/],
      [keys.alice, ['deploy', '--rpc-url', rpcUrl, '--contract', contract], /deploy does not take --contract/],
      [keys.alice, ['deploy', '--rpc-url'], /--rpc-url/],
      [keys.alice, ['deploy', '--rpc-url', rpcUrl, '--bogus'], /Unknown option '--bogus'/],
      [keys.alice, ['frobnicate'], /unknown command frobnicate/],
      [keys.alice, [], /a command is required/]
    ]
    for (const [key, args, message] of refusals) {
      const result = await run(key, ...args)
      expect({ args, ...result }).toMatchObject({ args, code: 2, stdout: '', stderr: expect.stringMatching(message) })
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1)
    }
    expect(JSON.parse((await run(undefined, 'deploy', '--rpc-url', rpcUrl, '--json')).stderr)).toEqual({
      error: 'UsageError',
      message: 'STACK_ETHEREUM_PRIVATE_KEY is not set (the key is read from the environment, never from the command line)'
    })
  })

  it('refuses a key on the command line without echoing it', async () => {
    for (const args of [['deploy', '--rpc-url', rpcUrl, '--private-key', keys.alice], ['deploy', `--private-key=${keys.alice}`], ['address', keys.alice], [keys.alice]]) {
      const result = await run(undefined, ...args)
      expect(result.code).toBe(2)
      expect(result.stderr.toLowerCase()).not.toContain(keys.alice.slice(2).toLowerCase())
    }
    expect(await run(undefined, '--help')).toMatchObject({ code: 0, stdout: expect.stringContaining('usage:') })
  })

  it('--version prints the version of package.json', async () => {
    expect(await run(undefined, '--version')).toEqual({ code: 0, stdout: `${manifest.version}\n`, stderr: '' })
  })

  it('never writes a key it was given, in any case, with or without 0x', () => {
    const written = outputs.join('\n').toLowerCase()
    expect(outputs.length).toBeGreaterThan(40)
    for (const key of Object.values(keys)) expect(written).not.toContain(key.slice(2).toLowerCase())
  })
})
