import { IlpErrorCode, IlpPacketType, type Asset, type IlpReject, type PrepareHandler } from '@stack/ilp-core'
import { createConnection, RateProbeError, type Connection, type ConnectionOptions } from '@stack/stream'
import { QuoteError } from './errors.js'
import {
  meetsAssetRate,
  parseAssetAmount,
  parseDecimal,
  parseSlippage,
  quoteAmounts,
  type PaymentTarget,
  type ProbedRate,
  type QuoteAmounts,
} from './payment-amounts.js'
import { querySpsp, type QuerySpspOptions, type SpspQueryResult } from './spsp-query.js'

/**
 * Resolves a payment pointer (or SPSP URL) to STREAM credentials: RFC 0026, then an RFC
 * 0009 query. Throws the SpspQueryError union (see querySpsp).
 */
export function resolve(pointerOrUrl: string, options: QuerySpspOptions = {}): Promise<SpspQueryResult> {
  return querySpsp(pointerOrUrl, options)
}

export interface QuoteOptions {
  /** A payment pointer or SPSP URL (queried), or the answer of `resolve`. */
  readonly destination: string | SpspQueryResult
  /** How our Prepares reach the network (the uplink to our connector). */
  readonly sendPrepare: PrepareHandler
  /** Our asset: what amounts to send are counted in (ILDCP tells it, RFC 0031). */
  readonly sourceAsset: Asset
  /**
   * Fixed source: a bigint of the source asset's smallest units, or a decimal string in its
   * units ("12.34" at scale 2 is 1234). Give this or amountToDeliver.
   */
  readonly amountToSend?: bigint | string
  /**
   * Fixed delivery: a bigint of the receiver's smallest units, or a decimal string in its
   * units (needs the receiver to tell its asset, RFC 0029 §4.3.3).
   */
  readonly amountToDeliver?: bigint | string
  /** Accepted loss against the probed rate, a fraction as a decimal string: default "0.01". */
  readonly slippage?: string | number
  /** Optional floor in the assets' units (destination asset per source asset, "0.85"): refuse below it. */
  readonly minExchangeRate?: string
  /** For the SPSP query when `destination` is a pointer (allowInsecure, timeoutMs, fetch…). */
  readonly spsp?: QuerySpspOptions
  /** STREAM connection options (retry, idleTimeout, packetLifetime…). */
  readonly connection?: ConnectionOptions
  readonly signal?: AbortSignal
}

/** A probed, priced payment, ready for `pay` (or `close` to drop it). Nothing has been sent. */
export interface Quote extends QuoteAmounts {
  readonly destination: SpspQueryResult
  readonly target: PaymentTarget
  readonly sourceAsset: Asset
  /** The receiver's asset, when it said it (RFC 0029 §4.3.3). */
  readonly destinationAsset: Asset | undefined
  /** Source units `sent` arrived as `delivered` destination units in the best probe. */
  readonly probedRate: ProbedRate
  /** The slippage applied, as given. */
  readonly slippage: string
  /** The largest packet the path forwards, as learned while probing. */
  readonly maxPacketAmount: bigint
  /** The open STREAM connection the payment will use. */
  readonly connection: Connection
  /** The last ILP Reject from the path itself (not the receiver's F99 replies), for messages. */
  lastPathReject(): Pick<IlpReject, 'code' | 'triggeredBy' | 'message'> | undefined
  /** Drops the quote without paying: closes the connection. */
  close(): Promise<void>
}

/**
 * Quotes a payment: resolves the destination (SPSP), opens a STREAM connection that probes
 * the rate with unfulfillable packets (RFC 0029 §3.4), and prices the target at that rate
 * less slippage. Nothing is sent: a payment that cannot keep its bounds is refused here.
 * Throws a QuoteError, or the SpspQueryError union from the query.
 */
export async function quote(options: QuoteOptions): Promise<Quote> {
  if ((options.amountToSend === undefined) === (options.amountToDeliver === undefined)) {
    throw new QuoteError('invalid-amount', 'give exactly one of amountToSend and amountToDeliver')
  }
  if (options.amountToSend !== undefined) paymentTarget(options, undefined) // checked before any I/O
  const slippageText = String(options.slippage ?? '0.01')
  const slippage = parseSlippage(slippageText)
  if (slippage === undefined) throw new QuoteError('invalid-slippage', `slippage must be a decimal in [0, 1) with at most 9 decimals, not "${slippageText}"`)
  const floor = options.minExchangeRate === undefined ? undefined : parseDecimal(options.minExchangeRate)
  if (options.minExchangeRate !== undefined && floor === undefined) {
    throw new QuoteError('invalid-exchange-rate', `minExchangeRate must be a non-negative decimal, not "${options.minExchangeRate}"`)
  }
  throwIfAborted(options.signal)
  const destination = typeof options.destination === 'string' ? await resolve(options.destination, { signal: options.signal, ...options.spsp }) : options.destination
  throwIfAborted(options.signal)

  // Remember what the path said last: "T01 from g.connector: peer unreachable" explains a
  // stalled payment better than silence.
  let lastPathReject: IlpReject | undefined
  const sendPrepare: PrepareHandler = async (prepare) => {
    const reply = await options.sendPrepare(prepare)
    if (reply.type === IlpPacketType.Reject && reply.code !== IlpErrorCode.F99_APPLICATION_ERROR && reply.code !== IlpErrorCode.F04_INSUFFICIENT_DESTINATION_AMOUNT) lastPathReject = reply
    return reply
  }
  let connection: Connection
  try {
    connection = await createConnection({
      ...options.connection,
      destinationAccount: destination.destinationAccount,
      sharedSecret: destination.sharedSecret,
      sendPrepare,
      // An empty ConnectionNewAddress asks the receiver for its asset details without giving it
      // an address to send to (as @interledger/pay does): we only send.
      sourceAccount: '',
      assetDetails: options.sourceAsset,
      slippage: Number(slippageText),
    })
  } catch (error) {
    if (error instanceof RateProbeError && error.reason === 'rate-rounds-to-zero') {
      throw new QuoteError('rate-rounds-to-zero', `the largest packet the path to ${destination.destinationAccount} carries delivers nothing: the rate rounds to zero`, { cause: error })
    }
    throw new QuoteError('rate-probe-failed', `could not reach the receiver ${destination.destinationAccount}: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
  }
  const fail = (error: QuoteError): never => {
    connection.destroy()
    throw error
  }
  if (options.signal?.aborted === true) fail(new QuoteError('aborted', 'the quote was aborted', { cause: options.signal.reason }))
  // Known once createConnection resolved; never 0 (RFC 0029 §3.4: a probe that delivered nothing is no rate).
  const probedRate = connection.exchangeRate as ProbedRate
  const destinationAsset = connection.destinationAsset
  let target: PaymentTarget
  try {
    target = paymentTarget(options, destinationAsset)
  } catch (error) {
    return fail(error as QuoteError)
  }
  if (floor !== undefined) {
    if (destinationAsset === undefined) fail(new QuoteError('unknown-destination-asset', 'the receiver did not tell its asset: a minimum rate in asset units cannot be checked'))
    else if (!meetsAssetRate(probedRate, options.sourceAsset.scale, destinationAsset.scale, floor)) {
      fail(new QuoteError('exchange-rate-too-low', `the probed rate is below the minimum of ${options.minExchangeRate} ${destinationAsset.code} per ${options.sourceAsset.code}`))
    }
  }
  const amounts = quoteAmounts(target, probedRate, slippage)
  if (amounts === undefined) return fail(new QuoteError('unenforceable-delivery', 'at the minimum rate nothing arrives: a fixed delivery cannot be bounded'))
  return {
    ...amounts,
    destination,
    target,
    sourceAsset: options.sourceAsset,
    destinationAsset,
    probedRate,
    slippage: slippageText,
    maxPacketAmount: connection.maxPacketAmount,
    connection,
    lastPathReject: () => (lastPathReject === undefined ? undefined : { code: lastPathReject.code, triggeredBy: lastPathReject.triggeredBy, message: lastPathReject.message }),
    close: async () => {
      if (!connection.closed) connection.destroy()
    },
  }
}

function paymentTarget(options: QuoteOptions, destinationAsset: Asset | undefined): PaymentTarget {
  const { amountToSend, amountToDeliver } = options
  let amount: bigint | undefined
  if (amountToSend !== undefined) amount = baseUnits(amountToSend, options.sourceAsset, 'amountToSend')
  else if (typeof amountToDeliver === 'string' && destinationAsset === undefined) {
    throw new QuoteError('unknown-destination-asset', 'the receiver did not tell its asset: give amountToDeliver in its smallest units')
  } else amount = baseUnits(amountToDeliver as bigint | string, destinationAsset as Asset, 'amountToDeliver')
  return amountToSend !== undefined ? { type: 'fixed-send', amount } : { type: 'fixed-delivery', amount }
}

function baseUnits(value: bigint | string, asset: Asset, field: string): bigint {
  const amount = typeof value === 'string' ? parseAssetAmount(value, asset.scale) : value
  if (amount === undefined) {
    throw new QuoteError('invalid-amount', `${field} "${value}" is not an amount of ${asset.code} (a decimal with at most ${asset.scale} decimals)`)
  }
  if (typeof amount !== 'bigint' || amount <= 0n || amount > 0xffff_ffff_ffff_ffffn) {
    throw new QuoteError('invalid-amount', `${field} must be positive and within UInt64, not ${String(value)}`)
  }
  return amount
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new QuoteError('aborted', 'the quote was aborted', { cause: signal.reason })
}
