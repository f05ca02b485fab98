import { randomBytes } from 'node:crypto'
import type { Link } from '@stack/channel-core'
import { serveOnLink, type Asset } from '@stack/ilp-core'
import { spspReceiver, SpspServer, type QuerySpspOptions } from '@stack/spsp'
import { createServer } from '@stack/stream'

/** Bob as both demos run him: a STREAM receiver behind an SPSP server for `$bob.wallet.test`. */
export interface Payee {
  readonly pointer: string
  /** The local SPSP server's URL. */
  readonly url: string
  /** What a payer queries the pointer with: https://bob.wallet.test mapped to the local server. */
  readonly spsp: QuerySpspOptions
  close(): Promise<void>
}

/**
 * Answers the Prepares on `link` (Bob's link to his connector, at `address`) with a STREAM
 * server in `asset`, and serves its SPSP endpoint on loopback. A payment pointer resolves over
 * https (RFC 0026); loopback has no DNS or TLS for bob.wallet.test, so queries are sent to the
 * local server instead.
 */
export async function servePayee(link: Link, address: string, asset: Asset): Promise<Payee> {
  const stream = await createServer({ serverSecret: randomBytes(32), serverAddress: address, assetDetails: asset })
  link.setRequestHandler(serveOnLink((prepare) => stream.handlePrepare(prepare), { triggeredBy: address }))
  const server = new SpspServer({ endpoints: { '/.well-known/pay': spspReceiver({ streamServer: stream }) } })
  await server.listen()
  const local = server.url.replace(/\/$/, '')
  return {
    pointer: '$bob.wallet.test',
    url: server.url,
    spsp: { fetch: (input, init) => fetch(String(input).replace('https://bob.wallet.test', local), init) },
    close: () => server.close(),
  }
}
