import { timingSafeEqual } from 'node:crypto'
import { IlpPacketType, type IlpReply } from '@stack/ilp-core'
import { ConnectionError } from '../connection-error.js'
import type { CongestionController } from '../controllers/congestion.js'
import type { ExchangeRateController } from '../controllers/exchange-rate.js'
import type { RemoteAddressController } from '../controllers/remote-address.js'
import type { RetryController } from '../controllers/retry.js'
import type { SequenceController } from '../controllers/sequence.js'
import { StreamErrorCode } from '../wire/error-codes.js'
import { FrameType } from '../wire/frames/frame-type.js'
import type { Frame } from '../wire/frames/frame.js'
import type { StreamState } from '../stream-state.js'
import type { Framer } from './framer.js'
import type { MoneySender } from './money-sender.js'
import type { PacketSealer } from './packet-seal.js'
import type { StreamTable } from './stream-table.js'
import { requestContent, type ConnectionStatus, type NextStep, type OutgoingRequest, type RequestContent } from './types.js'

export interface OutgoingParts {
  streams: StreamTable
  sequence: SequenceController
  rate: ExchangeRateController
  congestion: CongestionController
  retry: RetryController
  remoteAddress: RemoteAddressController
  sealer: PacketSealer
  framer: Framer
  money: MoneySender
  /** Lifetime of our Prepares, ms. */
  packetLifetime: number
  status(): ConnectionStatus
  /** Whether we have a way to send Prepares at all. */
  canSend(): boolean
  /** The other side's control frames in its reply (RFC 0029 §5.3). */
  applyFrames(frames: Frame[]): void
  /** The other side read a packet of ours (our time). */
  heard(now: number): void
  close(error: ConnectionError | undefined): void
  finish(stream: StreamState): void
}

/**
 * Our Prepares (RFC 0029 §4.2): which one goes next — an address validation, a rate probe,
 * or the framer's packet — sealed under the next sequence, and what each one's Fulfill or
 * Reject means for the parts that filled it.
 */
export class Outgoing {
  private readonly parts: OutgoingParts

  constructor(parts: OutgoingParts) {
    this.parts = parts
  }

  next(now: number): NextStep {
    const { congestion, retry, sequence, remoteAddress, money, framer } = this.parts
    const status = this.parts.status()
    if (status.type === 'closed' || !this.parts.canSend() || (remoteAddress.current === undefined && !remoteAddress.pending)) return { type: 'none' }
    if (!congestion.canSendPacket) return { type: 'none' }
    if (!retry.ready(now)) return { type: 'wait', until: retry.notBefore }
    if (sequence.exhausted) {
      this.parts.close(new ConnectionError(StreamErrorCode.InternalError, 'sent 2^31 packets (RFC 0029 §5.1.3)'))
      return { type: 'none' }
    }
    const validate = remoteAddress.takeValidation()
    if (validate !== undefined) return { type: 'send', request: this.seal(0n, 0n, [], now, requestContent({ validates: validate })) }
    if (remoteAddress.current === undefined) return { type: 'none' }
    const probeAmount = money.takeProbe()
    if (probeAmount !== undefined) return { type: 'send', request: this.probe(probeAmount, now) }
    const plan = framer.build(status.type === 'closing')
    if (plan !== undefined) return { type: 'send', request: this.seal(plan.amount, plan.minDestination, plan.frames, now, plan.content) }
    // Building may have found money to send at a rate not yet probed.
    const probe = money.takeProbe()
    return probe === undefined ? { type: 'none' } : { type: 'send', request: this.probe(probe, now) }
  }

  /** A Prepare carrying ConnectionClose, to send without waiting (best effort); undefined past 2^31 packets. */
  close(error: ConnectionError | undefined, now: number): OutgoingRequest | undefined {
    if (this.parts.sequence.exhausted) return undefined
    const frames: Frame[] = [{ type: FrameType.ConnectionClose, errorCode: error?.code ?? StreamErrorCode.NoError, errorMessage: error?.message ?? '' }]
    return this.seal(0n, 0n, frames, now, requestContent({ connectionClose: true }))
  }

  private probe(amount: bigint, now: number): OutgoingRequest {
    const { frames, carriesAddress } = this.parts.framer.probe()
    return this.seal(amount, 0n, frames, now, requestContent({ probe: true, carriesAddress }))
  }

  private seal(amount: bigint, minDestination: bigint, frames: Frame[], now: number, content: RequestContent): OutgoingRequest {
    const { sequence, sealer, rate, remoteAddress, congestion, packetLifetime } = this.parts
    const destination = content.validates ?? (remoteAddress.current as string)
    const terms = { sequence: sequence.take() as bigint, amount, minDestination, rateEpoch: rate.epoch }
    const request = sealer.sealRequest(terms, frames, content, destination, new Date(now + packetLifetime))
    congestion.onSend(amount)
    return request
  }

  /** Settles one of our Prepares with its Fulfill or Reject. */
  applyReply(request: OutgoingRequest, reply: IlpReply, now: number): void {
    const { congestion, sealer, retry, remoteAddress, framer, money, streams } = this.parts
    congestion.onReply(request.amount)
    const response = sealer.openReply(request.sequence, reply)
    const fulfilled =
      reply.type === IlpPacketType.Fulfill && request.fulfillment !== undefined && reply.fulfillment.length === 32 && timingSafeEqual(reply.fulfillment, request.fulfillment)
    // A Fulfill acknowledges every frame; a Reject carrying the receiver's reply still
    // means it read our control frames (it handles them before judging the money).
    const heard = fulfilled || response !== undefined
    if (heard) this.parts.heard(now)
    if (request.validates !== undefined) {
      const temporary = reply.type === IlpPacketType.Reject && (reply.code[0] === 'T' || reply.code[0] === 'R')
      if (!heard && temporary) retry.onTemporaryFailure(now)
      remoteAddress.onValidation(request.validates, heard ? 'heard' : temporary ? 'temporary' : 'final')
    }
    framer.onReply(request, heard, fulfilled)
    money.onReply(request, heard)

    if (fulfilled) {
      money.onFulfill(request, response)
      if (request.connectionClose) this.parts.close(undefined)
    } else if (request.connectionClose && heard) this.parts.close(undefined)
    else if (request.validates !== undefined) {
      // Settled above: a failed validation only means the address is not used.
    } else if (request.probe) {
      // Its frames first: a ConnectionClose in the receiver's reply ends probing with the connection.
      if (response !== undefined) this.parts.applyFrames(response.frames)
      money.onProbeReply(request, reply, response, now)
    } else if (reply.type === IlpPacketType.Reject) money.onReject(request, reply, response, now)
    else retry.onTemporaryFailure(now) // a Fulfill that does not match: count nothing, try again
    if (response !== undefined && !request.probe) this.parts.applyFrames(response.frames)
    money.afterReply(request)
    if (request.streamIdBlocked) streams.onBlockedReply(heard)
    if (request.stream !== undefined) this.parts.finish(request.stream)
  }
}
