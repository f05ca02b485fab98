import { timingSafeEqual } from 'node:crypto'
import { IlpErrorCode, IlpPacketType, MAX_UINT64, type IlpPrepare, type IlpReply, type Asset } from '@stack/ilp-core'
import { ConnectionError } from './connection-error.js'
import { CongestionController } from './controllers/congestion.js'
import { ExchangeRateController } from './controllers/exchange-rate.js'
import { MaxPacketAmountController } from './controllers/max-packet-amount.js'
import { RemoteAddressController } from './controllers/remote-address.js'
import { RetryController } from './controllers/retry.js'
import { SequenceController } from './controllers/sequence.js'
import { ConnectionWindow } from './core/connection-window.js'
import { Framer } from './core/framer.js'
import { MoneySender } from './core/money-sender.js'
import { PacketSealer } from './core/packet-seal.js'
import { Receiver } from './core/receiver.js'
import { applyFrames, type FrameTarget } from './core/remote-frames.js'
import { StreamTable } from './core/stream-table.js'
import { requestContent, type ConnectionCoreOptions, type ConnectionStatus, type CoreEvent, type NextStep, type OutgoingRequest, type RequestContent } from './core/types.js'
import { StreamErrorCode } from './wire/error-codes.js'
import { atMostUInt64 } from './wire/oer-writer.js'
import { INITIAL_CONNECTION_WINDOW, INITIAL_STREAM_WINDOW } from './flow/data-sender.js'
import { FrameType } from './wire/frames/frame-type.js'
import type { Frame } from './wire/frames/frame.js'
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
 * the other side's packets (Receiver), and the keys (PacketSealer); this class owns the
 * connection's status, its events and its entry points.
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
  private readonly packetLifetime: number
  private readonly remoteAddress: RemoteAddressController
  private readonly sealer: PacketSealer
  private readonly table: StreamTable
  private readonly window: ConnectionWindow
  private readonly money: MoneySender
  private readonly framer: Framer
  private readonly receiver: Receiver
  private readonly frameTarget: FrameTarget
  private events: CoreEvent[] = []

  constructor(options: ConnectionCoreOptions) {
    this.role = options.role
    this.sourceAccount = options.sourceAccount
    this.assetDetails = options.assetDetails
    this.canSend = options.canSend
    this.active = options.now ?? 0
    this.packetLifetime = options.packetLifetime ?? 30_000
    this.rate = new ExchangeRateController(options.exchangeRate)
    this.congestion = new CongestionController({ maxInFlightPackets: options.maxInFlightPackets })
    this.retry = new RetryController(options.retry)
    this.remoteAddress = new RemoteAddressController(options.destinationAccount, options.sourceAccount)
    this.sealer = options.sealer ?? new PacketSealer(options.sharedSecret)
    // Never below what a sender may send before it hears our windows: it would break them.
    const streamBufferSize = Math.max(options.streamBufferSize ?? 65_534, INITIAL_STREAM_WINDOW)
    this.window = new ConnectionWindow(Math.max(options.connectionBufferSize ?? 4 * streamBufferSize, INITIAL_CONNECTION_WINDOW))
    this.table = new StreamTable({
      role: options.role,
      receiveMax: atMostUInt64(options.receiveMax ?? MAX_UINT64),
      streamBufferSize,
      maxRemoteStreams: options.maxRemoteStreams ?? 10,
      onStream: options.onStream,
    })
    const emit = (event: CoreEvent): void => void this.events.push(event)
    const finish = (stream: StreamState): void => this.finishStream(stream)
    const { table: streams, window, rate, maxPacket, congestion, retry } = this
    this.money = new MoneySender({ streams, rate, maxPacket, congestion, retry, emit, fail: (error) => this.closeConnection(error) })
    this.framer = new Framer({
      streams,
      window,
      money: this.money,
      sourceAccount: options.sourceAccount,
      assetDetails: options.assetDetails,
      sendsPrepares: () => this.sendsPrepares,
      finish,
    })
    this.frameTarget = {
      streams,
      window,
      remoteAddress: this.remoteAddress,
      // RFC 0029 §4.3.3: asset details never change; keep the first.
      onAssetDetails: (asset) => void (this.remoteAsset ??= asset),
      closedByPeer: (error) => this.closeConnection(error),
      endStream: (stream, code) => this.endStream(stream, code),
      finish,
      emit,
    }
    this.receiver = new Receiver({
      streams,
      window,
      framer: this.framer,
      sealer: this.sealer,
      sourceAccount: options.sourceAccount,
      assetDetails: options.assetDetails,
      receipt: options.receipt,
      status: () => this.status,
      applyFrames: (frames) => applyFrames(this.frameTarget, frames, false),
      close: (error) => this.closeConnection(error),
      emit,
    })
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
    // Nobody to tell by Prepare: the StreamClose rides on our next reply.
    if (!this.sendsPrepares) stream.localClosed = true
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
    if (this.status.type === 'closed' || !this.canSend || (this.destinationAccount === undefined && !this.remoteAddress.pending)) return { type: 'none' }
    if (!this.congestion.canSendPacket) return { type: 'none' }
    if (!this.retry.ready(now)) return { type: 'wait', until: this.retry.notBefore }
    if (this.sequence.exhausted) {
      this.closeConnection(new ConnectionError(StreamErrorCode.InternalError, 'sent 2^31 packets (RFC 0029 §5.1.3)'))
      return { type: 'none' }
    }
    const validate = this.remoteAddress.takeValidation()
    if (validate !== undefined) return { type: 'send', request: this.seal(0n, 0n, [], now, requestContent({ validates: validate })) }
    if (this.destinationAccount === undefined) return { type: 'none' }
    const probeAmount = this.money.takeProbe()
    if (probeAmount !== undefined) return { type: 'send', request: this.probe(probeAmount, now) }
    const plan = this.framer.build(this.status.type === 'closing')
    if (plan !== undefined) return { type: 'send', request: this.seal(plan.amount, plan.minDestination, plan.frames, now, plan.content) }
    // Building may have found money to send at a rate not yet probed.
    const probe = this.money.takeProbe()
    return probe === undefined ? { type: 'none' } : { type: 'send', request: this.probe(probe, now) }
  }

  private probe(amount: bigint, now: number): OutgoingRequest {
    const { frames, carriesAddress } = this.framer.probe()
    return this.seal(amount, 0n, frames, now, requestContent({ probe: true, carriesAddress }))
  }

  private seal(amount: bigint, minDestination: bigint, frames: Frame[], now: number, content: RequestContent): OutgoingRequest {
    const sequence = this.sequence.take() as bigint
    const destination = content.validates ?? (this.destinationAccount as string)
    const request = this.sealer.sealRequest({ sequence, amount, minDestination, rateEpoch: this.rate.epoch }, frames, content, destination, new Date(now + this.packetLifetime))
    this.congestion.onSend(amount)
    return request
  }

  /** Settles one of our Prepares with its Fulfill or Reject. */
  applyReply(request: OutgoingRequest, reply: IlpReply, now: number): void {
    this.congestion.onReply(request.amount)
    const response = this.sealer.openReply(request.sequence, reply)
    const fulfilled =
      reply.type === IlpPacketType.Fulfill && request.fulfillment !== undefined && reply.fulfillment.length === 32 && timingSafeEqual(reply.fulfillment, request.fulfillment)
    // A Fulfill acknowledges every frame; a Reject carrying the receiver's reply still
    // means it read our control frames (it handles them before judging the money).
    const heard = fulfilled || response !== undefined
    if (heard) this.active = now
    if (request.validates !== undefined) {
      const temporary = reply.type === IlpPacketType.Reject && (reply.code[0] === 'T' || reply.code[0] === 'R')
      if (!heard && temporary) this.retry.onTemporaryFailure(now)
      this.remoteAddress.onValidation(request.validates, heard ? 'heard' : temporary ? 'temporary' : 'final')
    }
    this.framer.onReply(request, heard, fulfilled)
    this.money.onReply(request, heard)

    if (fulfilled) {
      this.money.onFulfill(request, response)
      if (request.connectionClose) this.closeConnection(undefined)
    } else if (request.connectionClose && heard) this.closeConnection(undefined)
    else if (request.validates !== undefined) {
      // Settled above: a failed validation only means the address is not used.
    } else if (request.probe) {
      // Its frames first: a ConnectionClose in the receiver's reply ends probing with the connection.
      if (response !== undefined) applyFrames(this.frameTarget, response.frames, true)
      this.money.onProbeReply(request, reply, response, now)
    } else if (reply.type === IlpPacketType.Reject) this.money.onReject(request, reply, response, now)
    else this.retry.onTemporaryFailure(now) // a Fulfill that does not match: count nothing, try again
    if (response !== undefined && !request.probe) applyFrames(this.frameTarget, response.frames, true)
    this.money.afterReply(request)
    if (request.streamIdBlocked) this.table.onBlockedReply(heard)
    if (request.stream !== undefined) this.finishStream(request.stream)
  }

  // ── Receiving ───────────────────────────────────────────────────────────────────────

  /**
   * RFC 0029 §4.2: an incoming Prepare for this connection. Always answers: a Fulfill with
   * our reply, a Reject with our reply (F99, F04), F06 if the data is not ours, R00 if expired.
   */
  handlePrepare(prepare: IlpPrepare, now: number): IlpReply {
    // RFC 0027: an expired Prepare is refused as timed out, unread.
    if (prepare.expiresAt.getTime() <= now) return expiredReject(this.sourceAccount)
    let packet: StreamPacket
    try {
      packet = this.sealer.openPrepare(prepare.data)
    } catch {
      return reject(IlpErrorCode.F06_UNEXPECTED_PAYMENT, this.sourceAccount, 'cannot decrypt')
    }
    return this.handlePacket(prepare, packet, now)
  }

  /** A Prepare for this connection whose data is already opened (`packet`), unexpired. */
  handlePacket(prepare: IlpPrepare, packet: StreamPacket, now: number): IlpReply {
    // RFC 0029 §5.2: on the wrong ILP packet type: discard.
    if (packet.ilpPacketType !== IlpPacketType.Prepare) return reject(IlpErrorCode.F06_UNEXPECTED_PAYMENT, this.sourceAccount, 'wrong packet type')
    this.active = now
    return this.receiver.receive(prepare, packet)
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
    let request: OutgoingRequest | undefined
    if (this.sendsPrepares && !this.sequence.exhausted) {
      const frames: Frame[] = [{ type: FrameType.ConnectionClose, errorCode: error?.code ?? StreamErrorCode.NoError, errorMessage: error?.message ?? '' }]
      request = this.seal(0n, 0n, frames, now, requestContent({ connectionClose: true }))
    }
    this.closeConnection(error)
    return request
  }

  private get sendsPrepares(): boolean {
    return this.canSend && this.destinationAccount !== undefined
  }

  /** Removes a stream once both sides have closed it; the other side may then open another. */
  private finishStream(stream: StreamState): void {
    if (stream.localEnding && !stream.localClosed && stream.drained && !this.sendsPrepares) stream.localClosed = true
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

/** RFC 0027 R00: a Prepare that arrives expired is refused unread. */
export function expiredReject(triggeredBy: string | undefined): IlpReply {
  return reject(IlpErrorCode.R00_TRANSFER_TIMED_OUT, triggeredBy, 'the Prepare expired')
}

function reject(code: string, triggeredBy: string | undefined, message: string): IlpReply {
  return { type: IlpPacketType.Reject, code, triggeredBy: triggeredBy ?? '', message, data: new Uint8Array(0) }
}
