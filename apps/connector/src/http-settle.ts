import type { ClaimCarrierOptions, IncomingValue, Link, RequestHandler, RequestOptions, ValueHandler } from '@stack/channel-core'
import type { HttpLink } from '@stack/channel-http'
import {
  decodePrepare,
  decodeReply,
  encodePrepare,
  encodeReply,
  IlpErrorCode,
  IlpPacketType,
  isPrepareTo,
  MAX_UINT64,
  PEER_PROTOCOL_CONDITION,
  PEER_PROTOCOL_FULFILLMENT,
  type IlpReply,
} from '@stack/ilp-core'

/**
 * A payment channel's messages over ILP over HTTP, which has no TRANSFER: each one is a Prepare
 * of amount 0 to `peer.settle` with the peer-protocol condition (RFC 0038 §"Exchanging messages
 * between engines"), fulfilled when the peer took it, rejected when it refused it. Its data is
 * ours: the amount the message carries (UInt64, big-endian; 0 for a message moving no value)
 * then the channel's proof, opaque here. The peer answers within the HTTP request, so `sendValue`
 * resolves once the peer credited the value, as over BTP.
 */
export const SETTLE_DESTINATION = 'peer.settle'

/** The peer refused a `peer.settle` message (its Reject's code and message). */
export class HttpSettlementRefusedError extends Error {
  override readonly name = 'HttpSettlementRefusedError'
  constructor(readonly code: string, readonly reason: string) {
    super(`the peer refused the settlement message: ${code} ${reason}`)
  }
}

const DEFAULT_TIMEOUT_MS = 30_000

/** An HTTP peer's link that also carries its channel's messages (a ClaimCarrier, as BTP's links are). */
export class HttpSettleLink implements Link {
  #handler: ValueHandler | undefined

  constructor(readonly http: HttpLink) {}

  get state(): Link['state'] {
    return this.http.state
  }

  connect(): Promise<void> {
    return this.http.connect()
  }

  close(): Promise<void> {
    return this.http.close()
  }

  request(data: Uint8Array, options?: RequestOptions): Promise<Uint8Array> {
    return this.http.request(data, options)
  }

  onStateChange(listener: Parameters<Link['onStateChange']>[0]): () => void {
    return this.http.onStateChange(listener)
  }

  setRequestHandler(handler: RequestHandler | undefined): void {
    this.http.setRequestHandler(handler && ((bytes, options) => (isPrepareTo(bytes, SETTLE_DESTINATION) ? this.#receive(bytes) : handler(bytes, options))))
  }

  async sendValue(amount: bigint, options: ClaimCarrierOptions = { proof: new Uint8Array(0) }): Promise<void> {
    // setBigUint64 would wrap a value outside UInt64 silently: the peer would read another amount.
    if (amount < 0n || amount > MAX_UINT64) throw new RangeError(`a settlement message carries a UInt64 amount, not ${amount}`)
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
    const data = new Uint8Array(8 + options.proof.length)
    new DataView(data.buffer).setBigUint64(0, amount)
    data.set(options.proof, 8)
    const prepare = encodePrepare({ amount: 0n, destination: SETTLE_DESTINATION, executionCondition: PEER_PROTOCOL_CONDITION, expiresAt: new Date(Date.now() + timeoutMs), data })
    const reply = decodeReply(await this.http.request(prepare, { timeoutMs, ...(options.signal === undefined ? {} : { signal: options.signal }) }))
    if (reply.type === IlpPacketType.Reject) throw new HttpSettlementRefusedError(reply.code, reply.message)
  }

  setValueHandler(handler: ValueHandler | undefined): void {
    this.#handler = handler
  }

  async #receive(bytes: Uint8Array): Promise<Uint8Array> {
    let value: IncomingValue
    try {
      const prepare = decodePrepare(bytes)
      if (prepare.data.length < 8) return refuse(IlpErrorCode.F01_INVALID_PACKET, 'a settlement message starts with its amount (8 bytes)')
      // Its value is the channel's, not ILP's: an amount here would be money the books never see.
      if (prepare.amount !== 0n) return refuse(IlpErrorCode.F01_INVALID_PACKET, 'a settlement message is a Prepare of amount 0')
      if (prepare.expiresAt.getTime() <= Date.now()) return refuse(IlpErrorCode.R00_TRANSFER_TIMED_OUT, 'expired')
      value = { amount: new DataView(prepare.data.buffer, prepare.data.byteOffset).getBigUint64(0), proof: prepare.data.subarray(8) }
    } catch (error) {
      return refuse(IlpErrorCode.F01_INVALID_PACKET, (error as Error).message)
    }
    const handler = this.#handler
    if (handler === undefined) return refuse(IlpErrorCode.F02_UNREACHABLE, 'no payment channel with this peer here')
    try {
      await handler(value)
    } catch (error) {
      // RFC 0023 §Transfer's rule, kept here: refused, the value is not credited.
      return refuse(IlpErrorCode.F99_APPLICATION_ERROR, `${(error as Error).name}: ${(error as Error).message}`)
    }
    return encodeReply({ type: IlpPacketType.Fulfill, fulfillment: PEER_PROTOCOL_FULFILLMENT, data: new Uint8Array(0) })
  }
}

function refuse(code: string, message: string): Uint8Array {
  const reply: IlpReply = { type: IlpPacketType.Reject, code, triggeredBy: SETTLE_DESTINATION, message, data: new Uint8Array(0) }
  return encodeReply(reply)
}
