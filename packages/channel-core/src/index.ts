/**
 * @stack/channel-core — the two interfaces layer 3 sees of layer 2: a `Link` carries opaque
 * bytes to a peer and brings back the reply; a `Channel` sends value to a peer. Also the
 * bridge both ways to interledgerjs plugins, an in-memory link pair, and (under
 * `@stack/channel-core/compliance`) the suites every implementation runs.
 *
 * ```ts
 * import { createMemoryLinkPair } from '@stack/channel-core'
 *
 * const [alice, bob] = createMemoryLinkPair()
 * await alice.connect()
 * await bob.connect()
 * bob.setRequestHandler((data) => data.slice().reverse())
 * const reply = await alice.request(new Uint8Array([1, 2, 3])) // Uint8Array [3, 2, 1]
 * ```
 */
export type { Link, LinkState, RequestHandler, RequestOptions, IncomingRequestContext, StateListener } from './link.js'
export type { Channel, ChannelTotals, ClaimCarrier, ClaimCarrierOptions, IncomingValue, ValueHandler } from './channel.js'
export { MAX_UINT64 } from './channel.js'
export { settleAsSent } from './settle-as-sent.js'
export type { SettleAsSent } from './settle-as-sent.js'
export {
  HandlerAlreadyRegisteredError,
  InvalidAmountError,
  LinkAbortedError,
  LinkBusyError,
  LinkClosedError,
  LinkNotConnectedError,
  LinkPayloadTooLargeError,
  LinkRemoteError,
  LinkTimeoutError,
  NoChannelError,
  NoHandlerError
} from './errors.js'
export type { LinkRequestError } from './errors.js'
export type { PluginV2, PluginDataHandler, PluginMoneyHandler } from './plugin.js'
export { linkFromPlugin, channelFromPlugin } from './link-from-plugin.js'
export type { PluginLinkOptions } from './link-from-plugin.js'
export { pluginFromLink } from './plugin-from-link.js'
export { createMemoryLinkPair } from './memory-link.js'
export type { MemoryLinkOptions } from './memory-link.js'
export { withDeadline } from './request-deadline.js'
export { StateListeners } from './state-listeners.js'
export { boundedHttpServer } from './http-bounds.js'
export type { BoundedHttpServer, HttpBounds } from './http-bounds.js'
export { asBuffer, asUint8Array, copyBytes } from './bytes.js'
export { ConfigChecker, DAY_MS, describeValue } from './config-checker.js'
export type { ConfigIssue, ConfigObject } from './config-checker.js'
export { SharedResourcePool } from './settlement-plugin.js'
export type {
  OpenedSettlement,
  SettlementCheckContext,
  SettlementComponents,
  SettlementConfig,
  SettlementLogger,
  SettlementPlugin,
  SettlementRequestResult,
  SharedResources
} from './settlement-plugin.js'
export {
  ClaimRefusedError,
  MalformedClaimError,
  ClaimWrongChannelError,
  ClaimSignatureError,
  ClaimNotIncreasingError,
  ClaimExceedsDepositError,
  ClaimChannelClosedError,
  NoValueHandlerError,
  DepositExhaustedError,
  ChannelShutDownError,
  InvalidChannelOptionError,
} from './claim-errors.js'
export { ClaimChannel, checkPositive } from './claims/claim-channel.js'
export type { ChannelLogger, ChannelWatch, ClaimChannelOptions, ClaimChannelState, ClaimChannelSummary } from './claims/claim-channel.js'
export type { ClaimChannelView, ClaimScheme, RedeemMode, SignedClaim } from './claims/claim-scheme.js'
export { MemoryClaimStore } from './claims/claim-store.js'
export type { ClaimStore, IncomingClaim, OutgoingState } from './claims/claim-store.js'
export { checkClaimChannel, claimGrowth } from './claims/check-claim.js'
export type { ClaimParties } from './claims/check-claim.js'
