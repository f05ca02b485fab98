import type { IlpPrepare, IlpReply, Asset } from '@stack/ilp-core'
import type { ConnectionError } from './connection-error.js'
import { CongestionController } from './controllers/congestion.js'
import { ExchangeRateController } from './controllers/exchange-rate.js'
import { MaxPacketAmountController } from './controllers/max-packet-amount.js'
import { RemoteAddressController } from './controllers/remote-address.js'
import { RetryController } from './controllers/retry.js'
import { SequenceController } from './controllers/sequence.js'
import { assemble } from './core/assembly.js'
import type { ConnectionWindow } from './core/connection-window.js'
import type { MoneySender } from './core/money-sender.js'
import type { Outgoing } from './core/outgoing.js'
import type { Receiver } from './core/receiver.js'
import type { StreamTable } from './core/stream-table.js'
import type { ConnectionCoreOptions, ConnectionStatus, CoreEvent, NextStep, OutgoingRequest } from './core/types.js'
import { StreamErrorCode } from './wire/error-codes.js'
import { atMostUInt64 } from './wire/oer-writer.js'
import type { StreamPacket } from './wire/packet.js'
import type { StreamState } from './stream-state.js'

export type { ConnectionCoreOptions, ConnectionStatus, CoreEvent, NextStep, OutgoingRequest, ReceiptOptions } from './core/types.js'

/**
 * A STREAM connection's state machine with no I/O (RFC 0029): the shell asks it for the
 * next Prepare (`nextRequest`), hands back each reply (`applyReply`), and passes incoming
 * Prepares through `handlePrepare`; what the application should hear comes out of
 * `takeEvents`. Time is passed in. The state is held by parts that each own theirs: the
 * streams and their IDs (StreamTable), the connection's data window (ConnectionWindow), the
 * money and the rate probes (MoneySender), what goes into packets (Framer), the answers to
 * the other side's packets (Receiver), our Prepares and their replies (Outgoing), and the
 * keys (PacketSealer), wired in assembly.ts; this class owns the connection's status, its
 * events and its entry points.
 */
export class ConnectionCore {
  readonly role: 'client' | 'server'
  status: ConnectionStatus = { type: 'open' }
  readonly sourceAccount: string | undefined
  readonly assetDetails: Asset | undefined
  readonly sequence = new SequenceController()
  readonly maxPacket = new MaxPacketAmountController()
  readonly rate: ExchangeRateController
  readonly congestion: CongestionController
  readonly retry: RetryController
  private remoteAsset: Asset | undefined
  private canSend: boolean
  private active: number
  private readonly remoteAddress: RemoteAddressController
  private readonly table: StreamTable
  private readonly window: ConnectionWindow
  private readonly money: MoneySender
  private readonly receiver: Receiver
  private readonly outgoing: Outgoing
  private events: CoreEvent[] = []

  constructor(options: ConnectionCoreOptions) {
    this.role = options.role
    this.sourceAccount = options.sourceAccount
    this.assetDetails = options.assetDetails
    this.canSend = options.canSend
    this.active = options.now ?? 0
    this.rate = new ExchangeRateController(options.exchangeRate)
    this.congestion = new CongestionController({ maxInFlightPackets: options.maxInFlightPackets })
    this.retry = new RetryController(options.retry)
    this.remoteAddress = new RemoteAddressController(options.destinationAccount, options.sourceAccount)
    const { sequence, maxPacket, rate, congestion, retry, remoteAddress } = this
    const parts = assemble(
      options,
      { sequence, maxPacket, rate, congestion, retry, remoteAddress },
      {
        status: () => this.status,
        canSend: () => this.canSend,
        sendsPrepares: () => this.sendsPrepares,
        heard: (now) => void (this.active = now),
        // RFC 0029 §4.3.3: asset details never change; keep the first.
        onAssetDetails: (asset) => void (this.remoteAsset ??= asset),
        close: (error) => this.closeConnection(error),
        endStream: (stream, code) => this.endStream(stream, code),
        finish: (stream) => this.finishStream(stream),
        emit: (event) => void this.events.push(event),
      },
    )
    this.table = parts.table
    this.window = parts.window
    this.money = parts.money
    this.receiver = parts.receiver
    this.outgoing = parts.outgoing
  }

  /** Where our Prepares go: given, or announced by the other end and validated. */
  get destinationAccount(): string | undefined {
    return this.remoteAddress.current
  }

  /** The other side's asset, if it sent ConnectionAssetDetails (RFC 0029 §4.3.3). */
  get remoteAssetDetails(): Asset | undefined {
    return this.remoteAsset
  }

  get streams(): ReadonlyMap<number, StreamState> {
    return this.table.streams
  }

  /** When a packet last went either way and was read (our time). */
  get lastActive(): number {
    return this.active
  }

  /** Source units fulfilled over all streams. */
  get totalSent(): bigint {
    return this.money.totalSent
  }

  /** Destination units the receiver reported for our fulfilled packets. */
  get totalDelivered(): bigint {
    return this.money.totalDelivered
  }

  /** Units received over all streams. */
  get totalReceived(): bigint {
    return this.receiver.totalReceived
  }

  /** Money in flight over all streams, source units. */
  get inFlight(): bigint {
    return this.congestion.inFlightAmount
  }

  takeEvents(): CoreEvent[] {
    const events = this.events
    this.events = []
    return events
  }

  /** A server connection learns how to send once the client tells its address. */
  enableSending(): void {
    this.canSend = true
  }

  // ── Streams ─────────────────────────────────────────────────────────────────────────

  openStream(): StreamState {
    return this.table.open()
  }

  /** The application allows sending up to `amount` on the stream, in total. */
  setSendMax(stream: StreamState, amount: bigint): void {
    stream.sendMax = amount
  }

  /** A new send of the application: ask the receiver again before its limits stop it. */
  resumeSend(stream: StreamState): void {
    this.money.resume(stream)
    this.table.resume(stream)
  }

  /**
   * The application accepts up to `amount` on the stream; RFC 0029 §4.4.4: never below what
   * was advertised. A stream receives a UInt64 at most: StreamMaxMoney carries no more (§5.1.4).
   */
  setReceiveMax(stream: StreamState, amount: bigint): void {
    const max = atMostUInt64(amount)
    stream.receiveMax = max > stream.advertisedReceiveMax ? max : stream.advertisedReceiveMax
    stream.advertise = stream.advertiseUrgent = true
  }

  /** Queues bytes on the stream; returns the offset their end will have. */
  write(stream: StreamState, bytes: Uint8Array): number {
    this.table.resume(stream)
    return stream.outgoing.write(bytes)
  }

  /** The application read `bytes` of a stream: its window (and the connection's) may grow. */
  consumed(stream: StreamState, bytes: number): void {
    stream.incoming.consume(bytes)
    stream.advertise = true
    const connectionBlocked = this.window.onConsumed(bytes)
    if (stream.remoteDataBlocked || connectionBlocked) {
      // The sender waits for this window: worth a packet of our own.
      stream.advertiseUrgent = true
      stream.remoteDataBlocked = false
    }
  }

  /** Ends our side of a stream once what it has to send is out (RFC 0029 §4.4.5). */
  endStream(stream: StreamState, code: number = StreamErrorCode.NoError, message = ''): void {
    if (stream.localEnding) return
    stream.localEnding = true
    stream.closeCode = code
    stream.closeMessage = message
    if (code !== StreamErrorCode.NoError) {
      stream.moneyFailure ??= 'stream-closed'
      stream.outgoing.discard()
    }
    this.finishStream(stream)
  }

  /** Closes a stream at once: nothing more is sent on it than what is in flight. */
  destroyStream(stream: StreamState, code: number, message: string): void {
    this.endStream(stream, code, message)
    stream.sendMax = stream.totalSent + stream.inFlight
    stream.outgoing.discard()
  }

  // ── Sending ─────────────────────────────────────────────────────────────────────────

  /** Starts probing the path's rate (RFC 0029 §3.4) if that has not begun. */
  startProbe(): void {
    this.money.startProbe()
  }

  nextRequest(now: number): NextStep {
    return this.outgoing.next(now)
  }

  /** Settles one of our Prepares with its Fulfill or Reject. */
  applyReply(request: OutgoingRequest, reply: IlpReply, now: number): void {
    this.outgoing.applyReply(request, reply, now)
  }

  // ── Receiving ───────────────────────────────────────────────────────────────────────

  /**
   * RFC 0029 §4.2: an incoming Prepare for this connection. Always answers: a Fulfill with
   * our reply, a Reject with our reply (F99, F04), F06 if the data is not ours, R00 if expired.
   */
  handlePrepare(prepare: IlpPrepare, now: number): IlpReply {
    return this.receiver.handlePrepare(prepare, now)
  }

  /** A Prepare for this connection whose data is already opened (`packet`), unexpired. */
  handlePacket(prepare: IlpPrepare, packet: StreamPacket, now: number): IlpReply {
    return this.receiver.handlePacket(prepare, packet, now)
  }

  // ── Closing ─────────────────────────────────────────────────────────────────────────

  /** RFC 0029 §4.6: end every stream, then send ConnectionClose. */
  end(): void {
    if (this.status.type !== 'open') return
    for (const stream of this.table.streams.values()) this.endStream(stream)
    if (!this.sendsPrepares) {
      this.closeConnection(undefined)
      return
    }
    this.status = { type: 'closing' }
  }

  /**
   * Closes at once. Returns a Prepare carrying ConnectionClose to send without waiting
   * (best effort), when there is someone to tell.
   */
  destroy(error: ConnectionError | undefined, now: number): OutgoingRequest | undefined {
    if (this.status.type === 'closed') return undefined
    const request = this.sendsPrepares ? this.outgoing.close(error, now) : undefined
    this.closeConnection(error)
    return request
  }

  private get sendsPrepares(): boolean {
    return this.canSend && this.destinationAccount !== undefined
  }

  /** Removes a stream once both sides have closed it; the other side may then open another. */
  private finishStream(stream: StreamState): void {
    const retired = this.table.retire(stream)
    if (retired === undefined) return
    if (retired === 'remote') this.window.announce() // our raised maximum stream ID
    this.events.push({ type: 'stream-close', stream, error: stream.remoteError })
  }

  private closeConnection(error: ConnectionError | undefined): void {
    if (this.status.type === 'closed') return
    this.status = { type: 'closed', error }
    this.money.stop()
    if (this.rate.state.type === 'probing' || this.rate.state.type === 'unknown') {
      this.rate.fail('connection-closed')
      this.events.push({ type: 'rate', ok: false })
    }
    for (const stream of this.table.removeAll()) {
      stream.moneyFailure ??= 'connection-closed'
      stream.outgoing.discard()
      stream.localEnding = stream.localClosed = stream.localCloseDone = true
      if (!stream.remoteClosed) {
        stream.remoteClosed = true
        this.events.push({ type: 'end', stream })
      }
      this.events.push({ type: 'stream-close', stream, error: error ?? stream.remoteError })
    }
    this.events.push({ type: 'close', error })
  }
}

