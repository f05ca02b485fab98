/**
 * @stack/ledger-xrp — the XRP Ledger at layer 1, offline: PaymentChannelCreate, Fund and Claim
 * (and Payment) built as xrpl.js JSON with the fee and sequence passed in, signed with
 * xrpl.js's `Wallet` (secp256k1 or ed25519) into the blob a server's `submit` takes; the id of
 * the channel a PaymentChannelCreate makes; drops as `bigint`. No server is contacted: the
 * caller submits the blob (see the README for what has run against a live ledger: nothing).
 *
 * ```ts
 * import { buildPaymentChannelCreate, generateWallet, paymentChannelId, signTransaction } from '@stack/ledger-xrp'
 *
 * const alice = generateWallet('ed25519')
 * const tx = buildPaymentChannelCreate({
 *   account: alice.classicAddress, destination: 'rPEPPER7kfTD9w2To4CQk6UCfuHM9c6GDY',
 *   amount: 10_000_000n, settleDelay: 86_400, publicKey: alice.publicKey,
 *   fee: 12n, sequence: 5, lastLedgerSequence: 1_000_000
 * })
 * const { txBlob, hash } = signTransaction(alice, tx) // submit txBlob to a server
 * const channelId = paymentChannelId(alice.classicAddress, tx.Destination, 5)
 * ```
 */
export { DROPS_PER_XRP, MAX_DROPS, checkDrops, dropsToXrp, xrpToDrops } from './drops.js'
export { checkAddress, accountIdOf } from './address.js'
export { checkChannelId, paymentChannelId } from './channel-id.js'
export {
  TF_CLOSE,
  TF_RENEW,
  buildPayment,
  buildPaymentChannelClaim,
  buildPaymentChannelCreate,
  buildPaymentChannelFund,
  checkPublicKey
} from './transactions.js'
export type {
  CommonFields,
  PaymentChannelClaimFields,
  PaymentChannelCreateFields,
  PaymentChannelFundFields,
  PaymentFields
} from './transactions.js'
export { generateWallet, hashSignedTransaction, signTransaction, walletFromSeed } from './signing.js'
export type { KeyAlgorithm, SignedTransaction } from './signing.js'
/** xrpl.js's wallet: an address with its key pair. */
export type { Wallet as XrpWallet } from 'xrpl'
export { InvalidDropsError, InvalidTransactionFieldError, InvalidXrpAddressError, InvalidXrpAmountError, SignerMismatchError } from './errors.js'
