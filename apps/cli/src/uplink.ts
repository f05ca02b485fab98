import { BtpClient } from '@stack/channel-btp'
import type { Link } from '@stack/channel-core'
import { ildcpFetch, sendOverLink, serveOnLink, type IldcpInfo, type PrepareHandler } from '@stack/ilp-core'

/** A BTP connection to our connector (`--via btp+ws://user:token@host:port`), with what ILDCP told us. */
export interface Uplink {
  readonly link: Link
  readonly info: IldcpInfo
  readonly sendPrepare: PrepareHandler
  /** Answers the Prepares the connector forwards to us (a STREAM server). */
  serve(handler: PrepareHandler): void
  close(): Promise<void>
}

/** Thrown when the connector cannot be reached or does not answer ILDCP. */
export class UplinkError extends Error {
  override readonly name = 'UplinkError'
}

export async function connectUplink(url: string): Promise<Uplink> {
  let link: BtpClient
  try {
    link = new BtpClient({ url, reconnect: false })
  } catch (error) {
    throw new UplinkError(`--via ${redact(url)}: ${error instanceof Error ? error.message : String(error)}`)
  }
  try {
    await link.connect()
  } catch (error) {
    await link.close().catch(() => undefined)
    throw new UplinkError(`cannot connect to the connector at ${redact(url)}: ${error instanceof Error ? error.message : String(error)}`)
  }
  let info: IldcpInfo
  try {
    // RFC 0031: our address and asset, from the connector.
    info = await ildcpFetch(sendOverLink(link, { triggeredBy: '', peer: 'connector' }))
  } catch (error) {
    await link.close().catch(() => undefined)
    throw new UplinkError(`the connector at ${redact(url)} did not answer ILDCP: ${error instanceof Error ? error.message : String(error)}`)
  }
  const triggeredBy = info.clientAddress
  return {
    link,
    info,
    sendPrepare: sendOverLink(link, { triggeredBy, peer: 'connector' }),
    serve: (handler) => link.setRequestHandler(serveOnLink((prepare) => handler(prepare), { triggeredBy })),
    close: () => link.close(),
  }
}

/** The URL without its token, for messages. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password !== '') parsed.password = '***'
    return parsed.href
  } catch {
    return '(not a URL)'
  }
}
