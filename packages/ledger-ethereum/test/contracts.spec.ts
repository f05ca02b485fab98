import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { recoverTypedDataAddress, type Abi, type Address } from 'viem'
import { ContractRevertedError, EthereumLedger } from '../src/index.js'
import { httpProvider, startChain, type Chain } from './fixtures/chain.js'
import { compileCounter, type Compiled } from './fixtures/counter.js'

let chain: Chain
let counter: Compiled

beforeAll(async () => {
  chain = await startChain()
  counter = compileCounter()
})
afterAll(async () => {
  await chain.node.stop()
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

  it('has the node sign EIP-712 typed data for an address it unlocks (eth_signTypedData_v4)', async () => {
    const domain = { name: 'Test', version: '1', chainId: 1337, verifyingContract: '0x0000000000000000000000000000000000000001' } as const
    const types = { Claim: [{ name: 'channelId', type: 'bytes32' }, { name: 'amount', type: 'uint256' }] } as const
    const message = { channelId: `0x${'cd'.repeat(32)}`, amount: 11n } as const
    const address = chain.node.addresses[1]!
    await chain.ledger.importAccount('unlocked', { address })
    const signature = await chain.ledger.signTypedData('unlocked', { domain, types, primaryType: 'Claim', message })
    expect((await recoverTypedDataAddress({ domain, types, primaryType: 'Claim', message, signature })).toLowerCase()).toBe(address)
    expect(signature).toBe(await chain.ledger.signTypedData('genesis1', { domain, types, primaryType: 'Claim', message }))
  })
})

describe('EthereumLedger over an EIP-1193 provider', () => {
  it('connects through a provider of its own over the node, transfers, deploys, and decodes a revert at the first answer', async () => {
    const http = httpProvider(chain.node.rpcUrl)
    const calls: string[] = []
    const provider = { request: (args: { method: string; params?: unknown }) => (calls.push(args.method), http.request(args)) }
    const ledger = await EthereumLedger.connect({ connection: { provider }, accounts: { rich: { privateKey: chain.node.keys[2]! } }, pollingIntervalMs: 20 })
    expect(ledger.chainId).toBe(1337)
    await ledger.createAccount('poor')
    await ledger.transfer({ idempotencyKey: 'one', from: 'rich', to: 'poor', amount: 42n })
    expect(await ledger.getBalance('poor')).toBe(42n)
    const { contractAddress } = await ledger.deployContract({ from: 'rich', abi: counter.abi, bytecode: counter.bytecode, args: [3n] })
    expect(await ledger.readContract({ address: contractAddress, abi: counter.abi as Abi, functionName: 'count' })).toBe(3n)
    calls.length = 0
    await expect(ledger.writeContract({ from: 'rich', address: contractAddress, abi: counter.abi, functionName: 'add', args: [101n] })).rejects.toMatchObject({
      name: 'ContractRevertedError',
      errorName: 'TooBig',
      errorArgs: [101n, 100n]
    })
    // The node's code-3 answer is final: one simulation, not retried as an unknown error.
    expect(calls).toEqual(['eth_call'])
  })
})
