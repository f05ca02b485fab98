import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes, randomUUID } from 'node:crypto'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { IdempotencyConflictError } from '@stack/ledger-core'
import { BitcoinLedger, BitcoinRpc, RpcUnreachableError, TransactionRefusedError, type BitcoinLedgerOptions } from '../src/index.js'
import { BANK, FEE_PAYER, bcoinChain, fund, ledgerOptions, openBankAndFeePayer, startRegtest, type Regtest } from './regtest.js'

// The journal: what survives a restart of the adapter (a new BitcoinLedger on the same seed and
// file), on a bcoin regtest node of this file's own (it has no fee estimate: no block it mined
// held a fee-paying transaction the estimator had seen first).
let node: Regtest
let directory: string
let options: BitcoinLedgerOptions
beforeAll(async () => {
  node = await startRegtest()
  directory = mkdtempSync(join(tmpdir(), 'ledger-bitcoin-'))
  options = ledgerOptions(node, { statePath: join(directory, 'ledger.jsonl'), seed: randomBytes(32) })
  const ledger = await BitcoinLedger.open(options)
  await openBankAndFeePayer(bcoinChain(node), ledger, 10, 10)
  ledger.close()
})
afterAll(async () => {
  await node.stop()
  rmSync(directory, { recursive: true, force: true })
})

it('keeps accounts, keys and idempotency keys across a restart: a replay moves nothing', async () => {
  const before = await BitcoinLedger.open(options)
  await before.createAccount('alice')
  await before.createAccount('bob')
  await fund(node, before, 'alice', 100_000n)
  const request = { idempotencyKey: randomUUID(), from: 'alice', to: 'bob', amount: 30_000n, memo: 'rent' }
  const first = await before.transfer(request)
  const accounts = await before.listAccounts()
  before.close()

  const after = await BitcoinLedger.open(options)
  expect(await after.listAccounts()).toEqual(accounts)
  expect(after.address('alice')).toBe(before.address('alice'))
  expect(await after.transfer({ ...request })).toEqual(first)
  await expect(after.transfer({ ...request, amount: 30_001n })).rejects.toBeInstanceOf(IdempotencyConflictError)
  await node.mine(1)
  expect(await after.transfer({ ...request })).toEqual(first)
  expect(await after.getBalance('alice')).toBe(70_000n)
  expect(await after.getBalance('bob')).toBe(30_000n)
  after.close()
  await expect(BitcoinLedger.open({ ...options, seed: randomBytes(32) })).rejects.toMatchObject({ name: 'InvalidArgumentError', field: 'seed' })
})

it('sends on reopening a transfer journaled but never heard by the node, once', async () => {
  class LostSend extends BitcoinRpc {
    override async sendRawTransaction(): Promise<string> {
      throw new RpcUnreachableError(this.url, new Error('connection reset'))
    }
  }
  const lossy = await BitcoinLedger.open({ ...options, rpc: new LostSend({ url: node.rpcUrl, user: node.rpcUser, password: node.rpcPassword }) })
  const request = { idempotencyKey: randomUUID(), from: BANK, to: 'alice', amount: 50_000n }
  await expect(lossy.transfer(request)).rejects.toBeInstanceOf(RpcUnreachableError)
  expect(await lossy.getBalance('alice')).toBe(70_000n)
  expect(await lossy.rpc.getRawMempool()).toEqual([])
  const bank = await lossy.getBalance(BANK)
  lossy.close()

  // Journaled, never sent: the next open sends these same bytes; a replay returns them.
  const reopened = await BitcoinLedger.open(options)
  expect(await reopened.getBalance('alice')).toBe(120_000n)
  expect(await reopened.getBalance(BANK)).toBe(bank - 50_000n)
  const [txid] = await reopened.rpc.getRawMempool()
  expect((await reopened.transfer(request)).txid).toBe(txid)
  await node.mine(1)
  expect(await reopened.getAccount('alice')).toMatchObject({ balance: 120_000n, finalBalance: 120_000n })
  expect(await reopened.getBalance(BANK)).toBe(bank - 50_000n)
  reopened.close()
})

it('records nothing for a transaction the node refuses (no fee): its key moves the amount once the fee is right', async () => {
  const feeless = await BitcoinLedger.open({ ...options, fallbackFeeRate: 0n })
  expect(await feeless.rpc.estimateSmartFee(6)).toBeUndefined()
  const fees = await feeless.getBalance(FEE_PAYER)
  const request = { idempotencyKey: randomUUID(), from: 'alice', to: 'bob', amount: 20_000n }
  await expect(feeless.transfer(request)).rejects.toBeInstanceOf(TransactionRefusedError)
  expect(await feeless.getBalance('alice')).toBe(120_000n)
  expect(await feeless.getBalance('bob')).toBe(30_000n)
  expect(await feeless.getBalance(FEE_PAYER)).toBe(fees)
  feeless.close()

  const fixed = await BitcoinLedger.open(options)
  const transfer = await fixed.transfer(request)
  expect(transfer.fee).toBeGreaterThan(0n)
  expect(await fixed.getBalance('alice')).toBe(100_000n)
  expect(await fixed.getBalance('bob')).toBe(50_000n)
  expect(await fixed.getBalance(FEE_PAYER)).toBe(fees - transfer.fee)
  fixed.close()
})
