import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  AccountExistsError,
  IdempotencyConflictError,
  InsufficientFundsError,
  InvalidAmountError,
  InvalidArgumentError,
  MAX_UINT64,
  UnknownAccountError
} from '@stack/ledger-core'
import { fromHex } from 'viem'
import { EthereumLedger } from '../src/index.js'
import { GENESIS_BALANCE, startChain, type Chain } from './fixtures/chain.js'

const ether = 10n ** 18n
let chain: Chain
let ledger: EthereumLedger
let serial = 0
const fresh = (): string => `acct-${++serial}`
const key = (): string => randomUUID()

beforeAll(async () => {
  chain = await startChain()
  ledger = chain.ledger
})
afterAll(async () => {
  await chain.node.stop()
})

/** A fresh account holding `amount` wei, funded from genesis0. */
async function funded(amount: bigint): Promise<string> {
  const id = fresh()
  await ledger.createAccount(id)
  if (amount > 0n) await ledger.transfer({ idempotencyKey: key(), from: 'genesis0', to: id, amount })
  return id
}

describe('EthereumLedger accounts', () => {
  it('connects over a JSON-RPC URL, names the chain and its asset in wei', async () => {
    expect(ledger.chainId).toBe(1337)
    expect(ledger.asset).toEqual({ code: 'ETH', scale: 18 })
    expect(ledger.capabilities.size).toBe(0)
    expect(await ledger.getBalance('genesis1')).toBe(GENESIS_BALANCE)
  })

  it('creates an account with a fresh key and a zero balance, lists it, and refuses the same id twice', async () => {
    const id = fresh()
    const account = await ledger.createAccount(id)
    expect(account).toMatchObject({ id, balance: 0n, creditLimit: 0n })
    expect(account.address).toMatch(/^0x[0-9a-fA-F]{40}$/)
    expect(ledger.addressOf(id)).toBe(account.address)
    expect((await ledger.listAccounts()).map((a) => a.id)).toContain(id)
    await expect(ledger.createAccount(id)).rejects.toBeInstanceOf(AccountExistsError)
  })

  it('refuses a credit limit (a chain has no credit), an id that is not URL-safe, and answers UnknownAccountError', async () => {
    await expect(ledger.createAccount(fresh(), { creditLimit: 5n })).rejects.toMatchObject({ name: 'InvalidArgumentError', field: 'creditLimit' })
    await expect(ledger.createAccount('no spaces')).rejects.toBeInstanceOf(InvalidArgumentError)
    await expect(ledger.getBalance('nobody')).rejects.toBeInstanceOf(UnknownAccountError)
    expect(() => ledger.addressOf('nobody')).toThrow(UnknownAccountError)
  })

  it('imports a node-unlocked address and moves ether from it (the node signs)', async () => {
    const [address] = (await chain.node.request('eth_accounts')) as `0x${string}`[]
    const id = fresh()
    await ledger.importAccount(id, { address: address as `0x${string}` })
    const to = await funded(0n)
    await ledger.transfer({ idempotencyKey: key(), from: id, to, amount: 1234n })
    expect(await ledger.getBalance(to)).toBe(1234n)
  })
})

describe('EthereumLedger transfers', () => {
  it('moves the amount, charges the sender the amount plus the gas fee, and describes the transfer', async () => {
    const from = await funded(ether)
    const to = await funded(0n)
    const transfer = await ledger.transfer({ idempotencyKey: 'k-describe', from, to, amount: 250n, memo: 'invoice 7' })
    expect(transfer).toMatchObject({ idempotencyKey: 'k-describe', from, to, amount: 250n, memo: 'invoice 7' })
    expect(transfer.id).toBe(transfer.transaction.hash)
    expect(transfer.transaction.gasUsed).toBeGreaterThanOrEqual(21_000n)
    expect(transfer.transaction.fee).toBe(transfer.transaction.gasUsed * transfer.transaction.effectiveGasPrice)
    expect(await ledger.getBalance(to)).toBe(250n)
    expect(await ledger.getBalance(from)).toBe(ether - 250n - transfer.transaction.fee)
    const tx = await ledger.publicClient.getTransaction({ hash: transfer.transaction.hash })
    expect(fromHex(tx.input, 'string')).toBe('invoice 7')
    expect(Math.abs(transfer.createdAt - Date.now())).toBeLessThan(60_000)
  })

  it('carries the largest UInt64 amount exactly', async () => {
    const to = await funded(0n)
    await ledger.transfer({ idempotencyKey: key(), from: 'genesis1', to, amount: MAX_UINT64 })
    expect(await ledger.getBalance(to)).toBe(MAX_UINT64)
  })

  it('replays a transfer with the same key and body once, even concurrently, and refuses the key with another body', async () => {
    const from = await funded(ether)
    const to = await funded(0n)
    const request = { idempotencyKey: key(), from, to, amount: 77n }
    const results = await Promise.all(Array.from({ length: 10 }, () => ledger.transfer(request)))
    expect(new Set(results.map((t) => t.id)).size).toBe(1)
    expect(await ledger.getBalance(to)).toBe(77n)
    await expect(ledger.transfer({ ...request, amount: 78n })).rejects.toBeInstanceOf(IdempotencyConflictError)
    expect(await ledger.getBalance(to)).toBe(77n)
  })

  it('refuses with InsufficientFundsError when the amount, or the gas on top of it, is not covered; the key works once funded', async () => {
    const from = await funded(100_000n)
    const to = await funded(0n)
    const request = { idempotencyKey: key(), from, to, amount: 200_000n }
    await expect(ledger.transfer(request)).rejects.toMatchObject({ name: 'InsufficientFundsError', accountId: from, balance: 100_000n, amount: 200_000n })
    // Covers the amount, not the 21 000 gas.
    await expect(ledger.transfer({ idempotencyKey: key(), from, to, amount: 50_000n })).rejects.toBeInstanceOf(InsufficientFundsError)
    expect(await ledger.getBalance(from)).toBe(100_000n)
    await ledger.transfer({ idempotencyKey: key(), from: 'genesis0', to: from, amount: ether })
    await ledger.transfer(request)
    expect(await ledger.getBalance(to)).toBe(200_000n)
  })

  it('refuses an amount that is not a positive UInt64, a transfer to the same account, and unknown accounts', async () => {
    const from = await funded(ether)
    for (const amount of [0n, -1n, MAX_UINT64 + 1n, 5 as unknown as bigint]) {
      await expect(ledger.transfer({ idempotencyKey: key(), from, to: 'genesis0', amount })).rejects.toBeInstanceOf(InvalidAmountError)
    }
    await expect(ledger.transfer({ idempotencyKey: key(), from, to: from, amount: 1n })).rejects.toBeInstanceOf(InvalidArgumentError)
    await expect(ledger.transfer({ idempotencyKey: key(), from, to: 'nobody', amount: 1n })).rejects.toBeInstanceOf(UnknownAccountError)
    await expect(ledger.transfer({ idempotencyKey: '', from, to: 'genesis0', amount: 1n })).rejects.toBeInstanceOf(InvalidArgumentError)
  })

  it('sends many concurrent transfers from one account: one nonce each, all mined', async () => {
    const from = await funded(ether)
    const to = await funded(0n)
    const transfers = await Promise.all(Array.from({ length: 25 }, (_, i) => ledger.transfer({ idempotencyKey: key(), from, to, amount: BigInt(i + 1) })))
    expect(await ledger.getBalance(to)).toBe(325n)
    const fees = transfers.reduce((sum, t) => sum + t.transaction.fee, 0n)
    expect(await ledger.getBalance(from)).toBe(ether - 325n - fees)
  })

  it('conserves value: random transfers move it as a model says, and burn only the gas fees', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ from: fc.nat(2), to: fc.nat(2), amount: fc.bigInt(1n, 10n ** 17n) }), { minLength: 1, maxLength: 6 }),
        async (moves) => {
          const ids = [await funded(ether), await funded(ether), await funded(ether)]
          const model = [ether, ether, ether]
          for (const move of moves) {
            if (move.from === move.to) continue
            const from = ids[move.from] as string
            const transfer = await ledger.transfer({ idempotencyKey: key(), from, to: ids[move.to] as string, amount: move.amount })
            model[move.from] = (model[move.from] as bigint) - move.amount - transfer.transaction.fee
            model[move.to] = (model[move.to] as bigint) + move.amount
          }
          expect(await Promise.all(ids.map((id) => ledger.getBalance(id)))).toEqual(model)
        }
      ),
      { numRuns: 8 }
    )
  })
})

describe('EthereumLedger options', () => {
  it('refuses a connection that is neither a provider nor an http(s) URL', async () => {
    await expect(EthereumLedger.connect({ connection: { rpcUrl: 'ftp://x' } })).rejects.toMatchObject({ name: 'InvalidArgumentError', field: 'connection.rpcUrl' })
    await expect(EthereumLedger.connect({ connection: { provider: {} as never } })).rejects.toMatchObject({ field: 'connection.provider' })
    await expect(EthereumLedger.connect({ connection: { rpcUrl: chain.node.rpcUrl }, accounts: { x: { privateKey: '0x12' } } })).rejects.toMatchObject({ field: 'privateKey' })
  })
})
