/**
 * The shared compliance suites of layer 2: links, channels, and cumulative-claim channels (STYLE.md: the contract package exports
 * `tests({ setup, teardown })` and every implementation runs it against itself).
 *
 * ```ts
 * import { linkTests } from '@stack/channel-core/compliance'
 * linkTests({
 *   async setup() { const [a, b] = createMemoryLinkPair(); await a.connect(); await b.connect(); return { a, b } },
 *   async teardown({ a, b }) { await a.close(); await b.close() }
 * })
 * ```
 */
export { linkTests } from './link-tests.js'
export type { LinkPair, LinkTestOptions } from './link-tests.js'
export { channelTests } from './channel-tests.js'
export type { ChannelPair, ChannelTestOptions } from './channel-tests.js'
export { createCarrierPair, MemoryCarrier } from './memory-carrier.js'
export { claimChannelTests } from './claim-channel-tests.js'
export type { ClaimChannelEndpoint, ClaimChannelHarness, ClaimChannelTestOptions } from './claim-channel-tests.js'
