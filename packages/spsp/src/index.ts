/**
 * @stack/spsp — payment pointers (RFC 0026) and the Simple Payment Setup Protocol
 * (RFC 0009, with RFC 0039's receipt parameters): resolve a pointer, query its endpoint
 * for STREAM credentials, or serve such an endpoint. Paying over STREAM is built on this.
 *
 * ```ts
 * import { querySpsp, SpspServer, SpspError } from '@stack/spsp'
 * import { randomBytes } from 'node:crypto'
 *
 * const server = new SpspServer({
 *   endpoints: {
 *     '/alice': () => ({ destinationAccount: 'test.receiver.alice', sharedSecret: randomBytes(32) }),
 *   },
 * })
 * await server.listen() // 127.0.0.1, any free port
 *
 * try {
 *   // `$wallet.example/alice` → https://wallet.example/alice; http only when allowed.
 *   const { destinationAccount, sharedSecret } = await querySpsp(`${server.url}/alice`, { allowInsecure: true })
 * } catch (error) {
 *   if (error instanceof SpspError) console.error(error.message) // typed: see errors.ts
 * }
 * await server.close()
 * ```
 */
export {
  SpspError,
  InvalidPaymentPointerError,
  SpspResponseError,
  SpspUnreachableError,
  SpspHttpError,
  SpspContentTypeError,
  SpspRedirectError,
  SpspTimeoutError,
  SpspAbortedError,
} from './errors.js'
export type { InvalidPaymentPointerReason, SpspRedirectFailure, SpspQueryError } from './errors.js'
export { parsePaymentPointer, resolveSpspEndpoint } from './payment-pointer.js'
export type { PaymentPointer, ResolveOptions } from './payment-pointer.js'
export {
  parseSpspResponse,
  formatSpspResponse,
  SPSP_CONTENT_TYPE,
  SPSP_LEGACY_CONTENT_TYPE,
  SHARED_SECRET_LENGTH,
} from './spsp-response.js'
export type { SpspResponse, SpspResponseJson } from './spsp-response.js'
export {
  querySpsp,
  parseCacheControl,
  SPSP_ACCEPT,
  DEFAULT_QUERY_TIMEOUT_MS,
  DEFAULT_MAX_REDIRECTS,
  MAX_RESPONSE_BYTES,
} from './spsp-query.js'
export type { QuerySpspOptions, SpspQueryResult, SpspCacheControl } from './spsp-query.js'
export { createSpspHandler, SpspServer } from './spsp-server.js'
export type {
  SpspDetails,
  SpspReceiptParams,
  SpspRequestContext,
  SpspGenerator,
  SpspLog,
  SpspHandlerOptions,
  SpspRequestHandler,
  SpspServerOptions,
} from './spsp-server.js'
export { QuoteError } from './errors.js'
export type { QuoteFailure } from './errors.js'
export { resolve, quote } from './quote.js'
export type { Quote, QuoteOptions } from './quote.js'
export { pay } from './pay.js'
export type { PayOptions, PaymentProgress, PaymentResult, PaymentFailure } from './pay.js'
export { formatAssetAmount, parseAssetAmount, parseDecimal, parseSlippage, quoteAmounts } from './payment-amounts.js'
export type { PaymentTarget, ProbedRate, QuoteAmounts, Ratio } from './payment-amounts.js'
export { spspReceiver } from './spsp-receiver.js'
export type { SpspReceiverOptions } from './spsp-receiver.js'
