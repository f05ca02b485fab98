/** The server refused the client's credentials (RFC 0023 §Authentication). Final: not retried. */
export class BtpAuthError extends Error {
  override readonly name = 'BtpAuthError'
  constructor(readonly code: string, readonly detail: string) {
    super(`authentication refused: ${code} ${detail}`)
  }
}
