import { IlpErrorCode, IlpPacketType, MAX_UINT64, type IlpReply } from '@stack/ilp-core'
import { ConnectionError, type SendFailureReason } from '../connection-error.js'
import type { CongestionController } from '../controllers/congestion.js'
import type { ExchangeRateController, ProbeCause, ProbeOutcome } from '../controllers/exchange-rate.js'
import type { MaxPacketAmountController } from '../controllers/max-packet-amount.js'
import type { RetryController } from '../controllers/retry.js'
import { StreamErrorCode } from '../wire/error-codes.js'
import { atMostUInt64 } from '../wire/oer-writer.js'
import { FrameType } from '../wire/frames/frame-type.js'
import type { Frame } from '../wire/frames/frame.js'
import type { StreamPacket } from '../wire/packet.js'
import type { StreamState } from '../stream-state.js'
import type { StreamTable } from './stream-table.js'
import type { CoreEvent, OutgoingRequest } from './types.js'

/** Consecutive receiver rejects of money on one stream before its sends fail. */
const MAX_RECEIVER_REJECTS = 20

/** The money a packet is to carry, and the streams whose StreamMoneyBlocked it carries. */
export interface MoneyPick {
  stream: StreamState | undefined
  amount: bigint
  minDestination: bigint
  moneyBlocked: StreamState[]
}

export interface MoneySenderParts {
  streams: StreamTable
  rate: ExchangeRateController
  maxPacket: MaxPacketAmountController
  congestion: CongestionController
  retry: RetryController
  emit(event: CoreEvent): void
  /** A final error from the path: nothing will get through. */
  fail(error: ConnectionError): void
}

/**
 * Sending money (RFC 0029 §3.4, §4.4): which stream's money goes next and how much, priced at
 * the probed rate within the path's, the congestion window's and the receiver's limits; the
 * probe rounds that measure the rate; what each reply to a money packet or probe means for
 * the controllers; and the totals sent and delivered.
 */
export class MoneySender {
  totalSent = 0n
  totalDelivered = 0n
  private readonly parts: MoneySenderParts
  private probeQueue: bigint[] = []
  private readonly receiverRejects = new Map<number, number>()
  private roundRobin = 0

  constructor(parts: MoneySenderParts) {
    this.parts = parts
  }

  /** Starts probing the path's rate if that has not begun. */
  startProbe(): void {
    const { rate, maxPacket } = this.parts
    if (rate.state.type === 'unknown') this.probeQueue = rate.startProbe(maxPacket.limit, 'initial')
  }

  /** The next probe amount to send, if a round is under way. */
  takeProbe(): bigint | undefined {
    return this.probeQueue.shift()
  }

  stop(): void {
    this.probeQueue = []
  }

  /** Measures a known rate again at the amounts the path now carries; money waits for it. */
  private reprobe(cause: ProbeCause): void {
    const { rate, maxPacket } = this.parts
    if (rate.state.type === 'known') this.probeQueue = rate.startProbe(maxPacket.limit, cause)
  }

  /** Money for the next packet: one stream per packet, so what the receiver reports is exactly that stream's. */
  pick(frames: Frame[]): MoneyPick {
    const { streams, rate, maxPacket, congestion } = this.parts
    const pick: MoneyPick = { stream: undefined, amount: 0n, minDestination: 0n, moneyBlocked: [] }
    const ids = [...streams.streams.keys()]
    for (let i = 0; i < ids.length && pick.stream === undefined; i++) {
      const stream = streams.streams.get(ids[(this.roundRobin + i) % ids.length] as number) as StreamState
      const available = stream.available
      if (available === 0n || !streams.usable(stream)) continue
      if (rate.state.type !== 'known') {
        // A re-probe that found nothing arriving at the amounts the path now carries: a rate of 0.
        if (rate.state.type === 'failed') this.failMoney(stream, rate.state.reason === 'rate-rounds-to-zero' ? 'exchange-rate-too-low' : 'exchange-rate-unknown')
        else this.startProbe()
        continue
      }
      if (!rate.acceptable) {
        this.failMoney(stream, 'exchange-rate-too-low')
        continue
      }
      let limit = available
      if (maxPacket.limit < limit) limit = maxPacket.limit
      if (rate.maxSource < limit) limit = rate.maxSource
      const room = congestion.amountRoom
      if (room !== undefined && room < limit) limit = room
      const remoteRoom = this.remoteSourceRoom(stream)
      if (remoteRoom < limit) {
        limit = remoteRoom
        if (!stream.moneyBlockedSent) {
          // RFC 0029 §4.4.4: tell the receiver we would send more.
          frames.push({ type: FrameType.StreamMoneyBlocked, streamId: BigInt(stream.id), sendMax: atMostUInt64(stream.sendMax), totalSent: atMostUInt64(stream.totalSent) })
          stream.moneyBlockedSent = true
          pick.moneyBlocked.push(stream)
        }
      }
      if (limit <= 0n) continue
      pick.stream = stream
      pick.amount = limit
      pick.minDestination = rate.minDestination(limit)
      frames.push({ type: FrameType.StreamMoney, streamId: BigInt(stream.id), shares: 1n })
      this.roundRobin = (this.roundRobin + i + 1) % ids.length
    }
    return pick
  }

  /** A new send of the application: ask the receiver again before its limit stops it. */
  resume(stream: StreamState): void {
    stream.moneyBlockedSent = stream.blockedAnswered = stream.receiverBlocked = false
  }

  /** Our packet came back: `heard` if the receiver read it. Before its frames are handled. */
  onReply(request: OutgoingRequest, heard: boolean): void {
    for (const stream of request.moneyBlocked) {
      if (heard) stream.blockedAnswered = true
      else stream.moneyBlockedSent = false
    }
    if (request.stream !== undefined) request.stream.inFlight -= request.amount
  }

  onFulfill(request: OutgoingRequest, response: StreamPacket | undefined): void {
    const delivered = response?.prepareAmount ?? request.minDestination
    this.totalSent += request.amount
    this.totalDelivered += delivered
    const stream = request.stream
    if (stream !== undefined) {
      stream.totalSent += request.amount
      stream.totalDelivered += delivered
      this.receiverRejects.delete(stream.id)
    }
    this.parts.congestion.onFulfill(request.amount)
    this.parts.retry.onSuccess()
  }

  /** After the reply's frames: whether the receiver's limit now stops a stream. */
  afterReply(request: OutgoingRequest): void {
    if (request.stream !== undefined) this.checkReceiverBlocked(request.stream)
    for (const stream of request.moneyBlocked) this.checkReceiverBlocked(stream)
  }

  onProbeReply(request: OutgoingRequest, reply: IlpReply, response: StreamPacket | undefined, now: number): void {
    const { rate, maxPacket } = this.parts
    const step = rate.onProbeReply(request.amount, this.probeOutcome(request, reply, response, now), maxPacket.limit)
    if (step.type === 'round') this.probeQueue = step.amounts
    else if (step.type === 'done') this.parts.emit({ type: 'rate', ok: step.ok })
  }

  onReject(request: OutgoingRequest, reply: IlpReply & { type: IlpPacketType.Reject }, response: StreamPacket | undefined, now: number): void {
    const { code } = reply
    const { streams, rate, maxPacket, congestion, retry } = this.parts
    const stream = request.stream
    if (code === IlpErrorCode.F08_AMOUNT_TOO_LARGE && response === undefined) {
      const limit = maxPacket.onAmountTooLarge(request.amount, reply.data)
      if (limit === 0n) {
        for (const s of streams.streams.values()) this.failMoney(s, 'path-unusable')
      } else if (limit < (rate.measurement?.sent ?? 0n)) {
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
    if (code === IlpErrorCode.T04_INSUFFICIENT_LIQUIDITY) congestion.onInsufficientLiquidity(request.amount)
    if (code[0] === 'T' || code[0] === 'R') {
      retry.onTemporaryFailure(now)
      return
    }
    if (response !== undefined) {
      // The receiver read the packet and declined it (RFC 0029 §3.6).
      if (stream !== undefined) {
        const count = (this.receiverRejects.get(stream.id) ?? 0) + 1
        this.receiverRejects.set(stream.id, count)
        if (count >= MAX_RECEIVER_REJECTS) this.failMoney(stream, 'rejected-by-receiver')
      }
      retry.onTemporaryFailure(now)
      return
    }
    // A final error from the path (F02 unreachable, F06 wrong secret…): nothing will get through.
    this.parts.fail(new ConnectionError(StreamErrorCode.InternalError, `${code} from ${reply.triggeredBy}: ${reply.message}`))
  }

  /** Source units the receiver's StreamMaxMoney still leaves, at the probed rate, less what is in flight. */
  private remoteSourceRoom(stream: StreamState): bigint {
    if (stream.remoteReceiveMax === MAX_UINT64) return MAX_UINT64
    const { rate } = this.parts
    const received = stream.remoteTotalReceived > stream.totalDelivered ? stream.remoteTotalReceived : stream.totalDelivered
    const room = stream.remoteReceiveMax - received - rate.expectedDestination(stream.inFlight)
    if (room <= 0n) return 0n
    return rate.maxSourceFor(room)
  }

  /**
   * The receiver's limit stops the stream: nothing in flight, no room for a packet that
   * delivers anything, and the receiver answered our StreamMoneyBlocked without raising it.
   */
  private checkReceiverBlocked(stream: StreamState): void {
    stream.receiverBlocked = stream.blockedAnswered && stream.inFlight === 0n && stream.available > 0n && this.remoteSourceRoom(stream) === 0n
  }

  private probeOutcome(request: OutgoingRequest, reply: IlpReply, response: StreamPacket | undefined, now: number): ProbeOutcome {
    if (response !== undefined) return { type: 'delivered', amount: response.prepareAmount }
    if (reply.type !== IlpPacketType.Reject) return { type: 'final' }
    // RFC 0027 R01: a connector had nothing left to forward, as if it had delivered 0.
    if (reply.code === IlpErrorCode.R01_INSUFFICIENT_SOURCE_AMOUNT) return { type: 'delivered', amount: 0n }
    if (reply.code === IlpErrorCode.F08_AMOUNT_TOO_LARGE) {
      this.parts.maxPacket.onAmountTooLarge(request.amount, reply.data)
      return { type: 'too-large' }
    }
    if (reply.code[0] === 'T' || reply.code[0] === 'R') {
      this.parts.retry.onTemporaryFailure(now)
      return { type: 'temporary' }
    }
    return { type: 'final' }
  }

  /**
   * A money packet arrived below its minimum (F04, or R01: nothing left on the way). The rate
   * may have moved: measure it again, and let money go on if it still meets the minimum. A
   * packet priced with a measurement taken because of such a reject, and refused again, is
   * one the path cannot carry at the minimum rate (rounding at its size): its stream stops.
   */
  private onRateReject(stream: StreamState, request: OutgoingRequest): void {
    const { rate } = this.parts
    if (rate.state.type !== 'known' || request.rateEpoch < rate.epoch) return
    if (rate.cause === 'rate') this.failMoney(stream, 'exchange-rate-too-low')
    else this.reprobe('rate')
  }

  private failMoney(stream: StreamState, reason: SendFailureReason): void {
    stream.moneyFailure ??= reason
  }
}
