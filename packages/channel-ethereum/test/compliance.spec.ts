import { afterAll, beforeAll } from 'vitest'
import { channelTests } from '@stack/channel-core/compliance'
import { Chain, ETHER, Pair } from './fixtures/chain.js'

// The Channel contract, Alice → Bob over claims on one in-process chain. Alice opens her
// channel with 20 ether, so that a payment of 2^64-1 wei (18.4 ether) fits in it.
let chain: Chain
const pairs = new WeakMap<object, Pair>()

beforeAll(async () => {
  chain = await Chain.start()
})
afterAll(async () => {
  await chain.stop()
})

channelTests({
  setup: async () => {
    const pair = new Pair(chain, { alice: { funding: { deposit: 20n * ETHER, timeoutSeconds: 600n } } })
    pair.bob.setValueHandler(undefined)
    const channels = { a: pair.alice, b: pair.bob }
    pairs.set(channels, pair)
    return channels
  },
  teardown: async (channels) => {
    const pair = pairs.get(channels)
    await pair?.alice.stop()
    await pair?.bob.stop()
  }
})
