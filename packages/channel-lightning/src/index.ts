/**
 * @stack/channel-lightning — an Interledger Layer 2 over the Lightning Network: one LDK v0.1
 * (WASM) node per connector peer, BOLT peers over TCP, channels funded on a Bitcoin chain read
 * over JSON-RPC, ILP balances settled by paying BOLT11 invoices.
 */
export { LightningNode } from './lightning-node.js'
export { LightningChannel } from './lightning-channel.js'
export { createLightningSettlement } from './settlement-plugin.js'
export { lightningSettlement } from './bitcoin-side.js'
export type { LightningBitcoin, LightningSettlementConfig, WalletFiles } from './settlement-plugin.js'
export type { LightningChannelOptions } from './lightning-channel.js'
export { decodeSettlementMessage, encodeSettlementMessage } from './settlement-message.js'
export type { SettlementMessage } from './settlement-message.js'
export {
  ForgedPaymentError,
  PaymentPendingError,
  PeerNodeMismatchError,
  RecoveredPaymentError,
  UnexpectedInvoiceError,
  UnknownPeerNodeError
} from './settlement-errors.js'
export type { FundingWallet, LightningNodeOptions, Payment } from './lightning-node.js'
export type { ChannelInfo } from './user-config.js'
export type { NodeEvents } from './node-events.js'
export type { PaymentOutcome, Sweep } from './node-journal.js'
export { SWEEP_DEPTH } from './node-journal.js'
export type { ChainSource } from './chain.js'
export {
  ChainForkError,
  InvalidInvoiceError,
  InvalidPeerError,
  LdkCallError,
  LightningError,
  PaymentFailedError,
  StateReadError
} from './errors.js'
