import type { Server } from '@stack/stream'
import type { SpspGenerator } from './spsp-server.js'

export interface SpspReceiverOptions {
  /** The STREAM server whose credentials the endpoint hands out. */
  readonly streamServer: Server
  /** Tags each connection (RFC 0029 connection tag): e.g. the path, to tell receivers apart. */
  readonly connectionTag?: (path: string) => string | undefined
}

/**
 * The SPSP generator of a STREAM server (RFC 0009): every query gets a fresh address and
 * shared secret; RFC 0039 receipt parameters, when a Verifier sent them, are sealed into the
 * address and `receipts_enabled` says so. Give it to createSpspHandler or SpspServer.
 */
export function spspReceiver(options: SpspReceiverOptions): SpspGenerator {
  const { streamServer, connectionTag } = options
  return ({ path, receipt }) => {
    const tag = connectionTag?.(path)
    const details = streamServer.generateAddressAndSecret({
      ...(tag === undefined ? {} : { connectionTag: tag }),
      ...(receipt === undefined ? {} : { receiptNonce: receipt.nonce, receiptSecret: receipt.secret }),
    })
    return { destinationAccount: details.destinationAccount, sharedSecret: details.sharedSecret, receiptsEnabled: details.receiptsEnabled }
  }
}
