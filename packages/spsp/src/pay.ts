import type { Stream } from '@stack/stream'
import type { ConnectionError, SendOutcome } from '@stack/stream'
import { formatAssetAmount, nextDeliveryRound } from './payment-amounts.js'
import type { Quote } from './quote.js'

/** Where a payment stands: source units sent (fulfilled) and in flight, destination units delivered. */
export interface PaymentProgress {
  readonly amountSent: bigint
  readonly amountDelivered: bigint
  readonly inFlight: bigint
}

/** Why a payment ended short of its target: an expected outcome, returned, never thrown. */
export type PaymentFailure =
  /** The caller's signal fired: no new packets went out; those in flight were settled. */
  | 'cancelled'
  /** The rate fell below the quote's minimum (the receiver refused packets for it). */
  | 'exchange-rate-too-low'
  /** The receiver's limit (StreamMaxMoney, RFC 0029 §5.3.9) is reached. */
  | 'receiver-limit'
  /** The receiver closed the connection or the stream. */
  | 'receiver-closed'
  /** The connection closed: a final reject on the path (F02…), or an idle timeout. */
  | 'connection-closed'
  /** The path forwards no packet of one unit (F08 down to zero). */
  | 'path-unusable'
  /** The receiver kept rejecting packets. */
  | 'rejected-by-receiver'
  /** Nothing got through for `stallTimeoutMs` (temporary rejects, a receiver gone quiet). */
  | 'stalled'
  /** Fixed delivery: the quote's maxSourceAmount is spent and the target is not reached. */
  | 'max-source-amount-reached'

export type PaymentResult = PaymentProgress &
  (
    | { readonly type: 'complete' }
    | {
        readonly type: 'failed'
        readonly reason: PaymentFailure
        /** A sentence for a person: what stopped it, with the remote's message if any. */
        readonly message: string
      }
  )

export interface PayOptions {
  /** Called as amounts move (at most every `progressIntervalMs`) and once at the end. */
  readonly onProgress?: (progress: PaymentProgress) => void
  /** Stops the payment: no new packets; what is in flight is settled, then it resolves. */
  readonly signal?: AbortSignal
  /** Give up when nothing is fulfilled for this long (ms). Default 30 000. */
  readonly stallTimeoutMs?: number
  /** Default 100 ms. */
  readonly progressIntervalMs?: number
  /** How long to wait for the receiver to acknowledge the close before dropping it (ms). Default 2 000. */
  readonly closeTimeoutMs?: number
}

/** Fixed delivery rounds before giving up on convergence (each round sends at least one unit). */
const MAX_DELIVERY_ROUNDS = 64
/** Packets expire in 30 s (the connection's default lifetime): in-flight ones settle by then. */
const IN_FLIGHT_SETTLE_MS = 35_000

interface Stop {
  readonly reason: PaymentFailure
  readonly message: string
}

/**
 * Pays a quote over its STREAM connection and closes it. Resolves with the amounts sent,
 * delivered and still in flight, and the failure as a value; never throws for an expected
 * failure. It never sends more than `quote.maxSourceAmount`: the stream's sendMax is that
 * cap, and STREAM keeps `totalSent + inFlight ≤ sendMax` whatever the network does.
 * A fixed delivery goes in rounds, each sized for what is left at the probed rate, and stops
 * once the target is delivered.
 */
export async function pay(quote: Quote, options: PayOptions = {}): Promise<PaymentResult> {
  const { connection } = quote
  const stallTimeoutMs = options.stallTimeoutMs ?? 30_000
  let closeError: ConnectionError | undefined
  connection.once('close', (error) => (closeError = error))
  if (connection.closed) {
    return { type: 'failed', reason: 'connection-closed', message: 'the quote\'s connection is closed', amountSent: 0n, amountDelivered: 0n, inFlight: 0n }
  }
  const stream = connection.createStream()

  let stopped: Stop | undefined
  let wake: (() => void) | undefined
  const stopping = new Promise<void>((resolve) => (wake = resolve))
  const stop = (reason: PaymentFailure, message: string): void => {
    if (stopped !== undefined) return
    stopped = { reason, message }
    // No new packets: what is sent or in flight is all that will go.
    stream.setSendMax(stream.totalSent + stream.inFlight)
    wake?.()
  }
  const onAbort = (): void => stop('cancelled', 'the payment was cancelled')
  if (options.signal?.aborted === true) onAbort()
  options.signal?.addEventListener('abort', onAbort, { once: true })

  const progress = (): PaymentProgress => ({ amountSent: stream.totalSent, amountDelivered: stream.totalDelivered, inFlight: stream.inFlight })
  let last = progress()
  let lastMove = Date.now()
  const ticker = setInterval(() => {
    const now = Date.now()
    const current = progress()
    if (current.amountSent !== last.amountSent || current.amountDelivered !== last.amountDelivered || current.inFlight !== last.inFlight) {
      if (current.amountSent !== last.amountSent) lastMove = now
      last = current
      options.onProgress?.(current)
    }
    if (stopped !== undefined) return
    if (stream.inFlight === 0n && now - lastMove >= stallTimeoutMs) {
      // Stuck with the receiver's limit short of the target: that limit is why.
      if (limitShort(stream, quote)) stop('receiver-limit', limitMessage(stream, quote))
      else {
        const reject = quote.lastPathReject()
        const why = reject === undefined ? '' : `; the path last answered ${reject.code}${reject.triggeredBy === '' ? '' : ` from ${reject.triggeredBy}`}${reject.message === '' ? '' : `: ${reject.message}`}`
        stop('stalled', `nothing got through for ${stallTimeoutMs} ms${why}`)
      }
    }
  }, options.progressIntervalMs ?? 100)

  let outcome: SendOutcome | undefined
  try {
    if (quote.target.type === 'fixed-send') {
      outcome = await race(stream.sendTotal(quote.maxSourceAmount), stopping)
    } else {
      const target = quote.target.amount
      for (let round = 0; round < MAX_DELIVERY_ROUNDS && stopped === undefined; round++) {
        const left = target - stream.totalDelivered
        if (left <= 0n) break
        const next = nextDeliveryRound(left, quote.probedRate, stream.totalSent, quote.maxSourceAmount)
        if (next === 0n) break
        const before = stream.totalDelivered
        outcome = await race(stream.sendTotal(stream.totalSent + next), stopping)
        if (outcome === undefined || outcome.type === 'failed') break
        if (stream.totalDelivered === before) {
          stop('exchange-rate-too-low', 'a round delivered nothing: the rate rounds the rest to zero')
          break
        }
      }
    }
    if (stopped !== undefined) await settled(stream)
  } finally {
    clearInterval(ticker)
    options.signal?.removeEventListener('abort', onAbort)
  }
  await close(connection, options.closeTimeoutMs ?? 2_000)

  const end = progress()
  options.onProgress?.(end)
  const failure = stopped ?? failureOf(quote, stream, end, outcome, closeError)
  return failure === undefined ? { type: 'complete', ...end } : { type: 'failed', ...failure, ...end }
}

function failureOf(quote: Quote, stream: Stream, end: PaymentProgress, outcome: SendOutcome | undefined, closeError: ConnectionError | undefined): Stop | undefined {
  if (quote.target.type === 'fixed-send' ? end.amountSent >= quote.target.amount : end.amountDelivered >= quote.target.amount) return undefined
  if (outcome === undefined || outcome.type === 'sent') {
    return { reason: 'max-source-amount-reached', message: `the most this quote allows, ${quote.maxSourceAmount}, is spent` }
  }
  switch (outcome.reason) {
    case 'exchange-rate-too-low':
    case 'exchange-rate-unknown':
      return { reason: 'exchange-rate-too-low', message: 'the exchange rate fell below the quote\'s minimum' }
    case 'receiver-limit':
      return { reason: 'receiver-limit', message: limitMessage(stream, quote) }
    case 'stream-id-limit':
      return { reason: 'receiver-limit', message: 'the receiver accepts no stream of ours (its maximum stream ID, RFC 0029 §4.4.1)' }
    case 'path-unusable':
      return { reason: 'path-unusable', message: 'the path forwards no packet of one unit' }
    case 'rejected-by-receiver':
      return { reason: 'rejected-by-receiver', message: 'the receiver kept rejecting packets' }
    case 'stream-closed':
    case 'connection-closed':
      if (closeError?.remote === true) return { reason: 'receiver-closed', message: `the receiver closed the connection: ${closeError.message}` }
      if (closeError !== undefined) return { reason: 'connection-closed', message: `the connection closed: ${closeError.message}` }
      return { reason: 'receiver-closed', message: 'the receiver closed the payment' }
  }
}

function limitMessage(stream: Stream, quote: Quote): string {
  const limit = stream.remoteLimit.receiveMax ?? 0n
  const asset = quote.destinationAsset
  return `the receiver accepts at most ${asset === undefined ? `${limit} units` : `${formatAssetAmount(limit, asset.scale)} ${asset.code}`} on this payment`
}

/** The receiver's limit is below what is still to come. */
function limitShort(stream: Stream, quote: Quote): boolean {
  const room = receiverRoom(stream)
  if (room === undefined) return false
  const { sent, delivered } = quote.probedRate
  const left = quote.target.type === 'fixed-delivery' ? quote.target.amount - stream.totalDelivered : ((quote.target.amount - stream.totalSent) * delivered) / sent
  return room < left
}

/** Destination units the receiver's StreamMaxMoney still allows; undefined without a limit. */
function receiverRoom(stream: Stream): bigint | undefined {
  const { receiveMax, totalReceived } = stream.remoteLimit
  if (receiveMax === undefined) return undefined
  const received = totalReceived > stream.totalDelivered ? totalReceived : stream.totalDelivered
  return receiveMax - received
}

async function race<T>(promise: Promise<T>, stopping: Promise<void>): Promise<T | undefined> {
  return Promise.race([promise, stopping.then(() => undefined)])
}

/** Waits until nothing is in flight (every packet fulfilled, rejected or expired). */
async function settled(stream: Stream): Promise<void> {
  const deadline = Date.now() + IN_FLIGHT_SETTLE_MS
  while (stream.inFlight > 0n && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
}

async function close(connection: Quote['connection'], timeoutMs: number): Promise<void> {
  if (connection.closed) return
  let timer: ReturnType<typeof setTimeout> | undefined
  await Promise.race([connection.end(), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))])
  clearTimeout(timer)
  if (!connection.closed) connection.destroy()
}
