import { timingSafeEqual } from 'node:crypto'
import { IlpErrorCode, IlpPacketType, MAX_UINT64, conditionOf, type IlpPrepare, type IlpReply } from '@stack/ilp-core'
import { ConnectionError, type SendFailureReason } from './connection-error.js'
import { CongestionController } from './controllers/congestion.js'
import { ExchangeRateController, type ExchangeRateOptions, type ProbeCause, type ProbeOutcome } from './controllers/exchange-rate.js'
import { MaxPacketAmountController } from './controllers/max-packet-amount.js'
import { RemoteAddressController } from './controllers/remote-address.js'
import { RetryController, type RetryOptions } from './controllers/retry.js'
import { SequenceController } from './controllers/sequence.js'
import { decrypt, encrypt, encryptionKey, fulfillmentKey, fulfillmentOf, MAX_STREAM_PACKET_LENGTH, randomCondition } from './crypto.js'
import { StreamErrorCode } from './error-codes.js'
import { INITIAL_CONNECTION_WINDOW, INITIAL_STREAM_WINDOW, type DataSegment } from './flow/data-sender.js'
import { FrameType } from './frames/frame-type.js'
import type { Frame } from './frames/frame.js'
import { decodeStreamPacket, encodeStreamPacket, type StreamPacket } from './packet.js'
import { createReceipt } from './receipt.js'
import { StreamState } from './stream-state.js'

export interface AssetDetails {
  code: string
  scale: number
}

export interface ReceiptOptions {
  /** RFC 0039: 16 bytes naming the connection to the verifier. */
  nonce: Uint8Array
  /** RFC 0039: 32 bytes shared by verifier and receiver, never the sender. */
  secret: Uint8Array
}

export interface ConnectionCoreOptions {
  role: 'client' | 'server'
  sharedSecret: Uint8Array
  /** Where our Prepares go; a server learns it from the client's ConnectionNewAddress. */
  destinationAccount?: string
  /** Our address, told to the other end (RFC 0029 §4.3.1) so it can send to us. */
  sourceAccount?: string
  assetDetails?: AssetDetails
  /** Whether we have a way to send Prepares at all. */
  canSend: boolean
  exchangeRate?: ExchangeRateOptions
  retry?: RetryOptions
  maxInFlightPackets?: number
  /** Streams the other end may have open at once (RFC 0029 §3.3). Default 10. */
  maxRemoteStreams?: number
  /** Default receive limit of a new stream, our units. Default unlimited. */
  receiveMax?: bigint
  /** Bytes buffered per stream before StreamMaxData stops the sender. Default 65 534, at least 16 384. */
  streamBufferSize?: number
  /** Bytes buffered on the connection (ConnectionMaxData). Default 4 × streamBufferSize, at least 65 534. */
  connectionBufferSize?: number
  /** Lifetime of our Prepares, ms. Default 30 000. */
  packetLifetime?: number
  /** RFC 0039 receipts to put in our Fulfills. */
  receipt?: ReceiptOptions
  /** Called as the other side opens a stream, before its frames are handled. */
  onStream?: (stream: StreamState) => void
}

/** What the shell must do next. */
export type NextStep =
  | { type: 'send'; request: OutgoingRequest }
  | { type: 'wait'; until: number }
  | { type: 'none' }

/** One Prepare of ours and what it carries, to settle when its reply comes back. */
export interface OutgoingRequest {
  readonly sequence: bigint
  readonly prepare: IlpPrepare
  /** Undefined for an unfulfillable packet (a rate probe, RFC 0029 §6.1). */
  readonly fulfillment: Uint8Array | undefined
  readonly amount: bigint
  readonly minDestination: bigint
  readonly stream: StreamState | undefined
  readonly data: Array<{ stream: StreamState; segment: DataSegment }>
  readonly closes: StreamState[]
  readonly advertised: StreamState[]
  /** Streams whose StreamMoneyBlocked rides on this packet. */
  readonly moneyBlocked: StreamState[]
  readonly probe: boolean
  /** The rate measurement (ExchangeRateController.epoch) the packet was priced with. */
  readonly rateEpoch: number
  readonly carriesAddress: boolean
  readonly connectionClose: boolean
  /** Carries ConnectionStreamIdBlocked: a stream of ours waits on the peer's maximum stream ID. */
  readonly streamIdBlocked: boolean
  /** A packet with no money or data to an announced address, to validate it (RFC 0029 §4.3.2). */
  readonly validates: string | undefined
}

export type CoreEvent =
  | { type: 'money'; stream: StreamState; amount: bigint }
  | { type: 'data'; stream: StreamState; chunk: Uint8Array }
  | { type: 'end'; stream: StreamState }
  | { type: 'stream-close'; stream: StreamState; error: ConnectionError | undefined }
  | { type: 'receipt'; stream: StreamState; receipt: Uint8Array }
  | { type: 'rate'; ok: boolean }
  | { type: 'close'; error: ConnectionError | undefined }

export type ConnectionStatus =
  | { type: 'open' }
  /** The application ended the connection: streams drain, then a ConnectionClose goes out. */
  | { type: 'closing' }
  | { type: 'closed'; error: ConnectionError | undefined }

/** Bytes of a packet kept for frames other than StreamData (addresses are ≤ 1023 bytes). */
const CONTROL_RESERVE = 2048
const DATA_FRAME_OVERHEAD = 24
/** A request that carries no stream content: probes, address validations, the ConnectionClose. */
const NO_CONTENT = Object.freeze({
  stream: undefined,
  data: [],
  closes: [],
  advertised: [],
  moneyBlocked: [],
  probe: false,
  carriesAddress: false,
  connectionClose: false,
  streamIdBlocked: false,
  validates: undefined,
})
/** Consecutive receiver rejects of money on one stream before its sends fail. */
const MAX_RECEIVER_REJECTS = 20

/**
 * A STREAM connection's state machine with no I/O (RFC 0029): the shell asks it for the
 * next Prepare (`nextRequest`), hands back each reply (`applyReply`), and passes incoming
 * Prepares through `handlePrepare`; what the application should hear comes out of
 * `takeEvents`. Time is passed in.
 */
export class ConnectionCore {
  readonly role: 'client' | 'server'
  readonly streams = new Map<number, StreamState>()
  status: ConnectionStatus = { type: 'open' }
  readonly sourceAccount: string | undefined
  readonly assetDetails: AssetDetails | undefined
  remoteAssetDetails: AssetDetails | undefined
  canSend: boolean
  // Totals over the life of the connection.
  totalSent = 0n
  totalDelivered = 0n
  totalReceived = 0n
  lastActive = 0

  readonly sequence = new SequenceController()
  readonly maxPacket = new MaxPacketAmountController()
  readonly rate: ExchangeRateController
  readonly congestion: CongestionController
  readonly retry: RetryController
  private readonly remoteAddress: RemoteAddressController

  private readonly encryptionKey: Uint8Array
  private readonly fulfillmentKey: Uint8Array
  private readonly closedStreams = new Set<number>()
  private readonly receiveMax: bigint
  private readonly streamBufferSize: number
  private readonly connectionBufferSize: number
  private readonly packetLifetime: number
  private readonly receipt: ReceiptOptions | undefined
  private nextStreamId: number
  private maxRemoteStreamId: number
  /** RFC 0029 §4.4.1: assumed 20 until the peer's ConnectionMaxStreamId says otherwise. */
  private remoteMaxStreamId = 20
  private remoteMaxStreamIdHeard = false
  private remoteConnectionMaxOffset = INITIAL_CONNECTION_WINDOW
  private dataAssigned = 0
  private incomingConsumed = 0
  private incomingHighest = 0
  private advertisedConnectionMax = 0
  private advertiseConnection = true
  private remoteConnectionBlocked = false
  private connectionBlockedSent = false
  private addressAcknowledged = false
  private addressInFlight = false
  private streamIdBlockedSent = false
  /** The peer heard our ConnectionStreamIdBlocked and kept its maximum. */
  private streamIdBlockedAnswered = false
  private probeQueue: bigint[] = []
  private roundRobin = 0
  private events: CoreEvent[] = []
  private readonly onStream: ((stream: StreamState) => void) | undefined

  constructor(options: ConnectionCoreOptions) {
    this.role = options.role
    this.encryptionKey = encryptionKey(options.sharedSecret)
    this.fulfillmentKey = fulfillmentKey(options.sharedSecret)
    this.remoteAddress = new RemoteAddressController(options.destinationAccount, options.sourceAccount)
    this.sourceAccount = options.sourceAccount
    this.assetDetails = options.assetDetails
    this.canSend = options.canSend
    this.rate = new ExchangeRateController(options.exchangeRate)
    this.congestion = new CongestionController({ maxInFlightPackets: options.maxInFlightPackets })
    this.retry = new RetryController(options.retry)
    this.receiveMax = options.receiveMax ?? MAX_UINT64
    // Never below what a sender may send before it hears our windows: it would break them.
    this.streamBufferSize = Math.max(options.streamBufferSize ?? 65_534, INITIAL_STREAM_WINDOW)
    this.connectionBufferSize = Math.max(options.connectionBufferSize ?? 4 * this.streamBufferSize, INITIAL_CONNECTION_WINDOW)
    this.packetLifetime = options.packetLifetime ?? 30_000
    this.receipt = options.receipt
    this.onStream = options.onStream
    // RFC 0029 §4.4.1: clients open odd streams from 1, servers even from 2.
    this.nextStreamId = this.role === 'client' ? 1 : 2
    this.maxRemoteStreamId = 2 * (options.maxRemoteStreams ?? 10)
  }

  /** Where our Prepares go: given, or announced by the other end and validated. */
  get destinationAccount(): string | undefined {
    return this.remoteAddress.current
  }

  takeEvents(): CoreEvent[] {
    const events = this.events
    this.events = []
    return events
  }

  /** Money in flight over all streams, source units. */
  get inFlight(): bigint {
    return this.congestion.inFlightAmount
  }

  // ── Streams ─────────────────────────────────────────────────────────────────────────

  openStream(): StreamState {
    const stream = this.newStream(this.nextStreamId)
    this.nextStreamId += 2
    return stream
  }

  /** The application read `bytes` of a stream: its window (and the connection's) may grow. */
  consumed(stream: StreamState, bytes: number): void {
    stream.incoming.consume(bytes)
    this.incomingConsumed += bytes
    stream.advertise = true
    this.advertiseConnection = true
    if (stream.remoteDataBlocked || this.remoteConnectionBlocked) {
      // The sender waits for this window: worth a packet of our own.
      stream.advertiseUrgent = true
      stream.remoteDataBlocked = false
      this.remoteConnectionBlocked = false
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
    if (!this.canSend || this.destinationAccount === undefined) {
      // Nobody to tell by Prepare: the StreamClose rides on our next reply.
      stream.localClosed = true
    }
    this.maybeFinishStream(stream)
  }

  /** A new send of the application: ask the receiver again before its limits stop it. */
  resumeSend(stream: StreamState): void {
    stream.moneyBlockedSent = stream.blockedAnswered = stream.receiverBlocked = false
    if (stream.streamIdBlocked) {
      stream.streamIdBlocked = false
      this.streamIdBlockedSent = this.streamIdBlockedAnswered = false
    }
  }

  // ── Sending ─────────────────────────────────────────────────────────────────────────

  /** Starts probing the path's rate (RFC 0029 §3.4) if that has not begun. */
  startProbe(): void {
    if (this.rate.state.type === 'unknown') this.probeQueue = this.rate.startProbe(this.maxPacket.limit, 'initial')
  }

  /** Measures a known rate again at the amounts the path now carries; money waits for it. */
  private reprobe(cause: ProbeCause): void {
    if (this.rate.state.type === 'known') this.probeQueue = this.rate.startProbe(this.maxPacket.limit, cause)
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
    if (validate !== undefined) {
      return { type: 'send', request: this.seal(this.sequence.take() as bigint, 0n, 0n, [], now, { ...NO_CONTENT, validates: validate }) }
    }
    if (this.destinationAccount === undefined) return { type: 'none' }
    const probeAmount = this.probeQueue.shift()
    if (probeAmount !== undefined) return { type: 'send', request: this.buildProbe(probeAmount, now) }
    const request = this.buildPacket(now)
    if (request !== undefined) return { type: 'send', request }
    // Building may have found money to send at a rate not yet probed.
    const probe = this.probeQueue.shift()
    return probe === undefined ? { type: 'none' } : { type: 'send', request: this.buildProbe(probe, now) }
  }

  private buildProbe(amount: bigint, now: number): OutgoingRequest {
    const sequence = this.sequence.take() as bigint
    const frames: Frame[] = []
    // Every probe of the round carries our address and asset until one is heard: the smallest
    // may be rounded to nothing by a connector and never reach the receiver, and the sender
    // needs the receiver's asset details (its answer to ConnectionNewAddress) by the end of it.
    const carriesAddress = this.pushAddress(frames, true)
    return this.seal(sequence, amount, 0n, frames, now, { ...NO_CONTENT, probe: true, carriesAddress })
  }

  private pushAddress(frames: Frame[], evenInFlight = false): boolean {
    if (this.addressAcknowledged || (this.addressInFlight && !evenInFlight) || this.sourceAccount === undefined) return false
    frames.push({ type: FrameType.ConnectionNewAddress, sourceAccount: this.sourceAccount })
    if (this.assetDetails !== undefined) {
      frames.push({
        type: FrameType.ConnectionAssetDetails,
        sourceAssetCode: this.assetDetails.code,
        sourceAssetScale: this.assetDetails.scale,
      })
    }
    this.addressInFlight = true
    return true
  }

  private buildPacket(now: number): OutgoingRequest | undefined {
    const frames: Frame[] = []
    const carriesAddress = this.pushAddress(frames)
    const urgent = this.hasUrgentAdvertisement()
    const advertised = this.pushAdvertisements(frames)
    let meaningful = carriesAddress || urgent

    // Money: one stream per packet, so what the receiver reports is exactly that stream's.
    let amount = 0n
    let minDestination = 0n
    let moneyStream: StreamState | undefined
    const moneyBlocked: StreamState[] = []
    const ids = [...this.streams.keys()]
    for (let i = 0; i < ids.length && moneyStream === undefined; i++) {
      const stream = this.streams.get(ids[(this.roundRobin + i) % ids.length] as number) as StreamState
      const available = stream.available
      if (available === 0n || stream.id > this.remoteMaxStreamId) continue
      if (this.rate.state.type !== 'known') {
        // A re-probe that found nothing arriving at the amounts the path now carries: a rate of 0.
        if (this.rate.state.type === 'failed') this.failMoney(stream, this.rate.state.reason === 'rate-rounds-to-zero' ? 'exchange-rate-too-low' : 'exchange-rate-unknown')
        else this.startProbe()
        continue
      }
      if (!this.rate.acceptable) {
        this.failMoney(stream, 'exchange-rate-too-low')
        continue
      }
      let limit = available
      if (this.maxPacket.limit < limit) limit = this.maxPacket.limit
      const room = this.congestion.amountRoom
      if (room !== undefined && room < limit) limit = room
      const remoteRoom = this.remoteSourceRoom(stream)
      if (remoteRoom < limit) {
        limit = remoteRoom
        if (!stream.moneyBlockedSent) {
          // RFC 0029 §4.4.4: tell the receiver we would send more.
          frames.push({ type: FrameType.StreamMoneyBlocked, streamId: BigInt(stream.id), sendMax: stream.sendMax, totalSent: stream.totalSent })
          stream.moneyBlockedSent = true
          moneyBlocked.push(stream)
          meaningful = true
        }
      }
      if (limit <= 0n) continue
      moneyStream = stream
      amount = limit
      minDestination = this.rate.minDestination(amount)
      frames.push({ type: FrameType.StreamMoney, streamId: BigInt(stream.id), shares: 1n })
      this.roundRobin = (this.roundRobin + i + 1) % ids.length
    }

    // Data, resends first, within the connection's window (RFC 0029 §4.5).
    const data: Array<{ stream: StreamState; segment: DataSegment }> = []
    let budget = MAX_STREAM_PACKET_LENGTH - CONTROL_RESERVE
    for (const stream of this.streams.values()) {
      if (budget <= DATA_FRAME_OVERHEAD) break
      if (stream.outgoing.blocked && !stream.dataBlockedSent) {
        // RFC 0029 §4.4.4: say we would send more than the window allows.
        frames.push({ type: FrameType.StreamDataBlocked, streamId: BigInt(stream.id), maxOffset: BigInt(stream.outgoing.written) })
        stream.dataBlockedSent = true
        meaningful = true
      }
      if (!stream.outgoing.hasPending || stream.id > this.remoteMaxStreamId) continue
      if (this.dataAssigned >= this.remoteConnectionMaxOffset && !stream.outgoing.hasResend) {
        if (!this.connectionBlockedSent) {
          frames.push({ type: FrameType.ConnectionDataBlocked, maxOffset: BigInt(this.remoteConnectionMaxOffset) })
          this.connectionBlockedSent = true
          meaningful = true
        }
        continue
      }
      const before = stream.outgoing.assigned
      const segment = stream.outgoing.take(budget - DATA_FRAME_OVERHEAD, this.remoteConnectionMaxOffset - this.dataAssigned)
      if (segment === undefined) continue
      this.dataAssigned += stream.outgoing.assigned - before
      budget -= segment.data.length + DATA_FRAME_OVERHEAD
      data.push({ stream, segment })
      frames.push({ type: FrameType.StreamData, streamId: BigInt(stream.id), offset: BigInt(segment.offset), data: segment.data })
    }

    // Stream closes of drained streams.
    const closes: StreamState[] = []
    for (const stream of this.streams.values()) {
      if (stream.localEnding && !stream.localClosed && stream.drained && moneyStream !== stream && !data.some((d) => d.stream === stream)) {
        stream.localClosed = true
        closes.push(stream)
        frames.push({ type: FrameType.StreamClose, streamId: BigInt(stream.id), errorCode: stream.closeCode, errorMessage: stream.closeMessage })
      }
    }
    let streamIdBlocked = false
    if (!this.streamIdBlockedSent && this.waitsOnStreamId()) {
      // RFC 0029 §5.3.6: a stream of ours has something to send past the peer's maximum.
      frames.push({ type: FrameType.ConnectionStreamIdBlocked, maxStreamId: BigInt(this.nextStreamId - 2) })
      this.streamIdBlockedSent = streamIdBlocked = meaningful = true
    }

    let connectionClose = false
    if (this.status.type === 'closing' && closes.length === 0 && amount === 0n && data.length === 0 && this.allStreamsDone()) {
      frames.push({ type: FrameType.ConnectionClose, errorCode: StreamErrorCode.NoError, errorMessage: '' })
      connectionClose = true
    }

    if (amount === 0n && data.length === 0 && closes.length === 0 && !connectionClose && !meaningful) {
      // Only window updates of no consequence: not worth a packet.
      for (const stream of advertised) stream.advertise = true
      if (carriesAddress) this.addressInFlight = false
      return undefined
    }
    const sequence = this.sequence.take() as bigint
    if (moneyStream !== undefined) moneyStream.inFlight += amount
    return this.seal(sequence, amount, minDestination, frames, now, {
      stream: moneyStream,
      data,
      closes,
      advertised,
      moneyBlocked,
      probe: false,
      carriesAddress,
      connectionClose,
      streamIdBlocked,
      validates: undefined,
    })
  }

  private waitsOnStreamId(): boolean {
    for (const stream of this.streams.values()) {
      if (stream.id > this.remoteMaxStreamId && (stream.available > 0n || stream.outgoing.hasPending)) return true
    }
    return false
  }

  private hasUrgentAdvertisement(): boolean {
    for (const stream of this.streams.values()) if (stream.advertiseUrgent && stream.id <= this.remoteMaxStreamId) return true
    return false
  }

  private pushAdvertisements(frames: Frame[]): StreamState[] {
    const advertised: StreamState[] = []
    for (const stream of this.streams.values()) {
      // A stream past the peer's maximum is not named at all: that would open it (RFC 0029 §4.4.1).
      if (!stream.advertise || stream.remoteClosed || stream.id > this.remoteMaxStreamId) continue
      stream.advertise = stream.advertiseUrgent = false
      advertised.push(stream)
      this.pushStreamLimits(frames, stream)
    }
    this.pushConnectionLimits(frames)
    return advertised
  }

  private pushStreamLimits(frames: Frame[], stream: StreamState): void {
    const streamId = BigInt(stream.id)
    if (stream.receiveMax > stream.advertisedReceiveMax) stream.advertisedReceiveMax = stream.receiveMax
    frames.push({ type: FrameType.StreamMaxMoney, streamId, receiveMax: stream.receiveMax, totalReceived: stream.totalReceived })
    frames.push({ type: FrameType.StreamMaxData, streamId, maxOffset: BigInt(stream.incoming.maxOffset) })
  }

  private pushConnectionLimits(frames: Frame[]): void {
    if (!this.advertiseConnection) return
    this.advertiseConnection = false
    frames.push({ type: FrameType.ConnectionMaxData, maxOffset: BigInt(this.connectionMaxOffset()) })
    frames.push({ type: FrameType.ConnectionMaxStreamId, maxStreamId: BigInt(this.maxRemoteStreamId) })
  }

  private connectionMaxOffset(): number {
    const limit = this.incomingConsumed + this.connectionBufferSize
    if (limit > this.advertisedConnectionMax) this.advertisedConnectionMax = limit
    return this.advertisedConnectionMax
  }

  /** Source units the receiver's StreamMaxMoney still leaves, at the probed rate, less what is in flight. */
  private remoteSourceRoom(stream: StreamState): bigint {
    if (stream.remoteReceiveMax === MAX_UINT64) return MAX_UINT64
    const received = stream.remoteTotalReceived > stream.totalDelivered ? stream.remoteTotalReceived : stream.totalDelivered
    const room = stream.remoteReceiveMax - received - this.rate.expectedDestination(stream.inFlight)
    if (room <= 0n) return 0n
    return this.rate.maxSourceFor(room)
  }

  private allStreamsDone(): boolean {
    for (const stream of this.streams.values()) if (!stream.localClosed || !stream.drained) return false
    return true
  }

  private seal(
    sequence: bigint,
    amount: bigint,
    minDestination: bigint,
    frames: Frame[],
    now: number,
    rest: Omit<OutgoingRequest, 'sequence' | 'prepare' | 'fulfillment' | 'amount' | 'minDestination' | 'rateEpoch'>,
  ): OutgoingRequest {
    const data = encrypt(this.encryptionKey, encodeStreamPacket({ ilpPacketType: IlpPacketType.Prepare, sequence, prepareAmount: minDestination, frames }))
    let fulfillment: Uint8Array | undefined
    let executionCondition: Uint8Array
    if (rest.probe) {
      executionCondition = randomCondition()
    } else {
      fulfillment = fulfillmentOf(this.fulfillmentKey, data)
      executionCondition = conditionOf(fulfillment)
    }
    this.congestion.onSend(amount)
    const prepare: IlpPrepare = {
      amount,
      expiresAt: new Date(now + this.packetLifetime),
      executionCondition,
      destination: rest.validates ?? (this.destinationAccount as string),
      data,
    }
    return { sequence, prepare, fulfillment, amount, minDestination, rateEpoch: this.rate.epoch, ...rest }
  }

  /** Settles one of our Prepares with its Fulfill or Reject. */
  applyReply(request: OutgoingRequest, reply: IlpReply, now: number): void {
    this.congestion.onReply(request.amount)
    const response = this.openReply(request, reply)
    const fulfilled =
      reply.type === IlpPacketType.Fulfill &&
      request.fulfillment !== undefined &&
      reply.fulfillment.length === 32 &&
      timingSafeEqual(reply.fulfillment, request.fulfillment)
    // A Fulfill acknowledges every frame; a Reject carrying the receiver's reply still
    // means it read our control frames (it handles them before judging the money).
    const heard = fulfilled || response !== undefined
    if (heard) this.lastActive = now
    if (request.validates !== undefined) {
      const temporary = reply.type === IlpPacketType.Reject && (reply.code[0] === 'T' || reply.code[0] === 'R')
      if (!heard && temporary) this.retry.onTemporaryFailure(now)
      this.remoteAddress.onValidation(request.validates, heard ? 'heard' : temporary ? 'temporary' : 'final')
    }
    if (request.carriesAddress) {
      this.addressInFlight = false
      if (heard) this.addressAcknowledged = true
    }
    for (const stream of request.advertised) if (!heard) stream.advertise = stream.advertiseUrgent = true
    for (const stream of request.moneyBlocked) {
      if (heard) stream.blockedAnswered = true
      else stream.moneyBlockedSent = false
    }
    if (request.streamIdBlocked) {
      if (heard) this.streamIdBlockedAnswered = true
      else this.streamIdBlockedSent = false
    }
    for (const stream of request.closes) {
      if (heard) {
        stream.localCloseDone = true
        this.maybeFinishStream(stream)
      } else {
        stream.localClosed = false
      }
    }
    const moneyStream = request.stream
    if (moneyStream !== undefined) moneyStream.inFlight -= request.amount

    if (fulfilled) {
      for (const { stream, segment } of request.data) stream.outgoing.ack(segment)
      const delivered = response?.prepareAmount ?? request.minDestination
      this.totalSent += request.amount
      this.totalDelivered += delivered
      if (moneyStream !== undefined) {
        moneyStream.totalSent += request.amount
        moneyStream.totalDelivered += delivered
        this.receiverRejects.delete(moneyStream.id)
      }
      this.congestion.onFulfill(request.amount)
      this.retry.onSuccess()
      if (request.connectionClose) this.closeConnection(undefined)
    } else {
      for (const { stream, segment } of request.data) stream.outgoing.nack(segment)
      if (request.connectionClose && heard) this.closeConnection(undefined)
      else if (request.validates !== undefined) {
        // Settled above: a failed validation only means the address is not used.
      } else if (request.probe) {
        // Its frames first: a ConnectionClose in the receiver's reply ends probing with the connection.
        if (response !== undefined) this.handleFrames(response.frames, true)
        this.onProbeReply(request, reply, response, now)
      } else if (reply.type === IlpPacketType.Reject) this.onReject(request, reply, response, now)
      else this.retry.onTemporaryFailure(now) // a Fulfill that does not match: count nothing, try again
    }
    if (response !== undefined && !request.probe) this.handleFrames(response.frames, true)
    if (moneyStream !== undefined) this.checkReceiverBlocked(moneyStream)
    for (const stream of request.moneyBlocked) this.checkReceiverBlocked(stream)
    if (request.streamIdBlocked) this.checkStreamIdBlocked()
    if (moneyStream !== undefined) this.maybeFinishStream(moneyStream)
  }

  /** Streams with money to send past the peer's maximum stream ID, which it kept when we asked. */
  private checkStreamIdBlocked(): void {
    if (!this.streamIdBlockedAnswered) return
    for (const stream of this.streams.values()) {
      stream.streamIdBlocked = stream.id > this.remoteMaxStreamId && stream.inFlight === 0n && stream.available > 0n
    }
  }

  /**
   * The receiver's limit stops the stream: nothing in flight, no room for a packet that
   * delivers anything, and the receiver answered our StreamMoneyBlocked without raising it.
   */
  private checkReceiverBlocked(stream: StreamState): void {
    stream.receiverBlocked = stream.blockedAnswered && stream.inFlight === 0n && stream.available > 0n && this.remoteSourceRoom(stream) === 0n
  }

  private readonly receiverRejects = new Map<number, number>()

  private onProbeReply(request: OutgoingRequest, reply: IlpReply, response: StreamPacket | undefined, now: number): void {
    const step = this.rate.onProbeReply(request.amount, this.probeOutcome(request, reply, response, now), this.maxPacket.limit)
    if (step.type === 'round') this.probeQueue = step.amounts
    else if (step.type === 'done') this.events.push({ type: 'rate', ok: step.ok })
  }

  private probeOutcome(request: OutgoingRequest, reply: IlpReply, response: StreamPacket | undefined, now: number): ProbeOutcome {
    if (response !== undefined) return { type: 'delivered', amount: response.prepareAmount }
    if (reply.type !== IlpPacketType.Reject) return { type: 'final' }
    // RFC 0027 R01: a connector had nothing left to forward, as if it had delivered 0.
    if (reply.code === IlpErrorCode.R01_INSUFFICIENT_SOURCE_AMOUNT) return { type: 'delivered', amount: 0n }
    if (reply.code === IlpErrorCode.F08_AMOUNT_TOO_LARGE) {
      this.maxPacket.onAmountTooLarge(request.amount, reply.data)
      return { type: 'too-large' }
    }
    if (reply.code[0] === 'T' || reply.code[0] === 'R') {
      this.retry.onTemporaryFailure(now)
      return { type: 'temporary' }
    }
    return { type: 'final' }
  }

  private onReject(request: OutgoingRequest, reply: IlpReply & { type: IlpPacketType.Reject }, response: StreamPacket | undefined, now: number): void {
    const { code } = reply
    const stream = request.stream
    if (code === IlpErrorCode.F08_AMOUNT_TOO_LARGE && response === undefined) {
      const limit = this.maxPacket.onAmountTooLarge(request.amount, reply.data)
      if (limit === 0n) {
        for (const s of this.streams.values()) this.failMoney(s, 'path-unusable')
      } else if (limit < (this.rate.measurement?.sent ?? 0n)) {
        // The rate was measured on a packet larger than the path now carries: rounding on
        // smaller packets may make it worse (RFC 0029 §3.4).
        this.reprobe('max-packet')
      }
      return
    }
    if (stream !== undefined && request.amount > 0n && (code === IlpErrorCode.R01_INSUFFICIENT_SOURCE_AMOUNT || (response !== undefined && (code === IlpErrorCode.F04_INSUFFICIENT_DESTINATION_AMOUNT || response.prepareAmount < request.minDestination)))) {
      this.onRateReject(stream, request)
      return
    }
    if (code === IlpErrorCode.T04_INSUFFICIENT_LIQUIDITY) this.congestion.onInsufficientLiquidity(request.amount)
    if (code[0] === 'T' || code[0] === 'R') {
      this.retry.onTemporaryFailure(now)
      return
    }
    if (response !== undefined) {
      // The receiver read the packet and declined it (RFC 0029 §3.6).
      if (stream !== undefined) {
        const count = (this.receiverRejects.get(stream.id) ?? 0) + 1
        this.receiverRejects.set(stream.id, count)
        if (count >= MAX_RECEIVER_REJECTS) this.failMoney(stream, 'rejected-by-receiver')
      }
      this.retry.onTemporaryFailure(now)
      return
    }
    // A final error from the path (F02 unreachable, F06 wrong secret…): nothing will get through.
    this.closeConnection(new ConnectionError(StreamErrorCode.InternalError, `${code} from ${reply.triggeredBy}: ${reply.message}`))
  }

  /**
   * A money packet arrived below its minimum (F04, or R01: nothing left on the way). The rate
   * may have moved: measure it again, and let money go on if it still meets the minimum. A
   * packet priced with a measurement taken because of such a reject, and refused again, is
   * one the path cannot carry at the minimum rate (rounding at its size): its stream stops.
   */
  private onRateReject(stream: StreamState, request: OutgoingRequest): void {
    if (this.rate.state.type !== 'known' || request.rateEpoch < this.rate.epoch) return
    if (this.rate.cause === 'rate') this.failMoney(stream, 'exchange-rate-too-low')
    else this.reprobe('rate')
  }

  /** The receiver's STREAM reply inside a Fulfill or Reject, if it is one and answers this request. */
  private openReply(request: OutgoingRequest, reply: IlpReply): StreamPacket | undefined {
    if (reply.data.length === 0) return undefined
    try {
      const packet = decodeStreamPacket(decrypt(this.encryptionKey, reply.data))
      // RFC 0029 §5.2: discard a reply with another sequence or on the wrong ILP packet type.
      if (packet.sequence !== request.sequence || packet.ilpPacketType !== reply.type) return undefined
      return packet
    } catch {
      return undefined
    }
  }

  private failMoney(stream: StreamState, reason: SendFailureReason): void {
    if (stream.moneyFailure !== undefined) return
    stream.moneyFailure = reason
  }

  // ── Receiving ───────────────────────────────────────────────────────────────────────

  /**
   * RFC 0029 §4.2: an incoming Prepare for this connection. Always answers: a Fulfill with
   * our reply, a Reject with our reply (F99, F04), or F06 if the data is not ours.
   */
  handlePrepare(prepare: IlpPrepare, now: number): IlpReply {
    // RFC 0027: an expired Prepare is refused as timed out, unread.
    if (prepare.expiresAt.getTime() <= now) return expiredReject(this.sourceAccount)
    let packet: StreamPacket
    try {
      packet = decodeStreamPacket(decrypt(this.encryptionKey, prepare.data))
    } catch {
      return reject(IlpErrorCode.F06_UNEXPECTED_PAYMENT, this.sourceAccount, 'cannot decrypt', new Uint8Array(0))
    }
    if (packet.ilpPacketType !== IlpPacketType.Prepare) {
      // RFC 0029 §5.2: on the wrong ILP packet type: discard.
      return reject(IlpErrorCode.F06_UNEXPECTED_PAYMENT, this.sourceAccount, 'wrong packet type', new Uint8Array(0))
    }
    this.lastActive = now
    const replyFrames: Frame[] = []
    const rejectWith = (code: string): IlpReply => this.rejectReply(code, packet.sequence, prepare.amount, replyFrames)

    if (this.status.type === 'closed') {
      const error = this.status.error
      replyFrames.push({ type: FrameType.ConnectionClose, errorCode: error?.code ?? StreamErrorCode.NoError, errorMessage: error?.message ?? '' })
      return rejectWith(IlpErrorCode.F99_APPLICATION_ERROR)
    }

    // Streams named for the first time open here (RFC 0029 §4.4.1).
    for (const frame of packet.frames) {
      if (!('streamId' in frame) || frame.type === FrameType.StreamReceipt) continue
      const opensStream =
        frame.type === FrameType.StreamMoney ||
        frame.type === FrameType.StreamData ||
        frame.type === FrameType.StreamMaxMoney ||
        frame.type === FrameType.StreamMaxData
      const violation = this.admitStream(frame.streamId, opensStream)
      if (violation !== undefined) {
        if (violation === 'closed') {
          replyFrames.push({ type: FrameType.StreamClose, streamId: frame.streamId, errorCode: StreamErrorCode.StreamStateError, errorMessage: 'stream is closed' })
          if (frame.type === FrameType.StreamMoney || frame.type === FrameType.StreamData) return rejectWith(IlpErrorCode.F99_APPLICATION_ERROR)
          continue
        }
        replyFrames.push({ type: FrameType.ConnectionClose, errorCode: violation.code, errorMessage: violation.message })
        this.closeConnection(violation)
        return rejectWith(IlpErrorCode.F99_APPLICATION_ERROR)
      }
    }
    this.handleFrames(packet.frames, false)
    if (this.assetDetails !== undefined && packet.frames.some((frame) => frame.type === FrameType.ConnectionNewAddress)) {
      // RFC 0029 §4.3.3: each endpoint SHOULD emit its asset details; a sender needs them to
      // enforce a minimum rate. Answer a ConnectionNewAddress (empty too: "tell me your asset")
      // with ours, in the reply, as ilp-protocol-stream and @interledger/stream-receiver do.
      replyFrames.push({ type: FrameType.ConnectionAssetDetails, sourceAssetCode: this.assetDetails.code, sourceAssetScale: this.assetDetails.scale })
    }
    const after = this.status as ConnectionStatus
    if (after.type === 'closed' && after.error !== undefined && !after.error.remote) {
      return rejectWith(IlpErrorCode.F99_APPLICATION_ERROR)
    }

    // RFC 0029 §3.4: not less than the sender's minimum.
    if (prepare.amount < packet.prepareAmount) {
      this.pushLimitsFor(replyFrames, packet)
      return rejectWith(IlpErrorCode.F04_INSUFFICIENT_DESTINATION_AMOUNT)
    }
    // RFC 0029 §6.3: a condition we cannot fulfill (a probe) is answered with our reply.
    const fulfillment = fulfillmentOf(this.fulfillmentKey, prepare.data)
    if (!timingSafeEqual(conditionOf(fulfillment), prepare.executionCondition)) {
      this.pushLimitsFor(replyFrames, packet)
      return rejectWith(IlpErrorCode.F99_APPLICATION_ERROR)
    }

    // Money: split by shares (RFC 0029 §5.3.8), each stream within its limit.
    const credits = this.splitMoney(prepare.amount, packet)
    if (credits === undefined) {
      this.pushLimitsFor(replyFrames, packet)
      return rejectWith(IlpErrorCode.F99_APPLICATION_ERROR)
    }
    // Data: within the stream's and the connection's windows (RFC 0029 §4.4.4, §4.5).
    let highest = this.incomingHighest
    for (const frame of packet.frames) {
      if (frame.type !== FrameType.StreamData) continue
      const stream = this.streams.get(Number(frame.streamId))
      if (stream === undefined || stream.remoteClosed) continue
      const end = Number(frame.offset) + frame.data.length
      const beyond = end - Math.max(stream.incoming.readEnd, Number(frame.offset))
      if (!stream.incoming.fits(end)) return this.flowControlViolation(replyFrames, rejectWith, `stream ${stream.id} data past offset ${stream.incoming.maxOffset}`)
      if (beyond > 0) highest += beyond
    }
    if (highest > this.connectionMaxOffset()) return this.flowControlViolation(replyFrames, rejectWith, 'connection data past ConnectionMaxData')
    this.incomingHighest = highest

    // Accept.
    this.totalReceived += prepare.amount
    for (const [stream, amount] of credits) {
      stream.totalReceived += amount
      stream.advertise = true
      if (amount > 0n) this.events.push({ type: 'money', stream, amount })
    }
    for (const frame of packet.frames) {
      if (frame.type !== FrameType.StreamData) continue
      const stream = this.streams.get(Number(frame.streamId))
      if (stream === undefined || stream.remoteClosed) continue
      for (const chunk of stream.incoming.push(Number(frame.offset), frame.data)) this.events.push({ type: 'data', stream, chunk })
      stream.advertise = true
    }
    this.pushReplyAdvertisements(replyFrames)
    if (this.receipt !== undefined) {
      // RFC 0039: a receipt in every Fulfill for each stream credited (stream IDs ≤ 255 only).
      for (const [stream] of credits) {
        if (stream.id > 255) continue
        const receipt = createReceipt({ nonce: this.receipt.nonce, streamId: BigInt(stream.id), totalReceived: stream.totalReceived, secret: this.receipt.secret })
        replyFrames.push({ type: FrameType.StreamReceipt, streamId: BigInt(stream.id), receipt })
      }
    }
    const data = encrypt(this.encryptionKey, encodeStreamPacket({ ilpPacketType: IlpPacketType.Fulfill, sequence: packet.sequence, prepareAmount: prepare.amount, frames: replyFrames }))
    return { type: IlpPacketType.Fulfill, fulfillment, data }
  }

  private flowControlViolation(replyFrames: Frame[], rejectWith: (code: string) => IlpReply, message: string): IlpReply {
    const error = new ConnectionError(StreamErrorCode.FlowControlError, message)
    replyFrames.push({ type: FrameType.ConnectionClose, errorCode: error.code, errorMessage: message })
    this.closeConnection(error)
    return rejectWith(IlpErrorCode.F99_APPLICATION_ERROR)
  }

  /** Our limits for the streams a declined packet named, so the sender can adjust. */
  private pushLimitsFor(replyFrames: Frame[], packet: StreamPacket): void {
    for (const frame of packet.frames) {
      if (frame.type !== FrameType.StreamMoney && frame.type !== FrameType.StreamData) continue
      const stream = this.streams.get(Number(frame.streamId))
      if (stream !== undefined && !replyFrames.some((f) => f.type === FrameType.StreamMaxMoney && f.streamId === frame.streamId)) {
        this.pushStreamLimits(replyFrames, stream)
      }
    }
    this.pushClosesInReply(replyFrames)
  }

  private pushReplyAdvertisements(replyFrames: Frame[]): void {
    for (const stream of this.streams.values()) {
      if (!stream.advertise || stream.id > this.remoteMaxStreamId) continue
      stream.advertise = stream.advertiseUrgent = false
      this.pushStreamLimits(replyFrames, stream)
    }
    this.pushConnectionLimits(replyFrames)
    this.pushClosesInReply(replyFrames)
  }

  /** Closes we cannot send by Prepare ride on replies. */
  private pushClosesInReply(replyFrames: Frame[]): void {
    if (this.canSend && this.destinationAccount !== undefined) return
    for (const stream of this.streams.values()) {
      if (stream.localClosed && !stream.localCloseDone && stream.drained) {
        replyFrames.push({ type: FrameType.StreamClose, streamId: BigInt(stream.id), errorCode: stream.closeCode, errorMessage: stream.closeMessage })
        stream.localCloseDone = true
        this.maybeFinishStream(stream)
      }
    }
  }

  private rejectReply(code: string, sequence: bigint, amount: bigint, frames: Frame[]): IlpReply {
    const data = encrypt(this.encryptionKey, encodeStreamPacket({ ilpPacketType: IlpPacketType.Reject, sequence, prepareAmount: amount, frames }))
    return reject(code, this.sourceAccount, '', data)
  }

  /** Amount per stream (RFC 0029 §5.3.8: rounded down, the remainder to the lowest stream with room), or undefined if a stream would exceed its limit. */
  private splitMoney(amount: bigint, packet: StreamPacket): Array<[StreamState, bigint]> | undefined {
    const shares: Array<[StreamState, bigint]> = []
    let totalShares = 0n
    for (const frame of packet.frames) {
      if (frame.type !== FrameType.StreamMoney || frame.shares === 0n) continue
      const stream = this.streams.get(Number(frame.streamId))
      if (stream === undefined) continue
      totalShares += frame.shares
      shares.push([stream, frame.shares])
    }
    if (totalShares === 0n) return amount === 0n ? [] : undefined
    shares.sort((a, b) => a[0].id - b[0].id)
    let remainder = amount
    const credits: Array<[StreamState, bigint]> = []
    for (const [stream, share] of shares) {
      const part = (amount * share) / totalShares
      remainder -= part
      credits.push([stream, part])
    }
    for (const credit of credits) {
      if (remainder === 0n) break
      const room = credit[0].receiveRoom - credit[1]
      const extra = room < remainder ? (room > 0n ? room : 0n) : remainder
      credit[1] += extra
      remainder -= extra
    }
    if (remainder > 0n) return undefined
    for (const [stream, part] of credits) {
      if (part > stream.receiveRoom || stream.remoteClosed) return undefined
    }
    return credits
  }

  /** Whether a frame's stream ID may be used; opens a remote stream the first time. */
  private admitStream(streamId: bigint, opens: boolean): ConnectionError | 'closed' | undefined {
    if (streamId > BigInt(Number.MAX_SAFE_INTEGER)) return new ConnectionError(StreamErrorCode.StreamIdError, `stream ID ${streamId} is too large`)
    const id = Number(streamId)
    if (this.streams.has(id)) return undefined
    if (this.closedStreams.has(id)) return 'closed'
    if (!opens || id === 0) return undefined
    const remoteParity = this.role === 'client' ? 0 : 1
    if (id % 2 !== remoteParity) {
      // A stream of ours we never opened: RFC 0029 §4.4.1 protocol violation.
      return new ConnectionError(StreamErrorCode.ProtocolViolation, `stream ${id} has the wrong parity`)
    }
    if (id > this.maxRemoteStreamId) {
      return new ConnectionError(StreamErrorCode.StreamIdError, `stream ${id} exceeds the maximum stream ID ${this.maxRemoteStreamId}`)
    }
    const stream = this.newStream(id)
    // Synchronously, so the application can set the stream's limits before its first money is judged.
    this.onStream?.(stream)
    return undefined
  }

  private newStream(id: number): StreamState {
    const stream = new StreamState(id, this.receiveMax, this.streamBufferSize)
    this.streams.set(id, stream)
    return stream
  }

  /** Control frames from a Prepare or a reply (RFC 0029 §5.3). */
  private handleFrames(frames: Frame[], inReply: boolean): void {
    for (const frame of frames) {
      switch (frame.type) {
        case FrameType.ConnectionNewAddress:
          if (!inReply && frame.sourceAccount !== '') {
            this.remoteAddress.announce(frame.sourceAccount)
            // RFC 0029 §4.3.1: the client answers with its limits and asset details.
            this.advertiseConnection = true
          }
          break
        case FrameType.ConnectionAssetDetails:
          // RFC 0029 §4.3.3: asset details never change; keep the first.
          this.remoteAssetDetails ??= { code: frame.sourceAssetCode, scale: frame.sourceAssetScale }
          break
        case FrameType.ConnectionClose:
          this.closeConnection(frame.errorCode === StreamErrorCode.NoError ? undefined : new ConnectionError(frame.errorCode, frame.errorMessage, true), true)
          break
        case FrameType.ConnectionMaxData: {
          const max = Number(frame.maxOffset > BigInt(Number.MAX_SAFE_INTEGER) ? BigInt(Number.MAX_SAFE_INTEGER) : frame.maxOffset)
          if (max > this.remoteConnectionMaxOffset) {
            this.remoteConnectionMaxOffset = max
            this.connectionBlockedSent = false
          }
          break
        }
        case FrameType.ConnectionMaxStreamId: {
          const max = Number(frame.maxStreamId > 1_000_000_000n ? 1_000_000_000n : frame.maxStreamId)
          // The first one replaces the assumed default, lower too; after that it only grows.
          if (max > this.remoteMaxStreamId || !this.remoteMaxStreamIdHeard) {
            this.remoteMaxStreamIdHeard = true
            if (max > this.remoteMaxStreamId) {
              this.streamIdBlockedSent = this.streamIdBlockedAnswered = false
              for (const stream of this.streams.values()) stream.streamIdBlocked = false
            }
            this.remoteMaxStreamId = max
          }
          break
        }
        case FrameType.ConnectionStreamIdBlocked:
          // The sender waits on our maximum stream ID: tell it the current one.
          this.advertiseConnection = true
          break
        case FrameType.ConnectionDataBlocked:
          this.advertiseConnection = true
          this.remoteConnectionBlocked = true
          break
        case FrameType.StreamClose: {
          const stream = this.streams.get(Number(frame.streamId))
          if (stream === undefined || stream.remoteClosed) break
          stream.remoteClosed = true
          this.events.push({ type: 'end', stream })
          if (frame.errorCode !== StreamErrorCode.NoError) {
            stream.remoteError = new ConnectionError(frame.errorCode, frame.errorMessage, true)
            this.endStream(stream, StreamErrorCode.NoError)
            stream.moneyFailure ??= 'stream-closed'
            stream.outgoing.discard()
          } else {
            // Half-close: the other side is done; we close ours once it has drained.
            this.endStream(stream)
          }
          this.maybeFinishStream(stream)
          break
        }
        case FrameType.StreamMaxMoney: {
          const stream = this.streams.get(Number(frame.streamId))
          if (stream === undefined) break
          // RFC 0029 §4.4.4: limits only grow; unlimited until first told.
          if (stream.remoteReceiveMax === MAX_UINT64 || frame.receiveMax > stream.remoteReceiveMax) {
            if (frame.receiveMax !== stream.remoteReceiveMax) stream.moneyBlockedSent = stream.blockedAnswered = stream.receiverBlocked = false
            stream.remoteReceiveMax = frame.receiveMax
          }
          if (frame.totalReceived > stream.remoteTotalReceived) stream.remoteTotalReceived = frame.totalReceived
          break
        }
        case FrameType.StreamMaxData: {
          const stream = this.streams.get(Number(frame.streamId))
          const max = frame.maxOffset > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(frame.maxOffset)
          if (stream !== undefined && max > stream.outgoing.remoteMaxOffset) {
            stream.outgoing.onMaxOffset(max)
            stream.dataBlockedSent = false
          }
          break
        }
        case FrameType.StreamDataBlocked:
        case FrameType.StreamMoneyBlocked: {
          // The sender waits on our limits: tell it them, in a packet of our own if need be.
          const stream = this.streams.get(Number(frame.streamId))
          if (stream === undefined) break
          stream.advertise = stream.advertiseUrgent = true
          if (frame.type === FrameType.StreamDataBlocked) stream.remoteDataBlocked = true
          break
        }
        case FrameType.StreamReceipt: {
          const stream = this.streams.get(Number(frame.streamId))
          if (!inReply || stream === undefined) break
          stream.receipt = frame.receipt
          this.events.push({ type: 'receipt', stream, receipt: frame.receipt })
          break
        }
        default:
          break
      }
    }
  }

  /** Removes a stream once both sides have closed it; the other side may then open another. */
  private maybeFinishStream(stream: StreamState): void {
    if (stream.localEnding && !stream.localClosed && stream.drained && (!this.canSend || this.destinationAccount === undefined)) {
      stream.localClosed = true
    }
    if (!stream.closed || !this.streams.has(stream.id)) return
    this.streams.delete(stream.id)
    this.closedStreams.add(stream.id)
    const remoteParity = this.role === 'client' ? 0 : 1
    if (stream.id % 2 === remoteParity) {
      this.maxRemoteStreamId += 2
      this.advertiseConnection = true
    }
    this.events.push({ type: 'stream-close', stream, error: stream.remoteError })
  }

  // ── Closing ─────────────────────────────────────────────────────────────────────────

  /** RFC 0029 §4.6: end every stream, then send ConnectionClose. */
  end(): void {
    if (this.status.type !== 'open') return
    for (const stream of this.streams.values()) this.endStream(stream)
    if (!this.canSend || this.destinationAccount === undefined) {
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
    if (this.canSend && this.destinationAccount !== undefined && !this.sequence.exhausted) {
      const frames: Frame[] = [{ type: FrameType.ConnectionClose, errorCode: error?.code ?? StreamErrorCode.NoError, errorMessage: error?.message ?? '' }]
      request = this.seal(this.sequence.take() as bigint, 0n, 0n, frames, now, { ...NO_CONTENT, connectionClose: true })
    }
    this.closeConnection(error)
    return request
  }

  private closeConnection(error: ConnectionError | undefined, remote = false): void {
    if (this.status.type === 'closed') return
    this.status = { type: 'closed', error }
    this.probeQueue = []
    if (this.rate.state.type === 'probing' || this.rate.state.type === 'unknown') {
      this.rate.fail('connection-closed')
      this.events.push({ type: 'rate', ok: false })
    }
    for (const stream of this.streams.values()) {
      stream.moneyFailure ??= 'connection-closed'
      stream.outgoing.discard()
      stream.localEnding = stream.localClosed = stream.localCloseDone = true
      if (!stream.remoteClosed) {
        stream.remoteClosed = true
        this.events.push({ type: 'end', stream })
      }
      this.streams.delete(stream.id)
      this.closedStreams.add(stream.id)
      this.events.push({ type: 'stream-close', stream, error: error ?? stream.remoteError })
    }
    this.events.push({ type: 'close', error: remote || error === undefined ? error : error })
  }
}

/** RFC 0027 R00: a Prepare that arrives expired is refused unread. */
export function expiredReject(triggeredBy: string | undefined): IlpReply {
  return reject(IlpErrorCode.R00_TRANSFER_TIMED_OUT, triggeredBy, 'the Prepare expired', new Uint8Array(0))
}

function reject(code: string, triggeredBy: string | undefined, message: string, data: Uint8Array): IlpReply {
  return { type: IlpPacketType.Reject, code, triggeredBy: triggeredBy ?? '', message, data }
}
