import type { ChannelTotals } from '@stack/channel-core'

/**
 * A negative hold would take the balance below the peer's minimum. A copy of ilp-connector's
 * class of the same name and fields, which its balance rule recognizes (`isInsufficientBalance`):
 * no single home passes the layering rule, as two concrete L3 packages may not import each other,
 * while ilp-core holds no balance-store contract.
 */
export class InsufficientBalanceError extends Error {
  override readonly name = 'InsufficientBalanceError'
  constructor(
    readonly peerId: string,
    readonly available: bigint,
    readonly delta: bigint,
    readonly minBalance: bigint,
  ) {
    super(`peer ${peerId}: available balance ${available} ${delta} would be below the minimum ${minBalance}`)
  }
}

/** A channel's totals below those the books applied (ilp-connector's class of the same name and fields). */
export class SettledTotalsBehindError extends Error {
  override readonly name = 'SettledTotalsBehindError'
  constructor(
    readonly peerId: string,
    readonly totals: ChannelTotals,
    readonly settled: ChannelTotals,
  ) {
    super(`peer ${peerId}: its channel's totals (sent ${totals.sent}, received ${totals.received}) are below those the books applied (sent ${settled.sent}, received ${settled.received})`)
  }
}

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

/** The store holds something this package did not write (another schema, a corrupted amount). */
export class BalanceStoreCorruptError extends Error {
  override readonly name = 'BalanceStoreCorruptError'
  constructor(
    readonly store: string,
    readonly detail: string,
  ) {
    super(`balance store ${store}: ${detail}`)
  }
}

/** A change after close(). */
export class BalanceStoreClosedError extends Error {
  override readonly name = 'BalanceStoreClosedError'
  constructor(readonly store: string) {
    super(`balance store ${store} is closed`)
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
