/**
 * `peers[].settlement`: how value moves to and from a peer, over its link: a BTP peer's
 * TRANSFER, an HTTP peer's `peer.settle` Prepares (http-settle.ts). Its `kind` names one of the
 * plug-ins of settlement-plugins.ts, which checks the rest of the section: a payment channel
 * kind, where each message carries a claim the receiver verifies and only its proven growth is
 * credited, or `trusted-transfer`, the operator's opt-in to credit plain amounts. A peer
 * without `settlement` never moves a balance that way.
 */
import { describeValue, type ConfigChecker, type ConfigObject, type SettlementConfig } from '@stack/channel-core'
import { resolveFrom } from './config-checker.js'
import { SETTLEMENT_PLUGINS } from './settlement-plugins.js'

export type { SettlementConfig } from '@stack/channel-core'

export const SETTLEMENT_KINDS: readonly string[] = SETTLEMENT_PLUGINS.map((plugin) => plugin.kind)

export interface SettlementContext {
  /** Relative store and ledger files are taken from here. */
  configDir: string | undefined
  /** The peer's asset (amounts on the channel are its base units). */
  asset: { code: string; scale: number } | undefined
}

export function checkSettlement(c: ConfigChecker, value: unknown, path: string, context: SettlementContext): SettlementConfig | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return c.fail(path, `must be an object, got ${describeValue(value)}`)
  const kind = c.oneOf((value as ConfigObject).kind, `${path}.kind`, SETTLEMENT_KINDS)
  const plugin = SETTLEMENT_PLUGINS.find((candidate) => candidate.kind === kind)
  if (plugin === undefined) return undefined
  const file = (field: unknown, at: string): string | undefined => {
    const name = c.string(field, at)
    return name === undefined ? undefined : resolveFrom(context.configDir, name)
  }
  return plugin.check(value as ConfigObject, { checker: c, path, asset: context.asset, file })
}
