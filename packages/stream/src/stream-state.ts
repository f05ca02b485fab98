import { MAX_UINT64 } from '@stack/ilp-core'
import type { ConnectionError, SendFailureReason } from './connection-error.js'
import { DataReceiver } from './flow/data-receiver.js'
import { DataSender } from './flow/data-sender.js'

/**
 * One stream's state, no I/O (RFC 0029 §4.4): money out (allowed, sent, in flight,
 * delivered; the receiver's limit), money in (limit, received), data both ways, and how
 * far each side has closed it.
 */
export class StreamState {
  readonly id: number
  // Money out, source units except `totalDelivered` and the remote limits.
  sendMax = 0n
  totalSent = 0n
  inFlight = 0n
  /** Destination units the receiver reported for our fulfilled packets. */
  totalDelivered = 0n
  /** RFC 0029 §5.3.9, receiver's units: unlimited until it says otherwise. */
  remoteReceiveMax = MAX_UINT64
  remoteTotalReceived = 0n
  /** Money we may not send any more (the exchange rate fell below the minimum, the path failed…). */
  moneyFailure: SendFailureReason | undefined
  /** StreamMoneyBlocked sent for the current remote limit… */
  moneyBlockedSent = false
  /** …and answered by the receiver without a higher limit. */
  blockedAnswered = false
  /** Money waits on the receiver's limit alone (RFC 0029 §4.4.4): what a pending send settles on. */
  receiverBlocked = false
  /** Money or bytes wait on the peer's maximum stream ID (RFC 0029 §4.4.1), which it kept when asked. */
  streamIdBlocked = false
  /** StreamDataBlocked sent for the current remote limit. */
  dataBlockedSent = false
  /** The other side said it is blocked on our data window. */
  remoteDataBlocked = false
  // Money in, our units.
  receiveMax: bigint
  /** The highest receive limit told to the other side: never lowered below (RFC 0029 §4.4.4). */
  advertisedReceiveMax = 0n
  totalReceived = 0n
  /** A StreamMaxMoney / StreamMaxData to send with the next packet or reply. */
  advertise = true
  /** …and worth a packet of its own: the application raised a limit, or the sender said it is blocked. */
  advertiseUrgent = false
  // Data.
  readonly outgoing: DataSender
  readonly incoming: DataReceiver
  // Closing (RFC 0029 §4.4.5).
  /** The application ended its side (or the remote did and ours drained): send StreamClose when idle. */
  localEnding = false
  closeCode = 0x01
  closeMessage = ''
  /** StreamClose queued / sent. */
  localClosed = false
  /** StreamClose acknowledged or the stream destroyed. */
  localCloseDone = false
  remoteClosed = false
  /** The error the other side closed the stream with, if any. */
  remoteError: ConnectionError | undefined
  /** Latest receipt (RFC 0039) the receiver attached, undecoded. */
  receipt: Uint8Array | undefined

  constructor(id: number, receiveMax: bigint, bufferSize: number) {
    this.id = id
    this.receiveMax = receiveMax
    this.outgoing = new DataSender()
    this.incoming = new DataReceiver(bufferSize)
  }

  /** Source units the application allows and that are neither sent nor in flight. */
  get available(): bigint {
    if (this.moneyFailure !== undefined || this.localClosed) return 0n
    const left = this.sendMax - this.totalSent - this.inFlight
    return left > 0n ? left : 0n
  }

  /** Nothing of ours is left to go out: money done or stopped, data acknowledged. */
  get drained(): boolean {
    return this.inFlight === 0n && this.available === 0n && this.outgoing.idle
  }

  get closed(): boolean {
    return this.localCloseDone && this.remoteClosed
  }

  /** Room left under our receive limit. */
  get receiveRoom(): bigint {
    return this.receiveMax > this.totalReceived ? this.receiveMax - this.totalReceived : 0n
  }
}
