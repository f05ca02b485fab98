import { ildcpFetch, type PrepareHandler } from '@stack/ilp-core'
import type { AssetDetails } from './connection-core.js'

/** RFC 0031 ILDCP through a PrepareHandler: our address and asset, from the parent. */
export async function fetchAccountDetails(sendPrepare: PrepareHandler): Promise<{ address: string; asset: AssetDetails }> {
  const info = await ildcpFetch(sendPrepare)
  return { address: info.clientAddress, asset: { code: info.assetCode, scale: info.assetScale } }
}
