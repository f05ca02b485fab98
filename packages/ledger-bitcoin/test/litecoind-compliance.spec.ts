import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect } from 'vitest'
import { ledgerTests } from '@stack/ledger-core/compliance'
import { BitcoinLedger } from '../src/index.js'
import { litecoinRegtest, litecoindInstalled, startLitecoind, type Litecoind } from './litecoind.js'
import { FEE_PAYER, fund, openBankAndFeePayer } from './regtest.js'

// ledger-core's Ledger contract on litecoind 0.21 regtest (Bitcoin Core's codebase), where it is
// installed, with -acceptnonstdtxn=1 so that it relays dust outputs as bcoin's regtest does (0.21
// refuses them without it, whatever its -help says of the default). Every
// `fund` mines a block and MWEB wants a peg-in from block 431: 25 runs of the conservation
// property and 600 LTC in the bank keep the chain below it.
describe.runIf(litecoindInstalled)('on litecoind regtest', () => {
  let node: Litecoind
  let ledger: BitcoinLedger

  beforeAll(async () => {
    node = await startLitecoind(['-acceptnonstdtxn=1'])
    ledger = await BitcoinLedger.open({ rpc: node.rpc, network: litecoinRegtest, seed: randomBytes(32), feePayer: FEE_PAYER, dustRelayFee: 0n })
    await openBankAndFeePayer(node, ledger, 600)
  })
  afterAll(async () => {
    expect((await node.rpc.getBlockchainInfo()).blocks).toBeLessThan(431)
    ledger.close()
    await node.stop()
  })

  ledgerTests({
    credit: false,
    largestAmount: 50_000_000_001n,
    numRuns: 25,
    setup: async () => ({ ledger, fund: async (account, amount) => void (await fund(node, ledger, account, amount)) }),
    teardown: async () => {}
  })
})
