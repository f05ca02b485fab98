import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'
import { channelTests, claimChannelTests, createCarrierPair, type ChannelPair, type ClaimChannelHarness } from '@stack/channel-core/compliance'
import { generateWallet, MAX_DROPS, paymentChannelId } from '@stack/ledger-xrp'
import { encodeClaimProof, generateClaimKeyPair, MemoryChannelDirectory, signClaim, SqliteClaimStore, XrpClaimChannel } from '../src/index.js'

// The Channel and claim-channel contracts, Alice → Bob on one channel the directory knows (no
// server), each with its own claim store file.
const dir = mkdtempSync(join(tmpdir(), 'channel-xrp-compliance-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let runs = 0

function endpoints(amount: bigint) {
  const run = ++runs
  const [payer, payee] = [generateWallet('ed25519'), generateWallet('secp256k1')]
  const keys = generateClaimKeyPair('secp256k1')
  const channelId = paymentChannelId(payer.classicAddress, payee.classicAddress, run)
  const directory = new MemoryChannelDirectory()
  directory.set({ channelId, account: payer.classicAddress, destination: payee.classicAddress, publicKey: keys.publicKey, amount, balance: 0n })
  const carriers = createCarrierPair()
  const scopes = { payer: { account: payer.classicAddress, peerAccount: payee.classicAddress }, payee: { account: payee.classicAddress, peerAccount: payer.classicAddress } }
  const file = (side: 'payer' | 'payee') => join(dir, `${run}-${side}.claims`)
  const stores = { payer: SqliteClaimStore.open(file('payer'), scopes.payer), payee: SqliteClaimStore.open(file('payee'), scopes.payee) }
  const open = {
    payer: () => new XrpClaimChannel({ ...scopes.payer, carrier: carriers[0], store: stores.payer, directory, outgoing: { channelId, keys } }),
    payee: () => new XrpClaimChannel({ ...scopes.payee, carrier: carriers[1], store: stores.payee, directory, wallet: payee })
  }
  const live = { payer: open.payer(), payee: open.payee() }
  return {
    channelId, keys, carriers, live,
    restart(side: 'payer' | 'payee') {
      carriers[side === 'payer' ? 0 : 1].setValueHandler(undefined)
      stores[side].close()
      stores[side] = SqliteClaimStore.open(file(side), scopes[side])
      live[side] = open[side]()
    },
    async dispose() {
      await live.payer.stop()
      await live.payee.stop()
      stores.payer.close()
      stores.payee.close()
    }
  }
}

const disposals = new WeakMap<object, () => Promise<void>>()

channelTests({
  largestAmount: MAX_DROPS,
  setup: async () => {
    const made = endpoints(MAX_DROPS)
    const pair: ChannelPair = { a: made.live.payer, b: made.live.payee }
    disposals.set(pair, () => made.dispose())
    return pair
  },
  teardown: async (pair) => disposals.get(pair)?.()
})

claimChannelTests({
  setup: async () => {
    const made = endpoints(10_000n)
    const harness: ClaimChannelHarness = {
      get payer() {
        return made.live.payer
      },
      get payee() {
        return made.live.payee
      },
      deposit: 10_000n,
      carriers: made.carriers,
      async sign(amount, { forged = false } = {}) {
        const key = forged ? generateClaimKeyPair('secp256k1').privateKey : made.keys.privateKey
        return encodeClaimProof({ channelId: made.channelId, amount, signature: signClaim(key, made.channelId, amount) })
      },
      async restart(side) {
        made.restart(side)
      },
      // No XRP Ledger server here: the operator submits the redemption.
      redeemed: async () => undefined
    }
    disposals.set(harness, () => made.dispose())
    return harness
  },
  teardown: async (harness) => disposals.get(harness)?.()
})
