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
import type { IncomingRequestContext, IncomingValue, RequestHandler, ValueHandler } from '@stack/channel-core'
import { BtpCodecError } from './btp-errors.js'
import type { BtpError, BtpFrame, BtpMessage, BtpResponse, BtpTransfer, ProtocolDataEntry } from './btp-frame.js'
import { BtpType, ContentType } from './btp-frame.js'
import { decodeBtpFrame, readBtpHeader, readIlpFrame, type IlpFrame } from './decode.js'
import { encodeBtpFrame, encodeIlpFrame } from './encode.js'
import type { BtpLogger } from './logger.js'
import { errorFrame, ILP_PROTOCOL, type BtpSessionLimits, type BtpSessionStats, type FrameTransport } from './session-contract.js'

interface Pending {
  /** With the `ilp` data of the RESPONSE (`request`), or the RESPONSE itself (`call`). */
  resolve(answer: Uint8Array | BtpResponse): void
  reject(error: Error): void
  readonly ilp: boolean
  /** `performance.now()` past which the request fails with LinkTimeoutError. */
  readonly deadline: number
  readonly timeoutMs: number
  readonly signal: AbortSignal | undefined
  onAbort: (() => void) | undefined
}

const EMPTY = new Uint8Array(0)
/** Least time between two scans of the deadlines (see `#armDeadline`). */
const RESCAN_MS = 10
const decoder = new TextDecoder()

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
  #timer: ReturnType<typeof setTimeout> | undefined
  #timerAt = Infinity
  #nextId = Math.floor(Math.random() * 0x1_0000_0000)
  #incoming = 0
  #connection = new AbortController()
  /** What each request handler is given: one object per connection. */
  #context: IncomingRequestContext = { signal: this.#connection.signal }

  constructor(readonly limits: BtpSessionLimits, private readonly log: BtpLogger) {}

  get inFlight(): number {
    return this.#pending.size
  }

  attach(transport: FrameTransport): void {
    this.#transport = transport
    this.#connection = new AbortController()
    this.#context = { signal: this.#connection.signal }
  }

  /** The transport is gone: every request in flight fails, handlers see their signal fire. */
  detach(error: Error = new LinkClosedError('connection lost')): void {
    this.#transport = undefined
    this.#connection.abort(error)
    const pending = this.#pending
    this.#pending = new Map()
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#timerAt = Infinity
    for (const p of pending.values()) {
      p.signal?.removeEventListener('abort', p.onAbort as () => void)
      p.reject(error)
    }
  }

  /** Sends ILP (or any) bytes as a MESSAGE and resolves with the `ilp` data of the RESPONSE. */
  request(data: Uint8Array, timeoutMs = this.limits.timeoutMs, signal?: AbortSignal): Promise<Uint8Array> {
    const refused = this.#refusal(signal)
    if (refused !== undefined) return Promise.reject(refused)
    const requestId = this.#takeRequestId()
    return this.#send(requestId, encodeIlpFrame(BtpType.Message, requestId, data), true, timeoutMs, signal) as Promise<Uint8Array>
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
    const refused = this.#refusal(signal)
    if (refused !== undefined) return Promise.reject(refused)
    const requestId = this.#takeRequestId()
    let bytes: Uint8Array
    try {
      bytes = encodeBtpFrame(build(requestId))
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)))
    }
    return this.#send(requestId, bytes, false, timeoutMs, signal) as Promise<BtpResponse>
  }

  /** Why a request cannot be sent now, if it cannot. */
  #refusal(signal: AbortSignal | undefined): Error | undefined {
    const transport = this.#transport
    if (transport === undefined) return new LinkNotConnectedError('disconnected')
    if (signal?.aborted === true) return new LinkAbortedError(signal.reason)
    if (this.#pending.size >= this.limits.maxInFlight) return new LinkBusyError(this.limits.maxInFlight)
    if (transport.bufferedAmount > this.limits.maxBufferedBytes) return new LinkBusyError(this.limits.maxBufferedBytes, 'bytes')
    return undefined
  }

  #send(requestId: number, bytes: Uint8Array, ilp: boolean, timeoutMs: number, signal: AbortSignal | undefined): Promise<Uint8Array | BtpResponse> {
    if (bytes.length > this.limits.maxFrameBytes) {
      return Promise.reject(new LinkPayloadTooLargeError(bytes.length, this.limits.maxFrameBytes))
    }
    const transport = this.#transport as FrameTransport
    return new Promise((resolve, reject) => {
      const pending: Pending = { resolve, reject, ilp, deadline: performance.now() + timeoutMs, timeoutMs, signal, onAbort: undefined }
      if (signal !== undefined) {
        pending.onAbort = () => {
          this.#settle(requestId)
          reject(new LinkAbortedError(signal.reason))
        }
        signal.addEventListener('abort', pending.onAbort, { once: true })
      }
      this.#pending.set(requestId, pending)
      this.#armDeadline(pending.deadline)
      transport.send(bytes)
    })
  }

  /**
   * One timer for every deadline instead of one per request (a timer per packet was a visible
   * share of a connector's time): it is armed at or before the earliest deadline in flight,
   * and, firing, fails the requests past theirs and arms for the earliest left. Answered
   * requests leave it alone, so with like timeouts it fires about once per timeout. Each firing
   * scans the requests in flight, so after one it waits at least RESCAN_MS for the next: a
   * stalled peer with thousands in flight costs a few scans a second, and its requests fail up
   * to that much late. It does not hold the process open: the connection the requests wait on does.
   */
  #armDeadline(deadline: number, notBefore = 0): void {
    if (deadline >= this.#timerAt) return
    clearTimeout(this.#timer)
    this.#timerAt = deadline
    const now = performance.now()
    this.#timer = setTimeout(this.#expire, Math.max(1, Math.ceil(deadline - now), notBefore))
    this.#timer.unref()
  }

  readonly #expire = (): void => {
    this.#timer = undefined
    this.#timerAt = Infinity
    const now = performance.now()
    let next = Infinity
    for (const [requestId, pending] of this.#pending) {
      if (pending.deadline > now) {
        if (pending.deadline < next) next = pending.deadline
        continue
      }
      this.#settle(requestId)
      pending.reject(new LinkTimeoutError(pending.timeoutMs))
    }
    if (next !== Infinity) this.#armDeadline(next, RESCAN_MS)
  }

  /** One frame from the peer. Never throws: bad input is answered or ignored, and logged. */
  receive(bytes: Uint8Array): void {
    if (bytes.length > this.limits.maxFrameBytes) {
      this.stats.oversizeFrames++
      this.log.warn('frame too large', { size: bytes.length, limit: this.limits.maxFrameBytes })
      this.#refuseUnreadable(bytes, 'F01', 'InvalidFieldsError', `frame: ${bytes.length} bytes exceeds the limit of ${this.limits.maxFrameBytes}`)
      return
    }
    const ilp = readIlpFrame(bytes)
    if (ilp !== undefined) {
      if (ilp.type === BtpType.Message) this.#onIlpRequest(ilp.requestId, ilp.data)
      else this.#onAnswer(ilp.requestId, undefined, ilp)
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
        this.#onAnswer(frame.requestId, frame, undefined)
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

  /** An answer: the frame, or a RESPONSE as `readIlpFrame` read it. */
  #onAnswer(requestId: number, frame: BtpResponse | BtpError | undefined, ilp: IlpFrame | undefined): void {
    const pending = this.#settle(requestId)
    if (pending === undefined) {
      // RFC 0023 §Flow: an unexpected response gets no response, or two peers could loop.
      this.stats.unexpectedResponses++
      this.log.warn('response to no request in flight', { requestId, type: frame?.type ?? BtpType.Response })
      return
    }
    if (frame === undefined) {
      const { contentType, data } = ilp as IlpFrame
      pending.resolve(pending.ilp ? data : { type: BtpType.Response, requestId, protocolData: [{ protocolName: ILP_PROTOCOL, contentType, data }] })
    } else if (frame.type === BtpType.Response) {
      pending.resolve(pending.ilp ? ilpData(frame) : frame)
    } else {
      pending.reject(new LinkRemoteError(frame.code, frame.name, decoder.decode(frame.data)))
    }
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
    this.#onIlpRequest(frame.requestId, primary.data)
  }

  /** A MESSAGE whose primary sub-protocol is `ilp`: to the request handler. */
  #onIlpRequest(requestId: number, data: Uint8Array): void {
    const handler = this.requestHandler
    if (handler === undefined) {
      this.answer(errorFrame(requestId, 'T00', 'UnreachableError', new NoHandlerError('data').message))
      return
    }
    if (!this.#admit(requestId)) return
    const transport = this.#transport
    let reply: Uint8Array | Promise<Uint8Array>
    try {
      reply = handler(data, this.#context)
    } catch (error) {
      this.#failed(requestId, transport, error)
      return
    }
    if (reply instanceof Uint8Array) {
      this.#answered(transport, requestId, reply)
      return
    }
    reply.then(
      (data) => this.#answered(transport, requestId, data),
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
        () => this.#answered(transport, requestId, { type: BtpType.Response, requestId, protocolData: [] }),
        // RFC 0023 §Transfer: an Error means the peer did not credit the transfer.
        (error: unknown) => this.#answered(transport, requestId, errorFrame(requestId, 'F00', 'NotAcceptedError', messageOf(error)))
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

  #failed(requestId: number, transport: FrameTransport | undefined, error: unknown): void {
    this.#answered(transport, requestId, errorFrame(requestId, 'T00', 'UnreachableError', messageOf(error)))
  }

  /** Answers a request of the peer: a frame, or the `ilp` data of a RESPONSE. */
  #answered(transport: FrameTransport | undefined, requestId: number, answer: BtpResponse | BtpError | Uint8Array): void {
    this.#incoming--
    // The answer belongs to the connection the request came on; after a reconnect it is moot.
    if (transport === undefined || transport !== this.#transport) return
    let bytes: Uint8Array
    try {
      bytes = answer instanceof Uint8Array ? encodeIlpFrame(BtpType.Response, requestId, answer) : encodeBtpFrame(answer)
    } catch (error) {
      bytes = encodeBtpFrame(errorFrame(requestId, 'T00', 'UnreachableError', messageOf(error)))
    }
    transport.send(bytes)
  }
}

/** The `ilp` data of a RESPONSE (empty without one). */
function ilpData(frame: BtpResponse): Uint8Array {
  const ilp = frame.protocolData.find((entry) => entry.protocolName === ILP_PROTOCOL)
  return ilp === undefined ? EMPTY : ilp.data
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
