import { afterAll, beforeAll } from 'vitest'
import { ledgerTests } from '@stack/ledger-core/compliance'
import { BitcoinLedger } from '../src/index.js'
import { bcoinChain, fund, openBankAndFeePayer, ledgerOptions, startRegtest, type Regtest } from './regtest.js'

// ledger-core's Ledger contract on a bcoin regtest node (in memory, a child process): every
// transfer is a real transaction, accepted by the node's mempool, and every `fund` a payment from a
// bank account (filled by the node's faucet), mined into a block. A fee payer pays the fees, so that balances move by the amounts
// alone, as the suite counts them. A chain has no credit, and its money cannot reach 2^64-1
// satoshis: the largest case moves 10,000 BTC and a satoshi.
let node: Regtest
let ledger: BitcoinLedger

beforeAll(async () => {
  node = await startRegtest()
  ledger = await BitcoinLedger.open(ledgerOptions(node))
  await openBankAndFeePayer(bcoinChain(node), ledger)
})
afterAll(async () => {
  ledger.close()
  await node.stop()
})

ledgerTests({
  credit: false,
  largestAmount: 1_000_000_000_001n,
  setup: async () => ({ ledger, fund: async (account, amount) => void (await fund(node, ledger, account, amount)) }),
  teardown: async () => {}
})
