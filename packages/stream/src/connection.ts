import type { IlpPrepare, IlpReply, PrepareHandler, Asset } from '@stack/ilp-core'
import { ConnectionCore, type ConnectionCoreOptions, type OutgoingRequest } from './connection-core.js'
import { ConnectionError, type RateProbeFailure } from './connection-error.js'
import { StreamErrorCode } from './wire/error-codes.js'
import { Emitter } from './emitter.js'
import { IdleTimer } from './shell/idle-timer.js'
import { Arrivals } from './shell/arrivals.js'
import { AwaitingReply } from './shell/awaiting-reply.js'
import type { StreamPacket } from './wire/packet.js'
import type { StreamState } from './stream-state.js'
import { Stream, type StreamHost } from './stream.js'

export interface ConnectionEvents {
  [event: string]: unknown[]
  /** The other side opened a stream. Set its limits here: its first frames are judged right after. */
  stream: [stream: Stream]
  /** The connection closed; `error` unless it closed normally. */
  close: [error: ConnectionError | undefined]
}

export interface ConnectionShellOptions {
  /** Close after this long (ms) without a packet answered or received. Default 60 000; 0 disables. */
  idleTimeout?: number
  /** @internal The tag the server found in the address. */
  connectionTag?: string
}

/** Options a client or server connection takes, beyond addressing. */
export type ConnectionOptions = Pick<ConnectionShellOptions, 'idleTimeout'> &
  Pick<ConnectionCoreOptions, 'exchangeRate' | 'retry' | 'maxInFlightPackets' | 'maxRemoteStreams' | 'receiveMax' | 'streamBufferSize' | 'connectionBufferSize' | 'packetLifetime'>

/**
 * A STREAM connection (RFC 0029): the I/O shell over ConnectionCore. It owns the timers
 * and the promises; every protocol decision is the core's.
 */
export class Connection extends Emitter<ConnectionEvents> implements AsyncIterable<Stream> {
  private readonly core: ConnectionCore
  private sendPrepare: PrepareHandler | undefined
  private readonly streamShells = new Map<StreamState, Stream>()
  private retryTimer: ReturnType<typeof setTimeout> | undefined
  private retryAt = 0
  private readonly idleTimer: IdleTimer
  /** Our Prepares awaiting their reply. */
  private readonly awaitingReply = new AwaitingReply((request, reply) => this.onReply(request, reply))
  private pumpScheduled = false
  /** Streams the other side opened while nobody listened for them. */
  private readonly incoming = new Arrivals<Stream>()
  private closeWaiters: Array<() => void> = []
  private readonly rateWaiters: Array<(ok: boolean) => void> = []
  private readonly host: StreamHost
  /** The tag of the address the client used (a server's connection), if any. */
  readonly connectionTag: string | undefined

  /** @internal Use createConnection or a server. */
  constructor(coreOptions: Omit<ConnectionCoreOptions, 'canSend' | 'onStream' | 'now'>, sendPrepare: PrepareHandler | undefined, options: ConnectionShellOptions = {}) {
    super()
    this.sendPrepare = sendPrepare
    this.connectionTag = options.connectionTag
    this.core = new ConnectionCore({ ...coreOptions, canSend: sendPrepare !== undefined, onStream: (state) => this.onRemoteStream(state), now: Date.now() })
    this.host = {
      poke: () => this.poke(),
      consumed: (state, bytes) => {
        this.core.consumed(state, bytes)
        this.poke()
      },
      endStream: (state, code, message) => this.core.endStream(state, code, message),
      destroyStream: (state, code, message) => this.core.destroyStream(state, code, message),
      resumeSend: (state) => this.core.resumeSend(state),
      setSendMax: (state, amount) => this.core.setSendMax(state, amount),
      setReceiveMax: (state, amount) => this.core.setReceiveMax(state, amount),
      write: (state, bytes) => this.core.write(state, bytes),
    }
    this.idleTimer = new IdleTimer(options.idleTimeout ?? 60_000, {
      lastActive: () => this.core.lastActive,
      closed: () => this.closed,
      awaited: () => this.awaited(),
      idle: (idleFor) => this.destroy(new Error(`idle for ${idleFor} ms`)),
    })
    this.idleTimer.start()
  }

  get destinationAccount(): string | undefined {
    return this.core.destinationAccount
  }

  get sourceAccount(): string | undefined {
    return this.core.sourceAccount
  }

  /** The other side's asset, if it sent ConnectionAssetDetails (RFC 0029 §4.3.3). */
  get destinationAsset(): Asset | undefined {
    return this.core.remoteAssetDetails
  }

  /** Source units fulfilled over all streams. */
  get totalSent(): bigint {
    return this.core.totalSent
  }

  /** Destination units the receiver reported for our fulfilled packets. */
  get totalDelivered(): bigint {
    return this.core.totalDelivered
  }

  /** Units received over all streams. */
  get totalReceived(): bigint {
    return this.core.totalReceived
  }

  get inFlight(): bigint {
    return this.core.inFlight
  }

  /** The probed rate: `sent` source units delivered `delivered` (> 0) destination units (RFC 0029 §3.4). */
  get exchangeRate(): { sent: bigint; delivered: bigint } | undefined {
    return this.core.rate.measurement
  }

  /** The largest packet the path forwards, as learned from F08 rejects (RFC 0027). */
  get maxPacketAmount(): bigint {
    return this.core.maxPacket.limit
  }

  get closed(): boolean {
    return this.core.status.type === 'closed'
  }

  get streams(): Stream[] {
    return [...this.streamShells.values()].filter((stream) => !stream.closed)
  }

  /** Opens a stream of ours (odd IDs for a client, even for a server: RFC 0029 §4.4.1). */
  createStream(): Stream {
    if (this.core.status.type !== 'open') throw new ConnectionError(StreamErrorCode.InternalError, 'connection is closing')
    return this.shellOf(this.core.openStream())
  }

  /**
   * Incoming Prepares for this connection: a client that told the server its address
   * (sourceAccount) routes them here. A PrepareHandler.
   */
  readonly handlePrepare: PrepareHandler = (prepare) => Promise.resolve(this.receive(prepare))

  /** @internal Synchronous form for the server. */
  receive(prepare: IlpPrepare): IlpReply {
    const reply = this.core.handlePrepare(prepare, Date.now())
    this.afterStep()
    return reply
  }

  /** @internal A Prepare whose data the server has opened already (a new connection's first). */
  receivePacket(prepare: IlpPrepare, packet: StreamPacket): IlpReply {
    const reply = this.core.handlePacket(prepare, packet, Date.now())
    this.afterStep()
    return reply
  }

  /** Ends every stream once drained, then the connection (RFC 0029 §4.6); resolves when closed. */
  end(): Promise<void> {
    this.core.end()
    this.afterStep()
    return this.whenClosed()
  }

  /** Closes at once, telling the other side if we can (best effort). */
  destroy(error?: Error): void {
    const close = this.core.destroy(error === undefined ? undefined : new ConnectionError(StreamErrorCode.ApplicationError, error.message), Date.now())
    if (close !== undefined && this.sendPrepare !== undefined) this.sendPrepare(close.prepare).catch(() => undefined)
    this.afterStep()
  }

  [Symbol.asyncIterator](): AsyncIterator<Stream> {
    return this.incoming.read(
      () => this.closed,
      () => this.idleTimer.holdOpen(),
    )
  }

  /** @internal A server connection learns how to send once the client tells its address. */
  setSendPrepare(sendPrepare: PrepareHandler): void {
    this.sendPrepare = sendPrepare
    this.core.enableSending()
  }

  /** @internal Probes the path's rate; resolves with why that failed, or undefined once it is known. */
  async probe(): Promise<RateProbeFailure | undefined> {
    if (this.core.rate.state.type === 'unknown') {
      const done = new Promise<boolean>((resolve) => this.rateWaiters.push(resolve))
      this.core.startProbe()
      this.poke()
      await done
    }
    const state = this.core.rate.state
    return state.type === 'failed' ? state.reason : undefined
  }

  private whenClosed(): Promise<void> {
    if (this.closed) return Promise.resolve()
    return new Promise((resolve) => this.closeWaiters.push(resolve))
  }

  private shellOf(state: StreamState): Stream {
    let stream = this.streamShells.get(state)
    if (stream === undefined) {
      stream = new Stream(state, this.host)
      this.streamShells.set(state, stream)
    }
    return stream
  }

  private onRemoteStream(state: StreamState): void {
    const stream = this.shellOf(state)
    if (this.listenerCount('stream') > 0) this.emit('stream', stream)
    else this.incoming.push(stream)
  }

  /** Schedules a pump: coalesced, and never inside a core call. */
  private poke(): void {
    if (this.pumpScheduled) return
    this.pumpScheduled = true
    queueMicrotask(() => {
      this.pumpScheduled = false
      this.pump()
    })
  }

  private pump(): void {
    const sendPrepare = this.sendPrepare
    for (;;) {
      const now = Date.now()
      const step = this.core.nextRequest(now)
      if (step.type === 'send' && sendPrepare !== undefined) {
        this.awaitingReply.send(sendPrepare, step.request)
        continue
      }
      if (step.type === 'wait') this.armRetryTimer(step.until, now)
      break
    }
    this.flushEvents()
  }

  private onReply(request: OutgoingRequest, reply: IlpReply): void {
    this.core.applyReply(request, reply, Date.now())
    this.afterStep()
  }

  private afterStep(): void {
    this.flushEvents()
    this.poke()
  }

  private flushEvents(): void {
    const events = this.core.takeEvents()
    for (const event of events) {
      switch (event.type) {
        case 'money':
          this.shellOf(event.stream).onMoney(event.amount)
          break
        case 'data':
          this.shellOf(event.stream).onData(event.chunk)
          break
        case 'receipt':
          this.shellOf(event.stream).onReceipt(event.receipt)
          break
        case 'end':
          this.shellOf(event.stream).onEnd()
          break
        case 'stream-close':
          this.shellOf(event.stream).onClose(event.error)
          this.streamShells.delete(event.stream)
          break
        case 'rate':
          for (const resolve of this.rateWaiters.splice(0)) resolve(event.ok)
          break
        case 'close':
          this.onClosed(event.error)
          break
      }
    }
    for (const stream of this.streamShells.values()) stream.settle()
    this.idleTimer.holdOpen()
  }

  /** Whether the application awaits something of this connection. Called on every reply: no copies of the streams. */
  private awaited(): boolean {
    if (this.rateWaiters.length > 0 || this.closeWaiters.length > 0 || this.incoming.waiting) return true
    for (const stream of this.streamShells.values()) if (stream.waiting) return true
    return false
  }

  private onClosed(error: ConnectionError | undefined): void {
    clearTimeout(this.retryTimer)
    this.idleTimer.stop()
    for (const resolve of this.rateWaiters.splice(0)) resolve(false)
    this.incoming.wake()
    for (const resolve of this.closeWaiters.splice(0)) resolve()
    this.emit('close', error)
  }

  private armRetryTimer(until: number, now: number): void {
    if (this.retryTimer !== undefined && this.retryAt <= until) return
    clearTimeout(this.retryTimer)
    this.retryAt = until
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined
      this.pump()
    }, Math.max(0, until - now))
  }
}

