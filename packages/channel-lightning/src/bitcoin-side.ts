/**
 * The `lightning` settlement kind as the connector registers it: ledger-bitcoin's JSON-RPC client
 * for the chain, and one of its ledgers as the wallet that funds a node's channels (account
 * `funds`) and receives its sweeps (account `sweep`).
 * Addresses use Bitcoin Core's regtest prefixes (LDK runs on regtest only here); the seed file
 * holds 32 bytes in hex, made on first use.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { networks, payments } from 'bitcoinjs-lib'
import { BitcoinLedger, BitcoinRpc } from '@stack/ledger-bitcoin'
import { createLightningSettlement } from './settlement-plugin.js'

export const lightningSettlement = createLightningSettlement({
  chain: (rpc) => new BitcoinRpc(rpc),
  async wallet(chain, { seedFile, journal }) {
    if (!existsSync(seedFile)) writeFileSync(seedFile, randomBytes(32).toString('hex'), { mode: 0o600 })
    const seed = Buffer.from(readFileSync(seedFile, 'utf8').trim(), 'hex')
    const ledger = await BitcoinLedger.open({ rpc: chain as BitcoinRpc, network: networks.regtest, seed, statePath: journal })
    const existing = new Set((await ledger.listAccounts()).map((account) => account.id))
    for (const account of ['funds', 'sweep']) if (!existing.has(account)) await ledger.createAccount(account)
    return {
      wallet: { fundingTransaction: async (script, sats) => (await ledger.buildTransaction({ from: 'funds', outputs: [{ script, value: sats }] })).tx },
      sweepScript: payments.p2wpkh({ address: ledger.address('sweep'), network: networks.regtest }).output!,
      close: () => ledger.close()
    }
  }
})
