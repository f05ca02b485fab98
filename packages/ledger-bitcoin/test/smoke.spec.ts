import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { regtestNetwork, startRegtest, type Regtest } from '@stack/bitcoin-regtest'
import { BitcoinLedger } from '../src/index.js'

let node: Regtest
let ledger: BitcoinLedger
beforeAll(async () => {
  const t = Date.now()
  node = await startRegtest()
  console.log('start ms', Date.now() - t)
  ledger = await BitcoinLedger.open({ rpc: { url: node.rpcUrl, user: node.rpcUser, password: node.rpcPassword }, network: regtestNetwork, seed: randomBytes(32) })
})
afterAll(async () => { await node.stop() })

it('moves', async () => {
  await ledger.createAccount('a')
  await ledger.createAccount('b')
  await node.fund(ledger.address('a'), 100_000)
  console.log(await ledger.getAccount('a'))
  await node.mine(1)
  console.log(await ledger.getAccount('a'))
  const t = Date.now()
  const tr = await ledger.transfer({ idempotencyKey: 'k', from: 'a', to: 'b', amount: 30_000n })
  console.log('transfer ms', Date.now() - t, tr)
  console.log(await ledger.getAccount('a'), await ledger.getAccount('b'))
  console.log(await ledger.rpc.getMempoolEntry(tr.txid))
  expect(await ledger.getBalance('b')).toBe(30_000n)
})
