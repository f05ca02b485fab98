import { MAX_UINT64 } from '@stack/ilp-core'
import { ConnectionError, type SendFailureReason } from './connection-error.js'
import { StreamErrorCode } from './wire/error-codes.js'
import { Emitter } from './emitter.js'
import type { StreamState } from './stream-state.js'

/** How a `sendTotal` ended: an expected outcome, never an exception. Amounts are final (nothing in flight). */
export type SendOutcome =
  | { type: 'sent'; totalSent: bigint; totalDelivered: bigint }
  | { type: 'failed'; reason: SendFailureReason; totalSent: bigint; totalDelivered: bigint }

export interface StreamEvents {
  [event: string]: unknown[]
  /** Money arrived on this stream, our units. */
  money: [amount: bigint]
  /** Bytes arrived, in order. Without a listener they wait for the async iterator. */
  data: [chunk: Uint8Array]
  /** RFC 0039: the receiver's latest receipt for this stream. */
  receipt: [receipt: Uint8Array]
  /** The other side closed its half: no more money or data will arrive. */
  end: []
  /** Both halves closed; `error` if either closed it with one. */
  close: [error: ConnectionError | undefined]
}

/** What a stream needs from its connection's shell. */
export interface StreamHost {
  poke(): void
  consumed(state: StreamState, bytes: number): void
  endStream(state: StreamState, code: number, message: string): void
  destroyStream(state: StreamState, code: number, message: string): void
  resumeSend(state: StreamState): void
  setSendMax(state: StreamState, amount: bigint): void
  setReceiveMax(state: StreamState, amount: bigint): void
  /** Returns the offset the bytes' end will have. */
  write(state: StreamState, bytes: Uint8Array): number
}

interface SendWaiter {
  target: bigint
  resolve: (outcome: SendOutcome) => void
}

interface WriteWaiter {
  end: number
  resolve: () => void
  reject: (error: Error) => void
}

/**
 * A STREAM stream (RFC 0029 §4.4): money and bytes both ways, with the application's
 * limits. A thin shell over StreamState; the connection moves the packets.
 */
export class Stream extends Emitter<StreamEvents> implements AsyncIterable<Uint8Array> {
  private readonly state: StreamState
  private readonly host: StreamHost
  private sendWaiters: SendWaiter[] = []
  private writeWaiters: WriteWaiter[] = []
  private readonly chunks: Uint8Array[] = []
  private reader: (() => void) | undefined
  private ended = false
  private closedWith: { error: ConnectionError | undefined } | undefined
  /** end() callers, resolved once our half is closed. */
  private readonly endWaiters: Array<() => void> = []

  /** @internal */
  constructor(state: StreamState, host: StreamHost) {
    super()
    this.state = state
    this.host = host
  }

  get id(): number {
    return this.state.id
  }

  /** Source units fulfilled on this stream. */
  get totalSent(): bigint {
    return this.state.totalSent
  }

  /** Destination units the receiver reported for this stream's fulfilled packets. */
  get totalDelivered(): bigint {
    return this.state.totalDelivered
  }

  /** Source units in Prepares awaiting a reply. */
  get inFlight(): bigint {
    return this.state.inFlight
  }

  get sendMax(): bigint {
    return this.state.sendMax
  }

  get totalReceived(): bigint {
    return this.state.totalReceived
  }

  get receiveMax(): bigint {
    return this.state.receiveMax
  }

  /** RFC 0039: the latest receipt the receiver attached (verify it with `verifyReceipt` and the receipt secret). */
  get receipt(): Uint8Array | undefined {
    return this.state.receipt
  }

  get closed(): boolean {
    return this.closedWith !== undefined
  }

  /** @internal The application awaits something of this stream. */
  get waiting(): boolean {
    return this.sendWaiters.length > 0 || this.writeWaiters.length > 0 || this.endWaiters.length > 0 || this.reader !== undefined
  }

  /**
   * The receiver's limit for this stream, its units (RFC 0029 §5.3.9 StreamMaxMoney), and
   * what it said it has received; `receiveMax` is undefined until it sets a limit.
   */
  get remoteLimit(): { receiveMax: bigint | undefined; totalReceived: bigint } {
    const { remoteReceiveMax, remoteTotalReceived } = this.state
    return { receiveMax: remoteReceiveMax === MAX_UINT64 ? undefined : remoteReceiveMax, totalReceived: remoteTotalReceived }
  }

  /**
   * Allows sending up to `amount` in total on this stream (source units). Never more goes
   * out: `totalSent + inFlight ≤ sendMax` at all times. Lowering it stops further packets.
   */
  setSendMax(amount: bigint): void {
    if (typeof amount !== 'bigint' || amount < 0n) throw new RangeError(`sendMax must be a non-negative bigint, got ${String(amount)}`)
    this.host.setSendMax(this.state, amount)
    this.host.poke()
  }

  /**
   * Sends until `totalSent` reaches `amount`; resolves with the outcome once nothing is in
   * flight: 'sent', or 'failed' with why, as soon as the stream cannot go on (the receiver's
   * limit stops it, the stream or connection closed, the rate…).
   */
  sendTotal(amount: bigint): Promise<SendOutcome> {
    // A new send asks the receiver again (StreamMoneyBlocked) before its limit stops it.
    this.host.resumeSend(this.state)
    if (amount > this.state.sendMax) this.setSendMax(amount)
    else this.host.poke()
    return new Promise((resolve) => {
      this.sendWaiters.push({ target: amount, resolve })
      this.settle()
    })
  }

  /** Accepts up to `amount` in total on this stream, our units (advertised in StreamMaxMoney; a UInt64 at most, RFC 0029 §5.1.4). */
  setReceiveMax(amount: bigint): void {
    if (typeof amount !== 'bigint' || amount < 0n) throw new RangeError(`receiveMax must be a non-negative bigint, got ${String(amount)}`)
    this.host.setReceiveMax(this.state, amount)
    this.host.poke()
  }

  /**
   * Queues bytes; resolves when the receiver has acknowledged all of them. Rejects with a
   * ConnectionError: StreamStateError if the stream closes first, StreamIdError if the stream
   * is past the peer's maximum stream ID and its answer to ConnectionStreamIdBlocked kept it
   * so (RFC 0029 §4.4.1); then none of the unsent bytes go out, and a later write asks again.
   */
  write(bytes: Uint8Array): Promise<void> {
    if (this.state.localEnding || this.closed) return Promise.reject(new ConnectionError(StreamErrorCode.StreamStateError, `stream ${this.id} is closed for writing`))
    const end = this.host.write(this.state, bytes)
    const done = new Promise<void>((resolve, reject) => this.writeWaiters.push({ end, resolve, reject }))
    this.host.poke()
    return done
  }

  /**
   * Closes our half once what we have to send is out (RFC 0029 §4.4.5); resolves when it is:
   * our money and data sent and our StreamClose acknowledged (or the stream or connection
   * closed). The other side's half may stay open (half-open streams are optional there):
   * `end` and `close` tell when it closes.
   */
  end(): Promise<void> {
    this.host.endStream(this.state, StreamErrorCode.NoError, '')
    this.host.poke()
    if (this.state.localCloseDone || this.closed) return Promise.resolve()
    return new Promise((resolve) => this.endWaiters.push(resolve))
  }

  /** Closes at once, dropping what is not yet sent. */
  destroy(error?: Error): void {
    this.host.destroyStream(this.state, error === undefined ? StreamErrorCode.NoError : StreamErrorCode.ApplicationError, error?.message ?? '')
    this.host.poke()
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const chunk = this.chunks.shift()
      if (chunk !== undefined) {
        this.host.consumed(this.state, chunk.length)
        yield chunk
        continue
      }
      if (this.ended) return
      const next = new Promise<void>((resolve) => (this.reader = resolve))
      this.host.poke() // the connection holds the process open while we wait
      await next
    }
  }

  protected override listenerAdded(event: keyof StreamEvents): void {
    if (event !== 'data') return
    // A late listener gets what waited for it.
    queueMicrotask(() => {
      while (this.chunks.length > 0 && this.listenerCount('data') > 0) this.deliver(this.chunks.shift() as Uint8Array)
    })
  }

  // ── Called by the connection ──────────────────────────────────────────────────────

  /** @internal */
  onMoney(amount: bigint): void {
    this.emit('money', amount)
  }

  /** @internal */
  onData(chunk: Uint8Array): void {
    if (this.listenerCount('data') > 0) this.deliver(chunk)
    else {
      this.chunks.push(chunk)
      this.wakeReader()
    }
  }

  private deliver(chunk: Uint8Array): void {
    this.host.consumed(this.state, chunk.length)
    this.emit('data', chunk)
  }

  /** @internal */
  onReceipt(receipt: Uint8Array): void {
    this.emit('receipt', receipt)
  }

  /** @internal */
  onEnd(): void {
    if (this.ended) return
    this.ended = true
    this.wakeReader()
    this.emit('end')
  }

  /** @internal */
  onClose(error: ConnectionError | undefined): void {
    if (this.closedWith !== undefined) return
    this.onEnd()
    this.closedWith = { error }
    this.settle()
    this.emit('close', error)
  }

  /** @internal Resolves the waiters whose condition now holds. */
  settle(): void {
    const state = this.state
    if (this.endWaiters.length > 0 && (state.localCloseDone || this.closed)) for (const resolve of this.endWaiters.splice(0)) resolve()
    if (this.sendWaiters.length > 0) {
      const finished = state.inFlight === 0n && (state.moneyFailure !== undefined || state.receiverBlocked || state.streamIdBlocked || this.closed)
      this.sendWaiters = this.sendWaiters.filter((waiter) => {
        if (state.totalSent >= waiter.target) {
          waiter.resolve({ type: 'sent', totalSent: state.totalSent, totalDelivered: state.totalDelivered })
          return false
        }
        if (finished) {
          const reason = state.moneyFailure ?? (state.receiverBlocked ? 'receiver-limit' : state.streamIdBlocked ? 'stream-id-limit' : 'stream-closed')
          waiter.resolve({ type: 'failed', reason, totalSent: state.totalSent, totalDelivered: state.totalDelivered })
          return false
        }
        return true
      })
    }
    if (this.writeWaiters.length > 0) {
      const acknowledged = state.outgoing.acknowledgedThrough
      this.writeWaiters = this.writeWaiters.filter((waiter) => {
        if (acknowledged >= waiter.end) {
          waiter.resolve()
          return false
        }
        if (this.closed || state.outgoing.written < waiter.end) {
          waiter.reject(
            !this.closed && state.streamIdBlocked
              ? new ConnectionError(StreamErrorCode.StreamIdError, `stream ${this.id} is past the peer's maximum stream ID; its unsent bytes were dropped`)
              : new ConnectionError(StreamErrorCode.StreamStateError, `stream ${this.id} closed before its data was acknowledged`),
          )
          return false
        }
        return true
      })
    }
  }

  private wakeReader(): void {
    const reader = this.reader
    this.reader = undefined
    reader?.()
  }
}
