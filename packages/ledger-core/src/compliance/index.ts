/**
 * The shared compliance suites of layer 1 (STYLE.md: the contract package exports
 * `tests({ setup, teardown })` and every implementation runs it against itself). They use
 * vitest and fast-check, optional peer dependencies of this package.
 *
 * ```ts
 * import { ledgerTests, paymentChannelTests } from '@stack/ledger-core/compliance'
 *
 * ledgerTests({
 *   async setup() {
 *     const ledger = await openMyLedger()
 *     return { ledger, fund: (account, amount) => ledger.mint(account, amount) }
 *   },
 *   async teardown({ ledger }) { await ledger.close() }
 * })
 * ```
 */
export { ledgerTests } from './ledger-tests.js'
export type { LedgerHarness, LedgerTestOptions } from './ledger-tests.js'
export { paymentChannelTests } from './payment-channel-tests.js'
export type {
  ClaimSigner,
  PaymentChannelHarness,
  PaymentChannelLedger,
  PaymentChannelTestOptions
} from './payment-channel-tests.js'
