import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll } from 'vitest'
import ganache, { type EthereumProvider } from 'ganache'
import type { Hex } from 'viem'
import { ledgerTests } from '@stack/ledger-core/compliance'
import { EthereumLedger } from '../src/index.js'

// ledger-core's Ledger contract on a chain without fees: a gas price of 0 (legacy transactions,
// no EIP-1559 base fee), so that balances move by the amounts alone, as the suite counts them. A
// chain has no credit. Accounts are funded from a genesis account's 1 000 ether.
let provider: EthereumProvider
let ledger: EthereumLedger

beforeAll(async () => {
  provider = ganache.provider({
    logging: { quiet: true },
    wallet: { deterministic: true, totalAccounts: 1 },
    chain: { chainId: 1338, hardfork: 'berlin' },
    miner: { defaultGasPrice: 0 }
  })
  const [genesis] = Object.values(await provider.getInitialAccounts())
  ledger = await EthereumLedger.connect({ connection: { provider }, accounts: { genesis: { privateKey: genesis?.secretKey as Hex } }, pollingIntervalMs: 20 })
})
afterAll(async () => {
  await provider.disconnect()
})

ledgerTests({
  credit: false,
  setup: async () => ({
    ledger,
    fund: async (account, amount) => {
      await ledger.transfer({ idempotencyKey: randomUUID(), from: 'genesis', to: account, amount })
    }
  }),
  teardown: async () => {}
})
