import { BtpClient } from '@stack/channel-btp'
import type { Channel, Link } from '@stack/channel-core'
import { UsageError } from './exit-codes.js'
import { ildcpFetch, IlpErrorCode, IlpPacketType, sendOverLink, serveOnLink, type IldcpInfo, type IlpReject, type PrepareHandler } from '@stack/ilp-core'

/** A BTP connection to our connector (`--via btp+ws://user:token@host:port`), with what ILDCP told us. */
export interface Uplink {
  /** Carries packets, and value (BTP TRANSFER) for a payment channel's claims. */
  readonly link: Link & Channel
  readonly info: IldcpInfo
  readonly sendPrepare: PrepareHandler
  /** Answers the Prepares the connector forwards to us (a STREAM server). */
  serve(handler: PrepareHandler): void
  /**
   * The path's last word, if it was T04 (a credit limit used up). Only the last: STREAM probes
   * with amounts above any credit line (u64 max first), so an earlier T04 says nothing.
   */
  lastCreditLimit(): IlpReject | undefined
  close(): Promise<void>
}

/** The uplink to use without --via: the shell's, set once (`export STACK_VIA=btp+ws://…`). */
export const VIA_ENV = 'STACK_VIA'

/** `--via`, else $STACK_VIA; a UsageError naming both when neither is set. */
export function viaUrl(via: string | undefined, env: Readonly<Record<string, string | undefined>>, command: string): string {
  const url = via ?? env[VIA_ENV]
  if (url === undefined || url === '') throw new UsageError(`${command} needs --via <btp+ws url> (the connector to go through), or ${VIA_ENV} set to one`)
  return url
}

/** Thrown when the connector cannot be reached or does not answer ILDCP. */
export class UplinkError extends Error {
  override readonly name = 'UplinkError'
}

/** `reconnect`: keep dialing after the connector goes away (a receiver), instead of failing (a payer). */
export async function connectUplink(url: string, options: { reconnect?: boolean } = {}): Promise<Uplink> {
  let link: BtpClient
  try {
    link = new BtpClient({ url, reconnect: options.reconnect === true ? { initialDelayMs: 200, maxDelayMs: 5_000 } : false })
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
  const send = sendOverLink(link, { triggeredBy, peer: 'connector' })
  // Rejects from the path, not the receiver's F99 / F04 (STREAM's own answers).
  let lastPathReject: IlpReject | undefined
  return {
    link,
    info,
    sendPrepare: async (prepare) => {
      const reply = await send(prepare)
      if (reply.type === IlpPacketType.Reject && reply.code !== IlpErrorCode.F99_APPLICATION_ERROR && reply.code !== IlpErrorCode.F04_INSUFFICIENT_DESTINATION_AMOUNT) lastPathReject = reply
      return reply
    },
    lastCreditLimit: () => (lastPathReject?.code === IlpErrorCode.T04_INSUFFICIENT_LIQUIDITY ? lastPathReject : undefined),
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

/** Why a payment stopped when a connector ran out of credit for us: its T04, in a sentence. */
export function creditLimitMessage(reject: IlpReject): string {
  return `a credit limit is used up at ${reject.triggeredBy === '' ? 'a connector on the path' : reject.triggeredBy}${reject.message === '' ? '' : `: ${reject.message}`}`
}
