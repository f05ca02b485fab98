import { createServer } from 'node:net'
import ganache from 'ganache'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { recoverTypedDataAddress, type Abi, type Address } from 'viem'
import { ContractRevertedError, EthereumLedger } from '../src/index.js'
import { startChain, type Chain } from './fixtures/chain.js'
import { compileCounter, type Compiled } from './fixtures/counter.js'

let chain: Chain
let counter: Compiled

beforeAll(async () => {
  chain = await startChain()
  counter = compileCounter()
})
afterAll(async () => {
  await chain.dispose()
})

async function deploy(start: bigint): Promise<Address> {
  const deployment = await chain.ledger.deployContract({ from: 'genesis0', abi: counter.abi, bytecode: counter.bytecode, args: [start] })
  return deployment.contractAddress
}

describe('EthereumLedger contracts', () => {
  it('deploys a contract, calls it and reads it, reporting the gas each transaction used', async () => {
    const address = await deploy(5n)
    const abi = counter.abi
    expect(await chain.ledger.readContract({ address, abi, functionName: 'count' })).toBe(5n)
    const call = await chain.ledger.writeContract({ from: 'genesis1', address, abi, functionName: 'add', args: [7n] })
    expect(call.gasUsed).toBeGreaterThan(21_000n)
    expect(await chain.ledger.readContract({ address, abi, functionName: 'count' })).toBe(12n)
  })

  it('throws a revert as ContractRevertedError with the custom error decoded, and sends nothing', async () => {
    const address = await deploy(0n)
    const abi = counter.abi
    const before = await chain.ledger.getBalance('genesis1')
    const error = await chain.ledger.writeContract({ from: 'genesis1', address, abi, functionName: 'add', args: [101n] }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ContractRevertedError)
    expect(error).toMatchObject({ functionName: 'add', errorName: 'TooBig', errorArgs: [101n, 100n], hash: undefined })
    await expect(chain.ledger.writeContract({ from: 'genesis1', address, abi, functionName: 'add', args: [1n], value: 1n })).rejects.toMatchObject({
      name: 'ContractRevertedError',
      reason: 'no ether'
    })
    expect(await chain.ledger.getBalance('genesis1')).toBe(before)
  })

  it('throws a constructor revert as ContractRevertedError', async () => {
    await expect(deploy(5000n)).rejects.toMatchObject({ name: 'ContractRevertedError', functionName: 'constructor', reason: 'start too big' })
  })

  it('signs EIP-712 typed data that recovers to the account address', async () => {
    const domain = { name: 'Test', version: '1', chainId: 1337, verifyingContract: '0x0000000000000000000000000000000000000001' } as const
    const types = { Claim: [{ name: 'channelId', type: 'bytes32' }, { name: 'amount', type: 'uint256' }] } as const
    const message = { channelId: `0x${'ab'.repeat(32)}`, amount: 10n } as const
    const signature = await chain.ledger.signTypedData('genesis2', { domain, types, primaryType: 'Claim', message })
    expect(await recoverTypedDataAddress({ domain, types, primaryType: 'Claim', message, signature })).toBe(chain.ledger.addressOf('genesis2'))
  })
})

describe('EthereumLedger over a JSON-RPC URL', () => {
  it('connects to http://127.0.0.1:<port>, transfers and deploys', async () => {
    const port = await freePort()
    const server = ganache.server({ logging: { quiet: true }, wallet: { deterministic: true }, chain: { chainId: 1338 } })
    await server.listen(port, '127.0.0.1')
    try {
      const key = Object.values(await server.provider.getInitialAccounts())[0]?.secretKey as `0x${string}`
      const ledger = await EthereumLedger.connect({ connection: { rpcUrl: `http://127.0.0.1:${port}` }, accounts: { rich: { privateKey: key } }, pollingIntervalMs: 20 })
      expect(ledger.chainId).toBe(1338)
      await ledger.createAccount('poor')
      await ledger.transfer({ idempotencyKey: 'one', from: 'rich', to: 'poor', amount: 42n })
      expect(await ledger.getBalance('poor')).toBe(42n)
      const { contractAddress } = await ledger.deployContract({ from: 'rich', abi: counter.abi, bytecode: counter.bytecode, args: [3n] })
      expect(await ledger.readContract({ address: contractAddress, abi: counter.abi as Abi, functionName: 'count' })).toBe(3n)
    } finally {
      await server.close()
    }
  })
})

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
