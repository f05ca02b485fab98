/**
 * @stack/channel-xrp — layer 2 over XRP Ledger payment channels: off-ledger claims signed and
 * verified in the XRP Ledger's own format (`CLM\0` ‖ channel id ‖ UInt64 drops; secp256k1 or
 * ed25519 through ripple-keypairs), and a channel-core `Channel` that carries them as the proof
 * of a value transfer, keeps the best claim per channel, and signs the PaymentChannelClaim that
 * redeems it: channel-core's claim engine over this ledger's scheme. Nothing here talks to a server: channel states come from the caller's
 * `XrpChannelDirectory`, and redemption blobs go to the operator (see the README). What must
 * survive a restart (the drops sent on our channel, the best unredeemed claims) is kept in a
 * `SqliteClaimStore` file, one scope (our account, the peer's) per peer.
 *
 * ```ts
 * import { generateWallet } from '@stack/ledger-xrp'
 * import { generateClaimKeyPair, MemoryChannelDirectory, SqliteClaimStore, XrpClaimChannel } from '@stack/channel-xrp'
 *
 * const keys = generateClaimKeyPair('ed25519') // its publicKey went into our PaymentChannelCreate
 * const directory = new MemoryChannelDirectory() // fill from account_channels in an app
 * const store = SqliteClaimStore.open('claims.sqlite', { account: 'rAlice…', peerAccount: 'rBob…' })
 * const channel = new XrpClaimChannel({
 *   account: 'rAlice…', peerAccount: 'rBob…', carrier: btpLink, store, directory,
 *   outgoing: { channelId: '…64 hex…', keys }, wallet: generateWallet('ed25519')
 * })
 * await channel.sendValue(2_500n) // a claim of 2 500 drops, cumulative
 * const { txBlob } = await channel.redemption(incomingChannelId, { fee: 12n, sequence: 7 }) // submit it yourself
 * ```
 */
export { CLAIM_HASH_PREFIX, CLAIM_SIGNING_DATA_LENGTH, claimKeyPairFromSeed, claimSigningData, generateClaimKeyPair, signClaim, verifyClaim } from './claim.js'
export type { ClaimKeyPair } from './claim.js'
export { CLAIM_PROOF_VERSION, decodeClaimProof, encodeClaimProof } from './claim-proof.js'
export type { ClaimProof } from './claim-proof.js'
export { verifyIncomingClaim } from './verifier.js'
export type { ClaimExpectation } from './verifier.js'
export { MemoryChannelDirectory } from './channel-state.js'
export type { XrpChannelDirectory, XrpChannelState } from './channel-state.js'
export { MemoryClaimStore } from '@stack/channel-core'
export type { ChannelLogger, ClaimCarrier, ClaimCarrierOptions, ClaimChannelSummary, ClaimStore, IncomingClaim } from '@stack/channel-core'
export { SqliteClaimStore } from './sqlite-claim-store.js'
export type { ClaimStoreScope } from './sqlite-claim-store.js'
export { XrpClaimChannel } from './xrp-channel.js'
export type { Redemption, RedemptionFields, XrpClaimChannelOptions } from './xrp-channel.js'
export { XrpScheme, xrpChannelView } from './xrp-scheme.js'
export type { XrpChannelView, XrpOutgoingChannel, XrpOutgoingState } from './xrp-scheme.js'
export {
  ChannelShutDownError,
  ClaimChannelClosedError,
  ClaimExceedsDepositError,
  ClaimNotIncreasingError,
  ClaimRefusedError,
  ClaimSignatureError,
  ClaimWrongChannelError,
  DepositExhaustedError,
  InvalidChannelOptionError,
  MalformedClaimError,
  NoOutgoingChannelError,
  NoValueHandlerError,
  NothingToRedeemError
} from './errors.js'
export { xrpSettlement } from './settlement-plugin.js'
export type { XrpSettlementConfig } from './settlement-plugin.js'
