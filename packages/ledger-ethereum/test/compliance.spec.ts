import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll } from 'vitest'
import { startEvmNode, type EvmNode } from '@stack/evm-node'
import { ledgerTests } from '@stack/ledger-core/compliance'
import { EthereumLedger } from '../src/index.js'
import { httpProvider } from './fixtures/chain.js'

// ledger-core's Ledger contract on a chain without fees, so that balances move by the amounts
// alone, as the suite counts them: anvil on berlin (no EIP-1559 base fee) with a gas price of 0,
// legacy transactions priced by eth_gasPrice. anvil's eth_fillTransaction adds a 1 gwei tip
// whatever the gas price, so this provider lacks it and viem fills the transactions itself.
// Through an EIP-1193 provider (the other tests use the JSON-RPC URL). A chain has no credit.
let node: EvmNode
let ledger: EthereumLedger

beforeAll(async () => {
  node = await startEvmNode({ accounts: 1, chainId: 1338, hardfork: 'berlin', gasPrice: 0n })
  const provider = httpProvider(node.rpcUrl, ['eth_fillTransaction'])
  ledger = await EthereumLedger.connect({ connection: { provider }, accounts: { genesis: { privateKey: node.keys[0]! } }, pollingIntervalMs: 20 })
})
afterAll(async () => {
  await node.stop()
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
