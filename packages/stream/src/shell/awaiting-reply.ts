import { IlpErrorCode, IlpPacketType, type IlpReply, type PrepareHandler } from '@stack/ilp-core'
import type { OutgoingRequest } from '../core/types.js'

/**
 * Our Prepares awaiting their reply, oldest first. The first answer of each counts: its
 * reply, T00 if sending it failed, or R00 at its expiry.
 */
export class AwaitingReply {
  private readonly awaiting = new Set<OutgoingRequest>()
  private expiryTimer: ReturnType<typeof setTimeout> | undefined
  private readonly onAnswer: (request: OutgoingRequest, reply: IlpReply) => void

  constructor(onAnswer: (request: OutgoingRequest, reply: IlpReply) => void) {
    this.onAnswer = onAnswer
  }

  send(sendPrepare: PrepareHandler, request: OutgoingRequest): void {
    this.awaiting.add(request)
    this.armExpiryTimer()
    let pending: Promise<IlpReply>
    try {
      pending = sendPrepare(request.prepare)
    } catch (error) {
      pending = Promise.reject(error)
    }
    pending.then(
      (reply) => this.answer(request, reply),
      (error: unknown) => this.answer(request, internalError(error)),
    )
  }

  private answer(request: OutgoingRequest, reply: IlpReply): void {
    if (!this.awaiting.delete(request)) return
    if (this.awaiting.size === 0) {
      // Nothing left to expire: no timer to hold the process open.
      clearTimeout(this.expiryTimer)
      this.expiryTimer = undefined
    }
    this.onAnswer(request, reply)
  }

  /**
   * RFC 0027: no reply by its expiry and the Prepare is as good as rejected (R00); its money
   * was not delivered, and a Fulfill arriving later would no longer be honoured on the path.
   * One timer for all: requests expire in the order they were sent (one lifetime for all).
   */
  private armExpiryTimer(): void {
    if (this.expiryTimer !== undefined) return
    const first = this.awaiting.values().next()
    if (first.done === true) return
    this.expiryTimer = setTimeout(() => {
      this.expiryTimer = undefined
      const now = Date.now()
      for (const request of this.awaiting) {
        if (request.prepare.expiresAt.getTime() > now) break
        this.answer(request, expired())
      }
      this.armExpiryTimer()
    }, Math.max(0, first.value.prepare.expiresAt.getTime() - Date.now()))
  }
}

/** A Prepare unanswered at its expiry, as a connector would have answered it (RFC 0027 R00). */
function expired(): IlpReply {
  return { type: IlpPacketType.Reject, code: IlpErrorCode.R00_TRANSFER_TIMED_OUT, triggeredBy: '', message: 'no reply before the Prepare expired', data: new Uint8Array(0) }
}

/** A sendPrepare that threw: the path failed us, as a temporary error (RFC 0027 T00). */
function internalError(error: unknown): IlpReply {
  return {
    type: IlpPacketType.Reject,
    code: IlpErrorCode.T00_INTERNAL_ERROR,
    triggeredBy: '',
    message: error instanceof Error ? error.message : String(error),
    data: new Uint8Array(0),
  }
}
