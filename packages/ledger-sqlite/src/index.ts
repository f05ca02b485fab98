/**
 * @stack/ledger-sqlite — a layer-1 ledger in one embedded SQLite file (no server): a
 * double-entry journal, idempotent transfers, credit limits, and unidirectional payment
 * channels in the style of the XRP Ledger's, with ed25519 claims. Implements `Ledger` and
 * `PaymentChannelCapability` of @stack/ledger-core; the `ledger-sqlite` command (apps/operator-tools) administers a file.
 *
 * ```ts
 * import { SqliteLedger, generateClaimKeyPair, signClaim } from '@stack/ledger-sqlite'
 *
 * const ledger = SqliteLedger.create('usd.ledger', { asset: { code: 'USD', scale: 2 } })
 * await ledger.createAccount('alice')
 * await ledger.createAccount('bob')
 * await ledger.mint({ account: 'alice', amount: 10_000n })
 *
 * const keys = generateClaimKeyPair()
 * const channel = await ledger.createChannel({
 *   idempotencyKey: 'open-1', sender: 'alice', receiver: 'bob',
 *   amount: 5_000n, publicKey: keys.publicKey, settleDelayMs: 3_600_000
 * })
 * // alice hands bob claims off-ledger; bob redeems the best one:
 * const signature = signClaim(keys.privateKey, channel.id, 1_250n)
 * await ledger.claimChannel({ channelId: channel.id, amount: 1_250n, signature })
 * await ledger.getBalance('bob') // 1250n
 * ledger.close()
 * ```
 */
export { SqliteLedger } from './sqlite-ledger.js'
export type { CreateLedgerOptions, LedgerAccountRow, MintRequest, SqliteLedgerOptions } from './sqlite-ledger.js'
export type { AuditReport } from './audit.js'
export {
  CLAIM_DOMAIN,
  CLAIM_MESSAGE_LENGTH,
  claimMessage,
  generateClaimKeyPair,
  isChannelId,
  signClaim,
  verifyClaim
} from './claim.js'
export type { ClaimKeyPair } from './claim.js'
export { LedgerFileError } from './errors.js'
export { CHANNELS_ACCOUNT, ISSUANCE_ACCOUNT } from './schema.js'
