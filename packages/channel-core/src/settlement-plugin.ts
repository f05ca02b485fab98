/**
 * A settlement kind as a plug-in: how an app that runs a connector (apps/connector) turns a
 * peer's `settlement` section of its configuration into a `Channel` over the peer's link. Each
 * payment-channel package exports one; the app keeps a registry of them, one entry per kind,
 * and knows nothing else of any kind: the kind's name, its section's check, how to open it from
 * the checked section and the app's components, what `GET /settlement` shows of it, and the
 * admin requests it answers (XRP: a signed redemption).
 */

import type { Channel, ClaimCarrier } from './channel.js'
import type { ConfigChecker, ConfigObject } from './config-checker.js'

/** A checked settlement section: its `kind` and whatever else its plug-in keeps. */
export interface SettlementConfig {
  readonly kind: string
}

/** What a settlement section is checked with and against. */
export interface SettlementCheckContext {
  /** Records each problem with its field's path; a check returns undefined once it recorded one. */
  readonly checker: ConfigChecker
  /** Where the section sits in the document: `peers[2].settlement`. */
  readonly path: string
  /** The peer's asset: amounts on the channel are its base units. Undefined if it is itself invalid. */
  readonly asset: { readonly code: string; readonly scale: number } | undefined
  /** A file field (a store, a ledger): a non-empty string, a relative path taken from the configuration file's directory. */
  file(value: unknown, path: string): string | undefined
}

export interface SettlementLogger {
  info(message: string, fields?: Readonly<Record<string, unknown>>): void
  warn(message: string, error?: unknown): void
}

/**
 * Resources several peers of one node share, made once per key and closed once, after every
 * peer's settlement closed (in reverse order of making): one SQLite ledger file, one JSON-RPC
 * connection per URL (one nonce sequence per account). Keys are the plug-in's own: the app keeps
 * each kind's apart.
 */
export interface SharedResources {
  use<T>(key: string, make: () => T, close?: (resource: T) => void | Promise<void>): T
}

/** The shared resources of one node: `scope(kind)` is what that kind's plug-in gets, `close()` ends them all. */
export class SharedResourcePool {
  readonly #entries = new Map<string, { readonly resource: unknown; readonly close: ((resource: never) => void | Promise<void>) | undefined }>()

  /** The resources of one scope (a kind): its keys never meet another scope's. */
  scope(name: string): SharedResources {
    return {
      use: <T>(key: string, make: () => T, close?: (resource: T) => void | Promise<void>): T => {
        const at = `${name}:${key}`
        let entry = this.#entries.get(at)
        if (entry === undefined) {
          entry = { resource: make(), close }
          this.#entries.set(at, entry)
        }
        return entry.resource as T
      }
    }
  }

  /** Closes every resource, last made first; one that fails is reported to `failed` and the others still close. */
  async close(failed: (key: string, error: unknown) => void): Promise<void> {
    const entries = [...this.#entries].reverse()
    this.#entries.clear()
    for (const [key, { resource, close }] of entries) {
      try {
        await close?.(resource as never)
      } catch (error) {
        failed(key, error)
      }
    }
  }
}

/** What the app gives a plug-in to open one peer's settlement. */
export interface SettlementComponents {
  readonly peerId: string
  /** The value side of the peer's link (BTP TRANSFER): carries each claim as the proof of a transfer. */
  readonly carrier: ClaimCarrier
  /** The clock (ms since the epoch). */
  readonly now: () => number
  /** Tagged with the peer by the app. */
  readonly logger: SettlementLogger
  readonly shared: SharedResources
}

/**
 * The answer to an admin request (`POST /settlement/<peer>/<name>`): `ok` with the response body,
 * `invalid` when the request body is malformed (HTTP 400), `refused` when a well-formed request
 * cannot be done (422: nothing to redeem, no key). `error` is one line for the caller.
 */
export type SettlementRequestResult =
  | { readonly status: 'ok'; readonly body: unknown }
  | { readonly status: 'invalid' | 'refused'; readonly error: string }

/** One peer's settlement, opened. */
export interface OpenedSettlement {
  /** What the connector settles over with this peer. */
  readonly channel: Channel
  /** The state `GET /settlement` shows for the peer (plain data; amounts as bigint); the app adds `kind`. */
  summary(): object
  /** Stops its timers and closes the channel (redeeming what the peer paid where that is done on close). */
  close(): Promise<void>
  /** The admin requests of `SettlementPlugin.requests`: each takes the parsed JSON body. */
  readonly requests?: Readonly<Record<string, (body: unknown) => Promise<SettlementRequestResult>>>
  /** Value credited without a proof this side checked (trusted-transfer), for the operator's metrics. */
  unproven?(): { readonly count: number; readonly amount: bigint }
}

export interface SettlementPlugin<Config extends SettlementConfig = SettlementConfig> {
  /** The section's `kind`: `sqlite`, `ethereum`, `xrp` … */
  readonly kind: Config['kind']
  /** The admin requests each opened settlement of this kind answers (`POST /settlement/<peer>/<name>`). */
  readonly requests?: readonly string[]
  /**
   * Checks a section whose `kind` is this plug-in's, filling in defaults; records every problem
   * with `context.checker` (unknown fields too) and returns undefined if there was any.
   */
  check(section: ConfigObject, context: SettlementCheckContext): Config | undefined
  /** Opens the peer's settlement; rejects if it cannot work (its chain unreachable, no contract there). */
  open(config: Config, components: SettlementComponents): Promise<OpenedSettlement>
}
