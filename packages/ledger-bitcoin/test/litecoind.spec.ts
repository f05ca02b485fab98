import { randomBytes, randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Transaction } from 'bitcoinjs-lib'
import { BitcoinLedger, TransactionRefusedError } from '../src/index.js'
import { litecoinRegtest, litecoindInstalled, startLitecoind, type Litecoind } from './litecoind.js'

// The same adapter on litecoind 0.21 regtest (Bitcoin Core's codebase, Litecoin's parameters):
// Core's RPC answers (sendrawtransaction errors, getmempoolentry's `fees`, estimatesmartfee's
// `errors`) and Core's relay policy, here with non-standard transactions refused.
describe.runIf(litecoindInstalled)('on litecoind (Bitcoin Core codebase) regtest, standard policy', () => {
  let node: Litecoind
  let ledger: BitcoinLedger
  beforeAll(async () => {
    node = await startLitecoind(['-acceptnonstdtxn=0'])
    ledger = await BitcoinLedger.open({ rpc: node.rpc, network: litecoinRegtest, seed: randomBytes(32), feePayer: 'fees' })
    for (const id of ['fees', 'alice', 'bob']) await ledger.createAccount(id)
    await node.pay(ledger.address('fees'), 10_000_000n)
    await node.pay(ledger.address('alice'), 1_000_000n)
    await node.mine(1)
  })
  afterAll(async () => {
    ledger.close()
    await node.stop()
  })

  it('transfers: the amount to the payee, the fee from the fee payer, as the node reports it', async () => {
    expect(await ledger.rpc.estimateSmartFee(6)).toBeUndefined()
    const transfer = await ledger.transfer({ idempotencyKey: randomUUID(), from: 'alice', to: 'bob', amount: 250_000n })
    expect((await ledger.rpc.getMempoolEntry(transfer.txid))?.fee).toBe(transfer.fee)
    const tx = Transaction.fromHex(await ledger.rpc.getRawTransactionHex(transfer.txid))
    expect(tx.outs.map((output) => output.value)).toContain(250_000n)
    expect(await ledger.getBalance('alice')).toBe(750_000n)
    expect(await ledger.getBalance('bob')).toBe(250_000n)
    expect(await ledger.getBalance('fees')).toBe(10_000_000n - transfer.fee)
    await node.mine(1)
    expect(await ledger.confirmations(transfer.txid)).toBe(1)
    expect(await ledger.getAccount('bob')).toMatchObject({ finalBalance: 250_000n })
  })

  it('a dust output the adapter lets through (dustRelayFee 0n) is refused by the node: TransactionRefusedError at once, nothing lost', async () => {
    const lax = await BitcoinLedger.open({ rpc: node.rpc, network: litecoinRegtest, seed: randomBytes(32), feePayer: 'fees', dustRelayFee: 0n })
    await lax.createAccount('fees')
    await lax.createAccount('carol')
    await lax.createAccount('dan')
    await node.pay(lax.address('fees'), 1_000_000n)
    await node.pay(lax.address('carol'), 100_000n)
    await node.mine(1)
    const refused = lax.transfer({ idempotencyKey: randomUUID(), from: 'carol', to: 'dan', amount: 100n })
    await expect(refused).rejects.toBeInstanceOf(TransactionRefusedError)
    await expect(refused).rejects.toMatchObject({ reason: expect.stringContaining('dust') })
    expect(await lax.getBalance('carol')).toBe(100_000n)
    expect(await lax.getBalance('dan')).toBe(0n)
    expect(await lax.getBalance('fees')).toBe(1_000_000n)
    lax.close()
  })
})
