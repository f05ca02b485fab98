/**
 * @stack/ilp-connector — an Interledger connector as a library (RFC 0027 packet switching,
 * RFC 0032 balances and settlement, CCP route exchange, RFC 0031 ILDCP).
 *
 * ```ts
 * import { createConnectorNode, StaticRateBackend } from '@stack/ilp-connector'
 *
 * const node = await createConnectorNode({
 *   address: 'g.connie',
 *   peers: [
 *     { id: 'alice', relation: 'child', asset: { code: 'USD', scale: 2 }, link: aliceLink, dial: false },
 *     { id: 'bob', relation: 'peer', asset: { code: 'EUR', scale: 2 }, link: bobLink, channel: bobChannel, settleThreshold: 1000n },
 *   ],
 *   rates: new StaticRateBackend({ USD: 1, EUR: 0.9 }),
 * })
 * await node.whenConnected()
 * // …
 * await node.stop() // then close the links
 * ```
 */
export {
  createConnectorNode,
  InvalidNodeOptionsError,
  ParentUnreachableError,
  WaitTimeoutError,
  waitFor,
  type CcpOptions,
  type ConnectorNode,
  type ConnectorNodeOptions,
  type NodePeer,
  type NodePeerStatus,
} from './node.js'
export { Connector, CONNECTOR_DEFAULTS, SettleNowError, type ConnectorCountersSnapshot, type ConnectorOptions } from './connector.js'
export { NodeEvents, type BalanceEvent, type NodeEvent, type NodeEventListener, type PacketEvent, type SettlementEvent } from './events.js'
export { InvalidPeerConfigError, settleToIssue, type PeerConfig } from './peer-config.js'
export type { RateLimitConfig } from './rate-limiter.js'
export type { RouteLookup } from './switch.js'
export type { PacketCounters } from './connector-counters.js'
export type { SettlementCounters } from './settlement.js'
export type { PacketObservation } from './rules/observe.js'
export type { DialOptions } from './dialer.js'
export { silentLogger, type ConnectorLogger } from './logger.js'
export { systemClock, type Clock } from './clock.js'
export { InMemoryBalanceStore, type InMemoryBalanceStoreOptions, type RecordBalanceChange } from './balances/balance-store.js'
// The balance store contract is ilp-core's: here too, so that a connector needs one import.
export {
  InsufficientBalanceError,
  SettledTotalsBehindError,
  andThen,
  type BalanceSnapshot,
  type BalanceStore,
  type MaybePromise,
  type Reservation,
  type ReservationState,
} from '@stack/ilp-core'
export {
  SqliteBalanceStore,
  BalanceStoreClosedError,
  BalanceStoreCorruptError,
  BalanceStoreLockedError,
  type BalanceAdjustment,
  type BalanceAudit,
  type SqliteBalanceStoreOptions,
  type SqliteSynchronous,
} from './balances/sqlite-balance-store.js'
export {
  StaticRateBackend,
  InvalidRateTableError,
  InvalidSpreadError,
  convertAmount,
  conversionFactor,
  parseRateTable,
  type RateBackend,
  type RateTable,
} from './rates/exchange-rate.js'
export { PollingRateBackend, type PollingRateBackendOptions, type RateSource } from './rates/polling-rate-backend.js'
