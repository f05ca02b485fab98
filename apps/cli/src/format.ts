import { formatAssetAmount, type ProbedRate } from '@stack/spsp'
import type { Asset } from '@stack/ilp-core'

/** `12.34 USD` (or the bare units when the asset is unknown). */
export function money(amount: bigint, asset: Asset | undefined): string {
  return asset === undefined ? `${amount} units` : `${formatAssetAmount(amount, asset.scale)} ${asset.code}`
}

/** The JSON shape of an amount: exact decimal and integer units as strings, never JS numbers. */
export function moneyJson(amount: bigint, asset: Asset | undefined): Record<string, unknown> {
  return asset === undefined
    ? { units: amount.toString() }
    : { amount: formatAssetAmount(amount, asset.scale), units: amount.toString(), assetCode: asset.code, assetScale: asset.scale }
}

/**
 * A rate in the assets' units (receiver's asset per ours), to `digits` decimals, rounded down.
 * Without the receiver's asset, in smallest units.
 */
export function rateText(rate: { numerator: bigint; denominator: bigint }, source: Asset, destination: Asset | undefined, digits = 6): string {
  const shift = destination === undefined ? 0 : source.scale - destination.scale
  let numerator = rate.numerator * 10n ** BigInt(digits)
  let denominator = rate.denominator
  if (shift > 0) numerator *= 10n ** BigInt(shift)
  else denominator *= 10n ** BigInt(-shift)
  const text = formatAssetAmount(numerator / denominator, digits).replace(/\.?0+$/, '')
  return destination === undefined ? `${text} units per unit` : `${text} ${destination.code}/${source.code}`
}

export function probed(rate: ProbedRate): { numerator: bigint; denominator: bigint } {
  return { numerator: rate.delivered, denominator: rate.sent }
}

export const json = (value: unknown): string => JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))
