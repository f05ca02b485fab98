/**
 * @stack/ilp-core — Interledger Layer 3 (RFC 0027, 0015, 0031).
 *
 * ```ts
 * import { encodePrepare, decodePacket, IlpPacketType } from '@stack/ilp-core'
 *
 * const bytes = encodePrepare({
 *   amount: 1000n,
 *   expiresAt: new Date(Date.now() + 30_000),
 *   executionCondition: condition,
 *   destination: 'g.bob',
 *   data: new Uint8Array(),
 * })
 * const packet = decodePacket(bytes)
 * if (packet.type === IlpPacketType.Prepare) console.log(packet.amount) // 1000n
 * ```
 */
export { IlpCodecError, InvalidFieldError, TruncatedPacketError } from './packet/codec-errors.js'
export {
  IlpPacketType,
  MAX_DATA_LENGTH,
  MAX_UINT64,
  type IlpFulfill,
  type IlpPacket,
  type IlpPrepare,
  type IlpReject,
  type IlpReply,
  type PrepareHandler,
} from './packet/packet.js'
export { decodePrepare, encodePrepare, isPrepareTo } from './packet/prepare.js'
export { decodeFulfill, encodeFulfill } from './packet/fulfill.js'
export { decodeReject, encodeReject } from './packet/reject.js'
export { decodePacket, decodeReply, encodeReply } from './packet/decode-packet.js'
export {
  ALLOCATION_SCHEMES,
  MAX_ADDRESS_LENGTH,
  InvalidAddressError,
  isValidAddress,
  assertAddress,
  allocationScheme,
  isAddressPrefix,
  addressSegments,
  parentAddress,
  childAddress,
  type AllocationScheme,
  type InvalidAddressReason,
} from './address.js'
export {
  IlpErrorCode,
  isValidErrorCode,
  errorCodeName,
  errorClass,
  type KnownErrorCode,
  type ValidErrorCode,
  type ErrorClass,
} from './error-codes.js'
export {
  IlpError,
  reject,
  encodeAmountTooLargeData,
  decodeAmountTooLargeData,
  amountTooLargeError,
  type IlpErrorOptions,
  type AmountTooLargeData,
  type RejectReply,
} from './ilp-error.js'
export type { Asset } from './asset.js'
export {
  sendOverLink,
  serveOnLink,
  type LinkPrepareHandler,
  type SendOverLinkOptions,
  type ServeOnLinkOptions,
} from './over-link.js'
export {
  conditionOf,
  verifyFulfillment,
  randomFulfillment,
  generateFulfillmentPair,
  type FulfillmentPair,
} from './condition.js'
export {
  ILDCP_DESTINATION,
  decodeIldcpInfo,
  encodeIldcpInfo,
  ildcpFetch,
  ildcpRequest,
  serveIldcp,
  type IldcpInfo,
} from './ildcp/ildcp.js'
export { PEER_PROTOCOL_CONDITION, PEER_PROTOCOL_FULFILLMENT } from './peer-protocol.js'
export {
  RoutingTable,
  advertiseValleyFree,
  advertiseLikeIlpConnector,
  isRoutePrefix,
  type PeerRelation,
  type Route,
  type StaticRouteOptions,
  type LearnedRoute,
  type AdvertisePolicy,
} from './routing/routing-table.js'
export {
  CcpMode,
  CcpPropertyFlag,
  decodeRouteControlRequest,
  decodeRouteUpdateRequest,
  encodeRouteControlRequest,
  encodeRouteUpdateRequest,
  type CcpRoute,
  type CcpRouteControlRequest,
  type CcpRouteProperty,
  type CcpRouteUpdateRequest,
} from './ccp/codec.js'
export {
  CCP_CONTROL_DESTINATION,
  CCP_UPDATE_DESTINATION,
  CCP_REQUEST_LIFETIME_MS,
  ccpFulfill,
  readRouteControlPrepare,
  readRouteUpdatePrepare,
  routeControlPrepare,
  routeUpdatePrepare,
} from './ccp/messages.js'
export { CCP_DEFAULTS, CcpNode, type CcpHandled, type CcpMessage, type CcpNodeOptions, type CcpPeerOptions } from './ccp/node.js'
export type { RefusedRoute, RouteRefusal } from './ccp/route-filter.js'
export {
  BalanceStoreClosedError,
  BalanceStoreCorruptError,
  InsufficientBalanceError,
  SettledTotalsBehindError,
  andThen,
  type BalanceSnapshot,
  type BalanceStore,
  type MaybePromise,
  type Reservation,
  type ReservationState,
} from './balance-store.js'
