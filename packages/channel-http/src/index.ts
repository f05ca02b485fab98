/**
 * @stack/channel-http — ILP over HTTP (RFC 0035): an `HttpLink` that POSTs bytes to the peer
 * and returns the reply, and an `IlpHttpServer` on node:http that hands the peer's POSTs to the
 * link's handler. Interoperates with ilp-plugin-http.
 *
 * ```ts
 * import { HttpLink, IlpHttpServer } from '@stack/channel-http'
 *
 * const server = new IlpHttpServer({ accounts: { alice: 'token-alice-uses' } })
 * await server.listen()
 * const toAlice = new HttpLink({ url: 'http://127.0.0.1:9000/ilp', token: 'token-we-use-at-alice' })
 * server.attach('alice', toAlice)
 * toAlice.setRequestHandler((packet) => packet) // echo what Alice sends
 * await toAlice.connect()
 * const reply = await toAlice.request(new Uint8Array([12, 1, 2]))
 * ```
 */
export { HttpLink, HttpPeerUnreachableError, readBody } from './http-link.js'
export type { HttpLinkOptions } from './http-link.js'
export { IlpHttpServer, tokenAuthenticator } from './http-server.js'
export type { HttpAuthenticator, HttpLogger, IlpHttpServerOptions } from './http-server.js'
export { OCTET_STREAM, isOctetStream } from './media-type.js'
