import { channelTests } from '@stack/channel-core/compliance'
import { MAX_UINT64 } from '@stack/channel-core'
import { Pair } from './fixtures/harness.js'

// The Channel contract, Alice → Bob over claims on one ledger file. Alice holds the largest
// UInt64, so that a payment of 2^64-1 opens a channel that covers it.
const pairs = new WeakMap<object, Pair>()

channelTests({
  setup: async () => {
    const pair = await Pair.create({ mint: MAX_UINT64 })
    const channels = { a: pair.alice, b: pair.bob }
    pairs.set(channels, pair)
    return channels
  },
  teardown: async (channels) => {
    await pairs.get(channels)?.dispose()
  }
})
