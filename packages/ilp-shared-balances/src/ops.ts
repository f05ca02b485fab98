import type { ChannelTotals } from '@stack/channel-core'

/**
 * One change of the books, as an engine applies it: each in order, atomically against the
 * store's other clients. Amounts are decimal strings (UInt64 and sums of them exceed every
 * native integer of the engines' scripting languages), times epoch milliseconds.
 */
export type Op =
  /** Hold `delta` on `peer` as `id`; a negative one refused below `min` (when given). `expires`: when it may be released by anyone. */
  | { readonly o: 'reserve'; readonly p: string; readonly id: string; readonly d: string; readonly min: string | null; readonly expires: number | null }
  /** Resolve hold `id` of `peer`: applied to the balance (journaled), or dropped. */
  | { readonly o: 'commit' | 'release'; readonly p: string; readonly id: string }
  /** Apply positive hold `id`, held by the instance alone (never checked), to the balance: journaled as a packet. */
  | { readonly o: 'credit'; readonly p: string; readonly id: string; readonly d: string }
  /** Apply `d` now: value from a channel without totals, or with `reason` an operator's adjustment. */
  | { readonly o: 'adjust'; readonly p: string; readonly d: string; readonly reason: string | null }
  /** Bring the peer's balance to the channel's totals (`apply`), or take them if it has none yet (`adopt`). */
  | { readonly o: 'apply' | 'adopt'; readonly p: string; readonly sent: string; readonly received: string }
  /**
   * The peer's stale settlement holds: those without an expiry whose id does not start with `keep`
   * (another run's: this one resolves its own). Listed; with `release`, released, each journaled
   * as a recovery.
   */
  | { readonly o: 'stale'; readonly p: string; readonly keep: string; readonly release: boolean }

/** The answer to one op, with the peer's account after it. */
export interface OpResult {
  /** reserve: held; commit/release: this op resolved the hold; adopt: taken; apply: not behind; adjust: always. */
  readonly ok: boolean
  readonly balance: string
  readonly pendingDebit: string
  readonly pendingCredit: string
  /** The settled totals after the op: `[sent, received]`, or null before any. */
  readonly settled: readonly [string, string] | null
  /** apply: what the totals added (`[sent, received]`). */
  readonly added?: readonly [string, string]
  /** stale: the holds found (and released, if asked), `[id, delta]`, by id. */
  readonly stale?: readonly (readonly [string, string])[]
}

/** A journal row: a committed change of a peer's balance. */
export interface JournalEntry {
  readonly peerId: string
  readonly delta: bigint
  /**
   * packet: a committed hold; value: settlement or incoming value; adjustment: an operator's, with
   * its reason; recovery: a stale settlement hold released (delta 0: a release moves no balance).
   */
  readonly kind: 'packet' | 'value' | 'adjustment' | 'recovery'
  /** The hold a packet row committed, or a recovery row released. */
  readonly hold?: string
  /** recovery: the released hold's amount. */
  readonly released?: bigint
  readonly reason?: string
  /** The store's clock, epoch ms. */
  readonly at: number
}

/** One account as the store holds it. */
export interface AccountRow {
  readonly peerId: string
  readonly balance: bigint
  readonly pendingDebit: bigint
  readonly pendingCredit: bigint
  readonly settled: ChannelTotals | undefined
}

/** What a store engine (PostgreSQL, Redis) offers the shared store. */
export interface Engine {
  /** A human name, for errors: `PostgreSQL at 127.0.0.1:5432`. */
  readonly label: string
  /** Applies `ops` in order, in one atomic step (one transaction, one script): their results, in order. */
  apply(ops: readonly Op[]): Promise<OpResult[]>
  /** Releases every hold whose expiry is more than `graceMs` past, by the store's clock; how many. */
  expire(graceMs: number): Promise<number>
  accounts(): Promise<AccountRow[]>
  journal(): Promise<JournalEntry[]>
  /** Pending holds, for audits and tests: id → [peer, delta, expiry (epoch ms; null: a settlement's)]. */
  holds(): Promise<Map<string, readonly [string, bigint, number | null]>>
  close(): Promise<void>
}
