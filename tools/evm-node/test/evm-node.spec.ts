import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPublicClient, createWalletClient, http, parseEther } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { ANVIL_VERSION, EvmNodeError, EvmNodeOptionError, ToolUnavailableError, anvilPath, startEvmNode, type EvmNode } from '../src/index.js'

const ether = 10n ** 18n

describe('startEvmNode', () => {
  let node: EvmNode
  beforeAll(async () => {
    node = await startEvmNode({ accounts: 4, chainId: 1_337, balanceEther: 250 })
  })
  afterAll(async () => {
    await node.stop()
  })

  it('serves anvil over HTTP JSON-RPC on loopback, with the chain id asked for', async () => {
    expect(node.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
    expect(await node.request('web3_clientVersion')).toBe(`anvil/v${ANVIL_VERSION}`)
    expect(Number(await node.request('eth_chainId'))).toBe(1_337)
  })

  it('funds its genesis accounts, and their keys are the addresses', async () => {
    expect(node.keys).toHaveLength(4)
    expect(node.addresses).toEqual(((await node.request('eth_accounts')) as string[]).map((a) => a.toLowerCase()))
    for (const [i, key] of node.keys.entries()) {
      expect(privateKeyToAccount(key).address.toLowerCase()).toBe(node.addresses[i])
      expect(BigInt((await node.request('eth_getBalance', [node.addresses[i], 'latest'])) as string)).toBe(250n * ether)
    }
  })

  it('mines each signed transaction in a block of its own (automine)', async () => {
    const wallet = createWalletClient({ account: privateKeyToAccount(node.keys[0]!), transport: http(node.rpcUrl) })
    const before = Number(await node.request('eth_blockNumber'))
    const hash = await wallet.sendTransaction({ to: node.addresses[1]!, value: parseEther('1'), chain: null })
    // anvil answers eth_sendRawTransaction before the block is sealed: the receipt follows.
    const receipt = await createPublicClient({ transport: http(node.rpcUrl), pollingInterval: 20 }).waitForTransactionReceipt({ hash })
    expect(receipt.status).toBe('success')
    expect(receipt.blockNumber).toBe(BigInt(before + 1))
    expect(BigInt((await node.request('eth_getBalance', [node.addresses[1], 'latest'])) as string)).toBe(251n * ether)
  })

  it('advance moves the clock on and mines one block', async () => {
    const block = async () => (await node.request('eth_getBlockByNumber', ['latest', false])) as { number: string; timestamp: string }
    const before = await block()
    await node.advance(3_600)
    const after = await block()
    expect(Number(after.number)).toBe(Number(before.number) + 1)
    expect(Number(after.timestamp) - Number(before.timestamp)).toBeGreaterThanOrEqual(3_600)
    await expect(node.advance(-1)).rejects.toBeInstanceOf(EvmNodeOptionError)
  })

  it('passes the node refusing a call on as EvmNodeError with its message', async () => {
    await expect(node.request('eth_noSuchMethod')).rejects.toThrow(EvmNodeError)
    await expect(node.request('eth_getBalance', ['not an address'])).rejects.toMatchObject({ name: 'EvmNodeError', message: /eth_getBalance: / })
  })
})

describe('startEvmNode options', () => {
  it('runs a chain without fees (berlin, gas price 0): balances move by the amounts alone', async () => {
    const node = await startEvmNode({ accounts: 2, hardfork: 'berlin', gasPrice: 0n })
    try {
      expect(BigInt((await node.request('eth_gasPrice')) as string)).toBe(0n)
      const wallet = createWalletClient({ account: privateKeyToAccount(node.keys[0]!), transport: http(node.rpcUrl) })
      const hash = await wallet.sendTransaction({ to: node.addresses[1]!, value: 5n, type: 'legacy', gasPrice: 0n, chain: null })
      const receipt = await createPublicClient({ transport: http(node.rpcUrl), pollingInterval: 20 }).waitForTransactionReceipt({ hash })
      expect(receipt.effectiveGasPrice).toBe(0n)
      expect(BigInt((await node.request('eth_getBalance', [node.addresses[0], 'latest'])) as string)).toBe(1_000n * ether - 5n)
    } finally {
      await node.stop()
    }
  })

  it("derives its genesis accounts from the mnemonic: anvil's well-known ones by default, others from another", async () => {
    const [standard, other] = await Promise.all([
      startEvmNode({ accounts: 2 }),
      startEvmNode({ accounts: 2, mnemonic: 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about' })
    ])
    try {
      expect(standard.addresses[0]).toBe('0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266')
      expect(other.addresses).not.toContain(standard.addresses[0])
      expect(other.addresses).toEqual(other.keys.map((key) => privateKeyToAccount(key).address.toLowerCase()))
      expect(BigInt((await other.request('eth_getBalance', [other.addresses[1], 'latest'])) as string)).toBe(1_000n * ether)
    } finally {
      await Promise.all([standard.stop(), other.stop()])
    }
  })

  it('mines blocks by itself with a block time', async () => {
    const node = await startEvmNode({ accounts: 1, blockTime: 1 })
    try {
      while (Number(await node.request('eth_blockNumber')) < 1) await new Promise((resolve) => setTimeout(resolve, 100))
    } finally {
      await node.stop()
    }
  })

  it('refuses bad options with EvmNodeOptionError, before starting anything', async () => {
    await expect(startEvmNode({ accounts: 0 })).rejects.toMatchObject({ name: 'EvmNodeOptionError', option: 'accounts' })
    await expect(startEvmNode({ chainId: 1.5 })).rejects.toMatchObject({ option: 'chainId' })
    await expect(startEvmNode({ gasPrice: -1n })).rejects.toMatchObject({ option: 'gasPrice' })
    await expect(startEvmNode({ hardfork: 'berlin --fork-url x' })).rejects.toMatchObject({ option: 'hardfork' })
  })

  it('reports a node that exits during start as EvmNodeError with its complaint', async () => {
    await expect(startEvmNode({ hardfork: 'nosuchfork' })).rejects.toMatchObject({ name: 'EvmNodeError', message: /exited during start.*nosuchfork/s })
  })
})

describe('anvilPath', () => {
  it('finds the binary of this platform in its npm package', () => {
    expect(anvilPath()).toMatch(/@foundry-rs[/\\]anvil-[a-z0-9]+-[a-z0-9]+[/\\]bin[/\\]anvil(\.exe)?$/)
  })

  it('names a platform without a published binary, typed', () => {
    expect(() => anvilPath('freebsd', 'x64')).toThrow(ToolUnavailableError)
    expect(() => anvilPath('freebsd', 'x64')).toThrow(/freebsd-x64/)
  })

  it('names the package when the platform has one that is not installed', () => {
    // Only one platform's package installs on a machine: another one is missing here.
    const other = process.platform === 'linux' && process.arch === 'x64' ? ['darwin', 'arm64'] : ['linux', 'x64']
    expect(() => anvilPath(other[0], other[1])).toThrow(/^anvil not found \(@foundry-rs\/anvil-.* is not installed\): anvil comes from @foundry-rs\/anvil-.*, an optional dependency of @stack\/evm-node/)
  })
})

describe('stop', () => {
  const alive = async (rpcUrl: string): Promise<boolean> =>
    fetch(rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' }).then(
      () => true,
      () => false
    )

  it('kills the node; calls after it fail typed', async () => {
    const node = await startEvmNode({ accounts: 1 })
    await node.stop()
    expect(await alive(node.rpcUrl)).toBe(false)
    await expect(node.request('eth_chainId')).rejects.toBeInstanceOf(EvmNodeError)
    await node.stop()
  })

  it('resolves stop() in a process that nothing else keeps alive', async () => {
    const script = `
      import { startEvmNode } from ${JSON.stringify(fileURLToPath(new URL('../dist/index.js', import.meta.url)))}
      const node = await startEvmNode({ accounts: 1 })
      process.stdout.write(node.rpcUrl + '\\n')
      await node.stop()
      process.stdout.write('stopped\\n')
    `
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    const [code] = (await once(child, 'exit')) as [number]
    expect(code).toBe(0)
    const [rpcUrl, stopped] = out.trim().split('\n')
    expect(stopped).toBe('stopped')
    expect(await alive(rpcUrl!)).toBe(false)
  })

  // A process that starts a node and ends without stop(): by process.exit, by an uncaught
  // exception, or killed by SIGKILL (no exit handler runs). The node goes with it every time.
  it.each(['exit', 'throw', 'sigkill'])('the node dies with the process that started it (%s)', async (how) => {
    const script = `
      import { startEvmNode } from ${JSON.stringify(fileURLToPath(new URL('../dist/index.js', import.meta.url)))}
      const node = await startEvmNode({ accounts: 1 })
      process.stdout.write(node.rpcUrl + '\\n')
      process.stdin.once('data', () => { if (${JSON.stringify(how)} === 'exit') process.exit(0); else throw new Error('left without stop') })
    `
    const parent = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'ignore'] })
    const [line] = (await once(parent.stdout, 'data')) as [Buffer]
    const rpcUrl = line.toString().trim()
    expect(await alive(rpcUrl)).toBe(true)
    const exited = once(parent, 'exit')
    if (how === 'sigkill') parent.kill('SIGKILL')
    else parent.stdin.write('go\n')
    await exited
    while (await alive(rpcUrl)) await new Promise((resolve) => setTimeout(resolve, 50))
  })
})
