import { ildcpFetch, type PrepareHandler, type Asset } from '@stack/ilp-core'

/** RFC 0031 ILDCP through a PrepareHandler: our address and asset, from the parent. */
export async function fetchAccountDetails(sendPrepare: PrepareHandler): Promise<{ address: string; asset: Asset }> {
  const info = await ildcpFetch(sendPrepare)
  return { address: info.clientAddress, asset: { code: info.assetCode, scale: info.assetScale } }
}
