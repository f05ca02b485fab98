import {
  LinkAbortedError,
  LinkBusyError,
  LinkClosedError,
  LinkNotConnectedError,
  LinkPayloadTooLargeError,
  LinkRemoteError,
  LinkTimeoutError,
  NoHandlerError
} from '@stack/channel-core'
import type { IncomingValue, RequestHandler, ValueHandler } from '@stack/channel-core'
import { BtpCodecError } from './btp-errors.js'
import type { BtpError, BtpFrame, BtpMessage, BtpResponse, BtpTransfer, ProtocolDataEntry } from './btp-frame.js'
import { BtpType, ContentType, MAX_ERROR_DATA_BYTES } from './btp-frame.js'
import { decodeBtpFrame, readBtpHeader } from './decode.js'
import { encodeBtpFrame } from './encode.js'
import { toGeneralizedTime } from './generalized-time.js'
import type { BtpLogger } from './logger.js'

/** The bytes-out side of a connection: a WebSocket, or anything else that frames messages. */
export interface FrameTransport {
  send(frame: Uint8Array): void
  /** Bytes accepted by `send` and not yet written to the network. */
  readonly bufferedAmount: number
}

export interface BtpSessionLimits {
  /** Deadline of a request when the caller gives none. */
  readonly timeoutMs: number
  /** Our requests awaiting an answer; past it `request` rejects with `LinkBusyError` unsent. */
  readonly maxInFlight: number
  /** Peer requests being handled at once; past it the peer gets ERROR T00 at once. */
  readonly maxIncoming: number
  /** Bytes queued on the socket past which `request` rejects with `LinkBusyError('bytes')`. */
  readonly maxBufferedBytes: number
  /** Frames above this size are refused (a request gets ERROR F01). */
  readonly maxFrameBytes: number
  /** Sub-protocol name of value claims in TRANSFER. */
  readonly claimProtocol: string
}

export const DEFAULT_LIMITS: BtpSessionLimits = {
  timeoutMs: 30_000,
  maxInFlight: 10_000,
  maxIncoming: 10_000,
  maxBufferedBytes: 16 << 20,
  maxFrameBytes: 1 << 20,
  claimProtocol: 'claim'
}

/** Counters of what the session refused or ignored; the log says why. */
export interface BtpSessionStats {
  malformedFrames: number
  oversizeFrames: number
  unexpectedResponses: number
  refusedRequests: number
}

interface Pending {
  resolve(frame: BtpResponse): void
  reject(error: Error): void
  timer: ReturnType<typeof setTimeout>
  signal: AbortSignal | undefined
  onAbort: (() => void) | undefined
}

const EMPTY = new Uint8Array(0)
const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** ILP bytes ride as the `ilp` sub-protocol (RFC 0023 §Message). */
export const ILP_PROTOCOL = 'ilp'

export function errorFrame(requestId: number, code: string, name: string, detail: string): BtpError {
  let data = encoder.encode(detail)
  if (data.length > MAX_ERROR_DATA_BYTES) data = data.subarray(0, MAX_ERROR_DATA_BYTES)
  return { type: BtpType.Error, requestId, code, name, triggeredAt: toGeneralizedTime(new Date()), data, protocolData: [] }
}

/**
 * The request/response layer of BTP (RFC 0023 §Flow) over one transport at a time: request-id
 * correlation, deadlines, the in-flight bounds, dispatch of the peer's requests, and the ERROR
 * answers to bad input. It does no I/O of its own: frames go out through the attached
 * `FrameTransport` and come in through `receive`.
 */
export class BtpSession {
  readonly stats: BtpSessionStats = { malformedFrames: 0, oversizeFrames: 0, unexpectedResponses: 0, refusedRequests: 0 }
  requestHandler: RequestHandler | undefined
  valueHandler: ValueHandler | undefined
  #transport: FrameTransport | undefined
  #pending = new Map<number, Pending>()
  #nextId = Math.floor(Math.random() * 0x1_0000_0000)
  #incoming = 0
  #connection = new AbortController()

  constructor(readonly limits: BtpSessionLimits, private readonly log: BtpLogger) {}

  get inFlight(): number {
    return this.#pending.size
  }

  attach(transport: FrameTransport): void {
    this.#transport = transport
    this.#connection = new AbortController()
  }

  /** The transport is gone: every request in flight fails, handlers see their signal fire. */
  detach(error: Error = new LinkClosedError('connection lost')): void {
    this.#transport = undefined
    this.#connection.abort(error)
    const pending = this.#pending
    this.#pending = new Map()
    for (const p of pending.values()) {
      clearTimeout(p.timer)
      p.signal?.removeEventListener('abort', p.onAbort as () => void)
      p.reject(error)
    }
  }

  /** Sends ILP (or any) bytes as a MESSAGE and resolves with the `ilp` data of the RESPONSE. */
  async request(data: Uint8Array, timeoutMs?: number, signal?: AbortSignal): Promise<Uint8Array> {
    const response = await this.call(
      (requestId) => ({
        type: BtpType.Message,
        requestId,
        protocolData: [{ protocolName: ILP_PROTOCOL, contentType: ContentType.ApplicationOctetStream, data }]
      }),
      timeoutMs,
      signal
    )
    const ilp = response.protocolData.find((entry) => entry.protocolName === ILP_PROTOCOL)
    return ilp === undefined ? EMPTY : ilp.data
  }

  /** Sends value as a TRANSFER, with the claim (if any) as the claim sub-protocol. */
  async transfer(amount: bigint, proof: Uint8Array, timeoutMs?: number, signal?: AbortSignal): Promise<void> {
    const protocolData: ProtocolDataEntry[] = proof.length === 0
      ? []
      : [{ protocolName: this.limits.claimProtocol, contentType: ContentType.ApplicationOctetStream, data: proof }]
    await this.call((requestId) => ({ type: BtpType.Transfer, requestId, amount, protocolData }), timeoutMs, signal)
  }

  /** Sends the request `build` makes with a fresh requestId; resolves with the RESPONSE. */
  call(
    build: (requestId: number) => BtpMessage | BtpTransfer,
    timeoutMs = this.limits.timeoutMs,
    signal?: AbortSignal
  ): Promise<BtpResponse> {
    const transport = this.#transport
    if (transport === undefined) return Promise.reject(new LinkNotConnectedError('disconnected'))
    if (signal?.aborted === true) return Promise.reject(new LinkAbortedError(signal.reason))
    if (this.#pending.size >= this.limits.maxInFlight) return Promise.reject(new LinkBusyError(this.limits.maxInFlight))
    if (transport.bufferedAmount > this.limits.maxBufferedBytes) {
      return Promise.reject(new LinkBusyError(this.limits.maxBufferedBytes, 'bytes'))
    }
    const requestId = this.#takeRequestId()
    let bytes: Uint8Array
    try {
      bytes = encodeBtpFrame(build(requestId))
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)))
    }
    if (bytes.length > this.limits.maxFrameBytes) {
      return Promise.reject(new LinkPayloadTooLargeError(bytes.length, this.limits.maxFrameBytes))
    }
    return new Promise<BtpResponse>((resolve, reject) => {
      const pending: Pending = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#settle(requestId)
          reject(new LinkTimeoutError(timeoutMs))
        }, timeoutMs),
        signal,
        onAbort: undefined
      }
      if (signal !== undefined) {
        pending.onAbort = () => {
          this.#settle(requestId)
          reject(new LinkAbortedError(signal.reason))
        }
        signal.addEventListener('abort', pending.onAbort, { once: true })
      }
      this.#pending.set(requestId, pending)
      transport.send(bytes)
    })
  }

  /** One frame from the peer. Never throws: bad input is answered or ignored, and logged. */
  receive(bytes: Uint8Array): void {
    if (bytes.length > this.limits.maxFrameBytes) {
      this.stats.oversizeFrames++
      this.log.warn('frame too large', { size: bytes.length, limit: this.limits.maxFrameBytes })
      this.#refuseUnreadable(bytes, 'F01', 'InvalidFieldsError', `frame: ${bytes.length} bytes exceeds the limit of ${this.limits.maxFrameBytes}`)
      return
    }
    let frame: BtpFrame
    try {
      frame = decodeBtpFrame(bytes, { maxBytes: this.limits.maxFrameBytes })
    } catch (error) {
      this.stats.malformedFrames++
      const message = error instanceof Error ? error.message : String(error)
      this.log.warn('malformed frame', { error: message, field: error instanceof BtpCodecError ? error.field : undefined })
      this.#refuseUnreadable(bytes, 'F01', 'InvalidFieldsError', message)
      return
    }
    switch (frame.type) {
      case BtpType.Response:
      case BtpType.Error:
        this.#onAnswer(frame)
        return
      case BtpType.Message:
        this.#onMessage(frame)
        return
      case BtpType.Transfer:
        this.#onTransfer(frame)
    }
  }

  /** Answers `requestId` (a request we received) on the current transport, if any. */
  answer(frame: BtpResponse | BtpError): void {
    this.#transport?.send(encodeBtpFrame(frame))
  }

  #takeRequestId(): number {
    // RFC 0023 §Flow: no two requests in flight may share a requestId.
    let id = this.#nextId
    while (this.#pending.has(id)) id = (id + 1) >>> 0
    this.#nextId = (id + 1) >>> 0
    return id
  }

  #settle(requestId: number): Pending | undefined {
    const pending = this.#pending.get(requestId)
    if (pending === undefined) return undefined
    this.#pending.delete(requestId)
    clearTimeout(pending.timer)
    if (pending.onAbort !== undefined) pending.signal?.removeEventListener('abort', pending.onAbort)
    return pending
  }

  /**
   * A request we cannot read still gets an ERROR when its header (type and requestId) is
   * readable and says it is a request. RFC 0023 §Flow forbids answering unreadable
   * *responses* (a feedback loop): those, and headerless garbage, are only logged.
   */
  #refuseUnreadable(bytes: Uint8Array, code: string, name: string, detail: string): void {
    const header = readBtpHeader(bytes)
    if (header !== undefined && (header.type === BtpType.Message || header.type === BtpType.Transfer)) {
      this.stats.refusedRequests++
      this.answer(errorFrame(header.requestId, code, name, detail))
    }
  }

  #onAnswer(frame: BtpResponse | BtpError): void {
    const pending = this.#settle(frame.requestId)
    if (pending === undefined) {
      // RFC 0023 §Flow: an unexpected response gets no response, or two peers could loop.
      this.stats.unexpectedResponses++
      this.log.warn('response to no request in flight', { requestId: frame.requestId, type: frame.type })
      return
    }
    if (frame.type === BtpType.Response) pending.resolve(frame)
    else pending.reject(new LinkRemoteError(frame.code, frame.name, decoder.decode(frame.data)))
  }

  #onMessage(frame: BtpMessage): void {
    const primary = frame.protocolData[0]
    if (primary === undefined || primary.protocolName !== ILP_PROTOCOL) {
      this.stats.refusedRequests++
      const name = primary === undefined ? 'none' : primary.protocolName
      this.log.warn('message with unsupported primary sub-protocol', { requestId: frame.requestId, protocol: name })
      this.answer(errorFrame(frame.requestId, 'F00', 'NotAcceptedError', `unsupported sub-protocol: ${name}`))
      return
    }
    const handler = this.requestHandler
    if (handler === undefined) {
      this.answer(errorFrame(frame.requestId, 'T00', 'UnreachableError', new NoHandlerError('data').message))
      return
    }
    if (!this.#admit(frame.requestId)) return
    const requestId = frame.requestId
    const transport = this.#transport
    let reply: Uint8Array | Promise<Uint8Array>
    try {
      reply = handler(primary.data, { signal: this.#connection.signal })
    } catch (error) {
      this.#failed(requestId, transport, error)
      return
    }
    if (reply instanceof Uint8Array) {
      this.#replied(requestId, transport, reply)
      return
    }
    reply.then(
      (data) => this.#replied(requestId, transport, data),
      (error: unknown) => this.#failed(requestId, transport, error)
    )
  }

  #onTransfer(frame: BtpTransfer): void {
    const handler = this.valueHandler
    if (handler === undefined) {
      this.answer(errorFrame(frame.requestId, 'T00', 'UnreachableError', new NoHandlerError('money').message))
      return
    }
    if (!this.#admit(frame.requestId)) return
    const claim = frame.protocolData.find((entry) => entry.protocolName === this.limits.claimProtocol)
    const value: IncomingValue = { amount: frame.amount, proof: claim === undefined ? EMPTY : claim.data }
    const requestId = frame.requestId
    const transport = this.#transport
    Promise.resolve()
      .then(() => handler(value))
      .then(
        () => this.#answered(transport, { type: BtpType.Response, requestId, protocolData: [] }),
        // RFC 0023 §Transfer: an Error means the peer did not credit the transfer.
        (error: unknown) => this.#answered(transport, errorFrame(requestId, 'F00', 'NotAcceptedError', messageOf(error)))
      )
  }

  #admit(requestId: number): boolean {
    if (this.#incoming >= this.limits.maxIncoming) {
      // Past the bound a peer gets a temporary error at once rather than a growing queue.
      this.stats.refusedRequests++
      this.answer(errorFrame(requestId, 'T00', 'UnreachableError', `too many requests in flight (limit ${this.limits.maxIncoming})`))
      return false
    }
    this.#incoming++
    return true
  }

  #replied(requestId: number, transport: FrameTransport | undefined, data: Uint8Array): void {
    this.#answered(transport, {
      type: BtpType.Response,
      requestId,
      protocolData: [{ protocolName: ILP_PROTOCOL, contentType: ContentType.ApplicationOctetStream, data }]
    })
  }

  #failed(requestId: number, transport: FrameTransport | undefined, error: unknown): void {
    this.#answered(transport, errorFrame(requestId, 'T00', 'UnreachableError', messageOf(error)))
  }

  #answered(transport: FrameTransport | undefined, frame: BtpResponse | BtpError): void {
    this.#incoming--
    // The answer belongs to the connection the request came on; after a reconnect it is moot.
    if (transport === undefined || transport !== this.#transport) return
    let bytes: Uint8Array
    try {
      bytes = encodeBtpFrame(frame)
    } catch (error) {
      bytes = encodeBtpFrame(errorFrame(frame.requestId, 'T00', 'UnreachableError', messageOf(error)))
    }
    transport.send(bytes)
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
