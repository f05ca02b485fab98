import { StreamErrorCode } from './wire/error-codes.js'

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
  /** The receiver's limit (StreamMaxMoney) leaves no room, and its answer to StreamMoneyBlocked kept it so. */
  | 'receiver-limit'
  /** The stream's ID is past the peer's maximum (RFC 0029 §4.4.1), and its answer to ConnectionStreamIdBlocked kept it so. */
  | 'stream-id-limit'
  | 'rejected-by-receiver'
  | 'stream-closed'
  | 'connection-closed'

/** Why no exchange rate could be measured (RFC 0029 §3.4). */
export type RateProbeFailure =
  /** No probe large enough to measure a rate got the receiver's reply (no route, a wrong secret, a failing path). */
  | 'unreachable'
  /** Probes arrived, and the largest amount the path carries delivered nothing too. */
  | 'rate-rounds-to-zero'
  | 'connection-closed'

/** `createConnection` could not measure the path's exchange rate. */
export class RateProbeError extends Error {
  override readonly name = 'RateProbeError'
  readonly reason: RateProbeFailure

  constructor(reason: RateProbeFailure, message: string) {
    super(message)
    this.reason = reason
  }
}
