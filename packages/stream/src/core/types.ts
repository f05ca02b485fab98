import type { IlpPrepare, Asset } from '@stack/ilp-core'
import type { ConnectionError } from '../connection-error.js'
import type { ExchangeRateOptions } from '../controllers/exchange-rate.js'
import type { RetryOptions } from '../controllers/retry.js'
import type { DataSegment } from '../flow/data-sender.js'
import type { StreamState } from '../stream-state.js'
import type { PacketSealer } from './packet-seal.js'

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
  assetDetails?: Asset
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
  /** When the connection starts, for the idle clock. Default 0. */
  now?: number
  /** @internal The shared secret's keys, when the caller has derived them already (a server, for the first packet). */
  sealer?: PacketSealer
}

/** What the shell must do next. */
export type NextStep =
  | { type: 'send'; request: OutgoingRequest }
  | { type: 'wait'; until: number }
  | { type: 'none' }

/** What a packet of ours carries besides its money, to settle when its reply comes back. */
export interface RequestContent {
  readonly stream: StreamState | undefined
  readonly data: ReadonlyArray<{ stream: StreamState; segment: DataSegment }>
  readonly closes: readonly StreamState[]
  readonly advertised: readonly StreamState[]
  /** Streams whose StreamMoneyBlocked rides on this packet. */
  readonly moneyBlocked: readonly StreamState[]
  readonly probe: boolean
  readonly carriesAddress: boolean
  readonly connectionClose: boolean
  /** Carries ConnectionStreamIdBlocked: a stream of ours waits on the peer's maximum stream ID. */
  readonly streamIdBlocked: boolean
  /** A packet with no money or data to an announced address, to validate it (RFC 0029 §4.3.2). */
  readonly validates: string | undefined
}

/** One Prepare of ours and what it carries, to settle when its reply comes back. */
export interface OutgoingRequest extends RequestContent {
  readonly sequence: bigint
  readonly prepare: IlpPrepare
  /** Undefined for an unfulfillable packet (a rate probe, RFC 0029 §6.1). */
  readonly fulfillment: Uint8Array | undefined
  readonly amount: bigint
  readonly minDestination: bigint
  /** The rate measurement (ExchangeRateController.epoch) the packet was priced with. */
  readonly rateEpoch: number
}

/** Shared by every request without such content; never written (the fields are readonly). */
const NONE: never[] = []

/**
 * A request's content, unset fields empty: always the same fields in the same order, so that
 * every request has one shape (the hot path reads them on every reply).
 */
export function requestContent(fields: Partial<RequestContent>): RequestContent {
  return {
    stream: fields.stream,
    data: fields.data ?? NONE,
    closes: fields.closes ?? NONE,
    advertised: fields.advertised ?? NONE,
    moneyBlocked: fields.moneyBlocked ?? NONE,
    probe: fields.probe ?? false,
    carriesAddress: fields.carriesAddress ?? false,
    connectionClose: fields.connectionClose ?? false,
    streamIdBlocked: fields.streamIdBlocked ?? false,
    validates: fields.validates,
  }
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
