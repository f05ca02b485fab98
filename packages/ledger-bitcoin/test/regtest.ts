import { randomBytes, randomUUID } from 'node:crypto'
import { createServer } from 'node:net'
import { regtestNetwork, startRegtest, type Regtest } from '@stack/bitcoin-regtest'
import { BitcoinLedger, type BitcoinLedgerOptions } from '../src/index.js'

/** The account that pays every fee in the chain tests, so that balances move by amounts alone. */
export const FEE_PAYER = 'fees'

/** The options of a ledger on `node`: bcoin's regtest prefixes, and its relay policy (no dust rule: its regtest relays non-standard outputs). */
export function ledgerOptions(node: Regtest, extra: Partial<BitcoinLedgerOptions> = {}): BitcoinLedgerOptions {
  return {
    rpc: { url: node.rpcUrl, user: node.rpcUser, password: node.rpcPassword },
    network: regtestNetwork,
    seed: randomBytes(32),
    feePayer: FEE_PAYER,
    dustRelayFee: 0n,
    ...extra
  }
}

/** The account that funds the others in the chain tests: the faucet refuses dust outputs, the node does not. */
export const BANK = 'bank'

/** A regtest chain the tests mine and pay from (bcoin's faucet, litecoind's wallet). */
export interface TestChain {
  mine(blocks: number): Promise<unknown>
  pay(address: string, sats: bigint): Promise<unknown>
}

export const bcoinChain = (node: Regtest): TestChain => ({ mine: (blocks) => node.mine(blocks), pay: (address, sats) => node.fund(address, Number(sats)) })

/** Moves `sats` from the bank to the account and mines it into a block. */
export async function fund(chain: Pick<TestChain, 'mine'>, ledger: BitcoinLedger, account: string, sats: bigint): Promise<string> {
  const { txid } = await ledger.transfer({ idempotencyKey: randomUUID(), from: BANK, to: account, amount: sats })
  await chain.mine(1)
  return txid
}

/**
 * Opens the fee payer and the bank: the fee payer with `feeCoins` separate confirmed coins of
 * 0.1 BTC (every transfer takes a confirmed one, so no chain of unconfirmed fee change grows
 * past the mempool's 25 ancestors), the bank with `bankBtc` BTC in coins of 1,000 BTC at most.
 */
export async function openBankAndFeePayer(chain: TestChain, ledger: BitcoinLedger, bankBtc = 11_000, feeCoins = 60): Promise<void> {
  await ledger.createAccount(FEE_PAYER)
  await ledger.createAccount(BANK)
  const payments = [
    ...Array.from({ length: feeCoins }, () => ({ account: FEE_PAYER, sats: 10_000_000n })),
    ...Array.from({ length: Math.ceil(bankBtc / 1_000) }, (_, i) => ({ account: BANK, sats: BigInt(Math.min(1_000, bankBtc - i * 1_000)) * 100_000_000n }))
  ]
  for (const [i, { account, sats }] of payments.entries()) {
    await chain.pay(ledger.address(account), sats)
    if (i % 20 === 19) await chain.mine(1)
  }
  await chain.mine(1)
}

/** A loopback port that was free a moment ago: nothing listens on it. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0))
    })
  })
}

export { startRegtest, type Regtest }
