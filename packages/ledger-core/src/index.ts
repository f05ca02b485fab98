/**
 * @stack/ledger-core — the layer-1 contract: what a ledger adapter offers to the payment
 * channels above it. Accounts in one asset, balances, transfers that are idempotent by key,
 * and optional typed capabilities (payment channels) a channel package can require. Also the
 * named errors and (under `@stack/ledger-core/compliance`) the suites every adapter runs.
 *
 * ```ts
 * import { hasPaymentChannels, InsufficientFundsError, type Ledger } from '@stack/ledger-core'
 *
 * async function pay(ledger: Ledger): Promise<void> {
 *   try {
 *     await ledger.transfer({ idempotencyKey: crypto.randomUUID(), from: 'alice', to: 'bob', amount: 250n })
 *   } catch (error) {
 *     if (error instanceof InsufficientFundsError) console.log(`alice has only ${error.balance}`)
 *     else throw error
 *   }
 *   if (!hasPaymentChannels(ledger)) throw new Error('this channel needs a ledger with payment channels')
 *   const channel = await ledger.getChannel('…') // typed: Ledger & PaymentChannelCapability
 * }
 * ```
 */
export type {
  Account,
  AccountId,
  AccountOptions,
  Asset,
  Ledger,
  LedgerCapabilityName,
  Transfer,
  TransferError,
  TransferRequest
} from './ledger.js'
export type {
  ChannelClaim,
  ChannelStatus,
  ClaimResult,
  CreateChannelRequest,
  FundChannelRequest,
  PaymentChannel,
  PaymentChannelCapability,
  RequestChannelCloseRequest
} from './payment-channel.js'
export { hasPaymentChannels } from './payment-channel.js'
export { MAX_UINT64, checkAmount } from './amount.js'
export { checkAccountId, checkIdempotencyKey } from './account-id.js'
export { SerialQueue } from './serial-queue.js'
export {
  AccountExistsError,
  ChannelClosedError,
  ChannelClosingError,
  ChannelNotFoundError,
  ClaimExceedsDepositError,
  ClaimNotIncreasingError,
  CloseNotRequestedError,
  IdempotencyConflictError,
  InsufficientFundsError,
  InvalidAmountError,
  InvalidArgumentError,
  InvalidClaimSignatureError,
  LedgerError,
  SettleDelayNotElapsedError,
  UnknownAccountError
} from './errors.js'
