/**
 * The store did not answer (down, restarting, timed out). The change may or may not have been
 * made there: a hold it made is released at its expiry, a commit is then seen as done or not
 * by a later read; nothing is applied twice (each hold resolves once, by its id).
 */
export class BalanceStoreUnavailableError extends Error {
  override readonly name = 'BalanceStoreUnavailableError'
  constructor(
    readonly store: string,
    options?: ErrorOptions,
  ) {
    super(`balance store ${store} did not answer${options?.cause instanceof Error ? ` (${options.cause.message})` : ''}`, options)
  }
}

/**
 * The server is not configured to keep what it acknowledged (ilp-shared-balances README,
 * "Durable by the engine"): a committed Fulfill could be lost in a crash, so the store is not
 * opened. `setting` names what to change.
 */
export class BalanceStoreNotDurableError extends Error {
  override readonly name = 'BalanceStoreNotDurableError'
  constructor(
    readonly store: string,
    readonly setting: string,
    readonly value: string,
    readonly wanted: string,
  ) {
    super(`balance store ${store}: ${setting} is ${value}, it must be ${wanted} (or open it with durability: 'none')`)
  }
}
