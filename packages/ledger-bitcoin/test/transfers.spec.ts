import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { InsufficientFundsError, InvalidArgumentError, type TransferRequest } from '@stack/ledger-core'
import { Transaction, payments } from 'bitcoinjs-lib'
import { BitcoinLedger, DustOutputError, TransactionRefusedError } from '../src/index.js'
import { BANK, FEE_PAYER, bcoinChain, fund, ledgerOptions, openBankAndFeePayer, startRegtest, type Regtest } from './regtest.js'

// Transfers on a bcoin regtest node, checked against the transactions the node holds.
let node: Regtest
beforeAll(async () => {
  node = await startRegtest()
})
afterAll(async () => {
  await node.stop()
})

/** The transaction's inputs' values, read from the transactions they spend, and its outputs. */
async function onChain(ledger: BitcoinLedger, txid: string): Promise<{ tx: Transaction; inputs: bigint; outputs: bigint }> {
  const tx = Transaction.fromHex((await ledger.rpc.getRawTransaction(txid)).hex)
  let inputs = 0n
  for (const input of tx.ins) {
    const previous = Transaction.fromHex(await ledger.rpc.getRawTransactionHex(Buffer.from(input.hash).reverse().toString('hex')))
    inputs += previous.outs[input.index]?.value ?? 0n
  }
  return { tx, inputs, outputs: tx.outs.reduce((sum, output) => sum + output.value, 0n) }
}

const valueTo = (tx: Transaction, script: Uint8Array): bigint =>
  tx.outs.filter((output) => Buffer.from(output.script).equals(script)).reduce((sum, output) => sum + output.value, 0n)

describe('with a fee payer', () => {
  let ledger: BitcoinLedger
  beforeAll(async () => {
    ledger = await BitcoinLedger.open(ledgerOptions(node, { dustRelayFee: 3n }))
    await openBankAndFeePayer(bcoinChain(node), ledger, 10, 10)
  })
  afterAll(() => ledger.close())

  it('moves the amount in one transaction the node holds: amount to the payee, fee from the fee payer, to the satoshi', async () => {
    await ledger.createAccount('alice')
    await ledger.createAccount('bob')
    await fund(node, ledger, 'alice', 1_000_000n)
    const feesBefore = await ledger.getBalance(FEE_PAYER)
    const transfer = await ledger.transfer({ idempotencyKey: randomUUID(), from: 'alice', to: 'bob', amount: 250_000n })

    const { tx, inputs, outputs } = await onChain(ledger, transfer.txid)
    expect(tx.getId()).toBe(transfer.id)
    expect(valueTo(tx, payments.p2wpkh({ address: ledger.address('bob'), network: ledger.network }).output as Uint8Array)).toBe(250_000n)
    expect(inputs - outputs).toBe(transfer.fee)
    expect((await ledger.rpc.getMempoolEntry(transfer.txid))?.fee).toBe(transfer.fee)
    expect(transfer.fee).toBeGreaterThan(0n)
    expect(await ledger.getBalance('alice')).toBe(750_000n)
    expect(await ledger.getBalance('bob')).toBe(250_000n)
    expect(await ledger.getBalance(FEE_PAYER)).toBe(feesBefore - transfer.fee)

    // In the mempool: counted in `balance`, not yet in `finalBalance`; final at one confirmation.
    expect(await ledger.getAccount('bob')).toMatchObject({ balance: 250_000n, finalBalance: 0n })
    expect(await ledger.isFinal(transfer.txid)).toBe(false)
    await node.mine(1)
    expect(await ledger.confirmations(transfer.txid)).toBe(1)
    expect(await ledger.isFinal(transfer.txid)).toBe(true)
    expect(await ledger.getAccount('bob')).toMatchObject({ balance: 250_000n, finalBalance: 250_000n })
    expect(await ledger.getAccount('alice')).toMatchObject({ balance: 750_000n, finalBalance: 750_000n })
  })

  it('follows a reorganisation: a transfer whose block is undone is gone until a replay of its key sends it again', async () => {
    const request = { idempotencyKey: randomUUID(), from: 'alice', to: 'bob', amount: 50_000n }
    const transfer = await ledger.transfer(request)
    const [block] = await node.mine(1)
    expect(await ledger.confirmations(transfer.txid)).toBe(1)
    expect(await ledger.getAccount('bob')).toMatchObject({ balance: 300_000n, finalBalance: 300_000n })
    // bcoin's invalidateblock undoes the block and does not put its transactions back in the mempool.
    await ledger.rpc.call('invalidateblock', [block])
    expect(await ledger.confirmations(transfer.txid)).toBeUndefined()
    expect(await ledger.getAccount('bob')).toMatchObject({ balance: 250_000n, finalBalance: 250_000n })
    expect(await ledger.getBalance('alice')).toBe(750_000n)
    expect(await ledger.transfer(request)).toEqual(transfer)
    expect(await ledger.confirmations(transfer.txid)).toBe(0)
    await node.mine(2)
    expect(await ledger.confirmations(transfer.txid)).toBe(2)
    expect(await ledger.getAccount('bob')).toMatchObject({ balance: 300_000n, finalBalance: 300_000n })
    expect(await ledger.getAccount('alice')).toMatchObject({ balance: 700_000n, finalBalance: 700_000n })
  })

  it('refuses what no balance can pay (2^64-1 sat, above the 21e14 that can exist), and a memo that is no string, moving nothing', async () => {
    const largest = ledger.transfer({ idempotencyKey: randomUUID(), from: 'alice', to: 'bob', amount: 0xffff_ffff_ffff_ffffn })
    await expect(largest).rejects.toMatchObject({ name: 'InsufficientFundsError', balance: 700_000n, amount: 0xffff_ffff_ffff_ffffn })
    const memo = { idempotencyKey: randomUUID(), from: 'alice', to: 'bob', amount: 1_000n, memo: 5 } as unknown as TransferRequest
    await expect(ledger.transfer(memo)).rejects.toBeInstanceOf(InvalidArgumentError)
    expect(await ledger.getBalance('alice')).toBe(700_000n)
  })

  it('refuses an amount below the dust limit, and sender change that would be dust, moving nothing', async () => {
    await ledger.createAccount('carol')
    await fund(node, ledger, 'carol', 10_000n)
    await expect(ledger.transfer({ idempotencyKey: randomUUID(), from: 'carol', to: 'bob', amount: 293n })).rejects.toMatchObject({
      name: 'DustOutputError',
      field: 'amount',
      value: 293n
    })
    const dustChange = ledger.transfer({ idempotencyKey: randomUUID(), from: 'carol', to: 'bob', amount: 9_800n })
    await expect(dustChange).rejects.toBeInstanceOf(DustOutputError)
    await expect(dustChange).rejects.toMatchObject({ field: 'change', value: 200n })
    expect(await ledger.getBalance('carol')).toBe(10_000n)
  })

  it('builds a payment to any script (a P2WSH channel funding output) from segwit inputs, held back until broadcast', async () => {
    await ledger.createAccount('dave')
    await fund(node, ledger, 'dave', 600_000n)
    await fund(node, ledger, 'dave', 400_000n)
    const funding = payments.p2wsh({ redeem: { output: Buffer.from('5221' + '02'.padEnd(66, '1') + '21' + '03'.padEnd(66, '2') + '52ae', 'hex') } })
    const built = await ledger.buildTransaction({ from: 'dave', outputs: [{ script: funding.output as Uint8Array, value: 500_000n }] })
    const tx = Transaction.fromBuffer(built.tx)
    expect(tx.getId()).toBe(built.txid)
    for (const input of tx.ins) {
      expect(input.script.length).toBe(0) // segwit only: the txid cannot be malleated
      expect(input.witness.length).toBe(2)
    }
    expect(await ledger.rpc.getMempoolEntry(built.txid)).toBeUndefined()
    // Its 600,000-sat coin is held back: dave's other coin cannot pay 450,000.
    await expect(ledger.transfer({ idempotencyKey: randomUUID(), from: 'dave', to: 'bob', amount: 450_000n })).rejects.toMatchObject({
      name: 'InsufficientFundsError',
      balance: 400_000n
    })
    await expect(ledger.buildTransaction({ from: 'dave', outputs: [] })).rejects.toBeInstanceOf(InvalidArgumentError)
    await expect(ledger.buildTransaction({ from: 'dave', outputs: [{ script: funding.output as Uint8Array, value: 0n }] })).rejects.toMatchObject({
      name: 'InvalidAmountError'
    })
    expect(await ledger.broadcast(built.tx)).toBe(built.txid)
    expect((await ledger.rpc.getMempoolEntry(built.txid))?.fee).toBe(built.fee)
    expect(valueTo(tx, funding.output as Uint8Array)).toBe(500_000n)
    expect(await ledger.getBalance('dave')).toBe(500_000n)
  })

  it('answers TransactionRefusedError for a transaction the mempool refuses (a double spend), and loses nothing', async () => {
    await ledger.createAccount('erin')
    await fund(node, ledger, 'erin', 100_000n)
    const carol = payments.p2wpkh({ address: ledger.address('carol'), network: ledger.network }).output as Uint8Array
    const first = await ledger.buildTransaction({ from: 'erin', outputs: [{ script: carol, value: 1_000n }] })
    ledger.release(first.txid)
    const transfer = await ledger.transfer({ idempotencyKey: randomUUID(), from: 'erin', to: 'bob', amount: 40_000n })
    const bobBefore = await ledger.getBalance('bob')
    const refused = ledger.broadcast(first.tx)
    await expect(refused).rejects.toBeInstanceOf(TransactionRefusedError)
    await expect(refused).rejects.toMatchObject({ txid: first.txid })
    expect(await ledger.rpc.getMempoolEntry(transfer.txid)).toBeDefined()
    expect(await ledger.getBalance('erin')).toBe(60_000n)
    expect(await ledger.getBalance('bob')).toBe(bobBefore)
  })
})

describe('with a fee payer that has no coins', () => {
  it('refuses with InsufficientFundsError naming the fee payer, and moves nothing', async () => {
    const ledger = await BitcoinLedger.open(ledgerOptions(node, { feePayer: 'empty' }))
    for (const id of ['empty', 'heidi', 'ivan']) await ledger.createAccount(id)
    await node.fund(ledger.address('heidi'), 100_000)
    await node.mine(1)
    const refused = ledger.transfer({ idempotencyKey: randomUUID(), from: 'heidi', to: 'ivan', amount: 1_000n })
    await expect(refused).rejects.toMatchObject({ name: 'InsufficientFundsError', accountId: 'empty', balance: 0n })
    expect(await ledger.getBalance('heidi')).toBe(100_000n)
    expect(await ledger.getBalance('ivan')).toBe(0n)
    ledger.close()
  })
})

describe('without a fee payer', () => {
  it('the sender pays the fee on top of the amount', async () => {
    const ledger = await BitcoinLedger.open(ledgerOptions(node, { feePayer: undefined, dustRelayFee: 3n }))
    await ledger.createAccount(BANK)
    await ledger.createAccount('frank')
    await ledger.createAccount('grace')
    await node.fund(ledger.address(BANK), 100_000_000)
    await node.mine(1)
    await fund(node, ledger, 'frank', 100_000n)
    const bankAfterFunding = await ledger.getBalance(BANK)
    expect(bankAfterFunding).toBeLessThan(100_000_000n - 100_000n) // the bank paid that fee
    const transfer = await ledger.transfer({ idempotencyKey: randomUUID(), from: 'frank', to: 'grace', amount: 60_000n })
    const { inputs, outputs } = await onChain(ledger, transfer.txid)
    expect(inputs - outputs).toBe(transfer.fee)
    expect(await ledger.getBalance('frank')).toBe(100_000n - 60_000n - transfer.fee)
    expect(await ledger.getBalance('grace')).toBe(60_000n)
    // What is left cannot pay itself and a fee: the refusal names the fee in what it would take.
    const left = 40_000n - transfer.fee
    const refused = ledger.transfer({ idempotencyKey: randomUUID(), from: 'frank', to: 'grace', amount: left })
    await expect(refused).rejects.toBeInstanceOf(InsufficientFundsError)
    await expect(refused).rejects.toMatchObject({ accountId: 'frank', balance: left, amount: left + transfer.fee }) // the same shape of transaction, the same fee
    expect(await ledger.getBalance('grace')).toBe(60_000n)
    ledger.close()
  })
})
