import { claimChannelTests, type ClaimChannelHarness } from '@stack/channel-core/compliance'
import { generateClaimKeyPair, signClaim } from '@stack/ledger-sqlite'
import { encodeClaimProof } from '../src/index.js'
import { Pair } from './fixtures/harness.js'

// The claim-channel contract, Alice → Bob on one ledger file, each with its own claim store file.
const pairs = new WeakMap<ClaimChannelHarness, Pair>()

claimChannelTests({
  setup: async () => {
    const pair = await Pair.create()
    const harness: ClaimChannelHarness = {
      get payer() {
        return pair.alice
      },
      get payee() {
        return pair.bob
      },
      deposit: 10_000n,
      carriers: pair.carriers,
      async sign(amount, { forged = false } = {}) {
        const channelId = pair.alice.summary().outgoing?.channelId ?? ''
        const key = forged ? generateClaimKeyPair().privateKey : (pair.aliceStore.getOutgoing()?.keys.privateKey ?? new Uint8Array(32))
        return encodeClaimProof({ channelId, amount, signature: signClaim(key, channelId, amount) })
      },
      async restart(side) {
        pair.crash(side === 'payer' ? 'alice' : 'bob')
      },
      async redeemed() {
        return (await pair.ledger.getChannel(pair.alice.summary().outgoing?.channelId ?? '')).claimed
      }
    }
    pairs.set(harness, pair)
    return harness
  },
  teardown: async (harness) => {
    await pairs.get(harness)?.dispose()
  }
})
