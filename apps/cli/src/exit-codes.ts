/** The `stack` exit codes (documented in the README and `--help`). */
export const ExitCode = {
  /** Done: the payment reached its target, the query answered, the receiver stopped cleanly. */
  Ok: 0,
  /** The payment failed or was partial (the summary says what was delivered); `stack admin`: the node refused the change. */
  PaymentFailed: 1,
  /** Bad command line: unknown command or flag, bad amount, bad pointer syntax. */
  Usage: 2,
  /** Network or SPSP failure before paying: unreachable host, HTTP error, wrong content type, no route. */
  Network: 3,
  /** A connector refused for liquidity (T04): a credit limit on the path is used up until someone settles. */
  CreditLimit: 4,
  /** `stack admin`: the admin API refused the token (HTTP 401). */
  AdminUnauthorized: 5,
  /** `stack pay --ledger`: settling with the connector over the ledger channel failed (the message says why). */
  Settlement: 6,
} as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

/** A command-line mistake: exit 2 with the message and a pointer to --help. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}
