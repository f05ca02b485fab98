/**
 * @stack/channel-sqlite — the layer-2 payment channel over @stack/ledger-sqlite: a channel-core
 * `Channel` that pays with signed cumulative ed25519 claims on the shared embedded ledger,
 * carried to the peer as the proof of a value transfer (BTP TRANSFER, `claim` sub-protocol).
 * The receiver verifies each claim against the ledger, keeps the best one in a small SQLite
 * file, credits only its growth, and redeems it at a threshold, on stop, and before the
 * settle delay ends when the payer asks to close. The engine is channel-core's `ClaimChannel`;
 * this package is its ledger-sqlite scheme.
 *
 * ```ts
 * import { SqliteLedger } from '@stack/ledger-sqlite'
 * import { BtpClient } from '@stack/channel-btp' // in an app: the carrier
 * import { SqliteChannel, SqliteClaimStore } from '@stack/channel-sqlite'
 *
 * const ledger = SqliteLedger.open('usd.ledger')
 * const link = new BtpClient({ url: 'btp+ws://alice:secret@127.0.0.1:7768' })
 * const channel = new SqliteChannel({
 *   ledger, account: 'alice', peerAccount: 'connector-a', carrier: link,
 *   store: SqliteClaimStore.open('alice.claims', { account: 'alice', peerAccount: 'connector-a' }),
 *   funding: { deposit: 100_000n, topUpBelow: 20_000n, settleDelayMs: 3_600_000 },
 *   redeemThreshold: 50_000n,
 *   watch: { intervalMs: 10_000, idleRedeemMs: 600_000 }
 * })
 * channel.setValueHandler(({ amount }) => console.log(`connector-a paid us ${amount}`))
 * await link.connect()
 * await channel.sendValue(2_500n) // opens a channel with 100 000, sends a claim of 2 500
 * await channel.close() // redeems what connector-a paid us
 * ```
 */
export { SqliteChannel } from './sqlite-channel.js'
export type { SqliteChannelOptions } from './sqlite-channel.js'
export { SqliteScheme } from './sqlite-scheme.js'
export type { ChannelFunding, SqliteChannelView, SqliteOutgoingState } from './sqlite-scheme.js'
export { MemoryClaimStore } from '@stack/channel-core'
export type { ChannelLogger, ChannelWatch, ClaimCarrier, ClaimCarrierOptions, ClaimChannelSummary, ClaimStore, IncomingClaim } from '@stack/channel-core'
export { SqliteClaimStore } from './sqlite-claim-store.js'
export type { ClaimStoreScope } from './sqlite-claim-store.js'
export { CLAIM_PROOF_LENGTH, CLAIM_PROOF_VERSION, decodeClaimProof, encodeClaimProof } from './claim-proof.js'
export type { ClaimProof } from './claim-proof.js'
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
  NoValueHandlerError
} from './errors.js'
export { sqliteSettlement } from './settlement-plugin.js'
export type { SqliteSettlementConfig } from './settlement-plugin.js'
