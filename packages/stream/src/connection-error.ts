import { StreamErrorCode } from './error-codes.js'

/** Why a connection or stream closed other than normally (RFC 0029 §5.4 codes), local or remote. */
export class ConnectionError extends Error {
  override readonly name = 'ConnectionError'
  readonly code: number
  /** The other endpoint closed it (its ConnectionClose / StreamClose frame). */
  readonly remote: boolean

  constructor(code: number, message: string, remote = false) {
    super(message || (StreamErrorCode[code] ?? `error code ${code}`))
    this.code = code
    this.remote = remote
  }
}

/** The expected ways a send stops short: returned by `sendTotal`, never thrown. */
export type SendFailureReason =
  | 'exchange-rate-too-low'
  | 'exchange-rate-unknown'
  | 'path-unusable'
  | 'rejected-by-receiver'
  | 'stream-closed'
  | 'connection-closed'
