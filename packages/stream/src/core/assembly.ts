import { MAX_UINT64, type Asset } from '@stack/ilp-core'
import type { ConnectionError } from '../connection-error.js'
import type { CongestionController } from '../controllers/congestion.js'
import type { ExchangeRateController } from '../controllers/exchange-rate.js'
import type { MaxPacketAmountController } from '../controllers/max-packet-amount.js'
import type { RemoteAddressController } from '../controllers/remote-address.js'
import type { RetryController } from '../controllers/retry.js'
import type { SequenceController } from '../controllers/sequence.js'
import { INITIAL_CONNECTION_WINDOW, INITIAL_STREAM_WINDOW } from '../flow/data-sender.js'
import type { StreamState } from '../stream-state.js'
import { atMostUInt64 } from '../wire/oer-writer.js'
import { ConnectionWindow } from './connection-window.js'
import { Framer } from './framer.js'
import { MoneySender } from './money-sender.js'
import { Outgoing } from './outgoing.js'
import { PacketSealer } from './packet-seal.js'
import { Receiver } from './receiver.js'
import { applyFrames, type FrameTarget } from './remote-frames.js'
import { StreamTable } from './stream-table.js'
import type { ConnectionCoreOptions, ConnectionStatus, CoreEvent } from './types.js'

/** The controllers a connection core exposes, shared by the parts. */
export interface Controllers {
  sequence: SequenceController
  maxPacket: MaxPacketAmountController
  rate: ExchangeRateController
  congestion: CongestionController
  retry: RetryController
  remoteAddress: RemoteAddressController
}

/** What the parts ask of the connection core: its status, and the steps it owns. */
export interface CoreHooks {
  status(): ConnectionStatus
  /** Whether we have a way to send Prepares at all. */
  canSend(): boolean
  /** Whether we reach the other side by Prepare; otherwise closes ride on our replies. */
  sendsPrepares(): boolean
  /** A packet went either way and was read (our time). */
  heard(now: number): void
  /** RFC 0029 §4.3.3: the other side's asset details. */
  onAssetDetails(asset: Asset): void
  close(error: ConnectionError | undefined): void
  endStream(stream: StreamState, code?: number): void
  finish(stream: StreamState): void
  emit(event: CoreEvent): void
}

export interface Parts {
  table: StreamTable
  window: ConnectionWindow
  money: MoneySender
  receiver: Receiver
  outgoing: Outgoing
}

/** Builds a connection core's parts from its options and wires them to one another and to the core. */
export function assemble(options: ConnectionCoreOptions, controllers: Controllers, hooks: CoreHooks): Parts {
  const { rate, maxPacket, congestion, retry, remoteAddress } = controllers
  const { emit, finish } = hooks
  const sealer = options.sealer ?? new PacketSealer(options.sharedSecret)
  // Never below what a sender may send before it hears our windows: it would break them.
  const streamBufferSize = Math.max(options.streamBufferSize ?? 65_534, INITIAL_STREAM_WINDOW)
  const window = new ConnectionWindow(Math.max(options.connectionBufferSize ?? 4 * streamBufferSize, INITIAL_CONNECTION_WINDOW))
  const streams = new StreamTable({
    role: options.role,
    receiveMax: atMostUInt64(options.receiveMax ?? MAX_UINT64),
    streamBufferSize,
    maxRemoteStreams: options.maxRemoteStreams ?? 10,
    onStream: options.onStream,
  })
  const money = new MoneySender({ streams, rate, maxPacket, congestion, retry, emit, fail: hooks.close })
  const { sourceAccount, assetDetails } = options
  const framer = new Framer({ streams, window, money, sourceAccount, assetDetails, sendsPrepares: hooks.sendsPrepares, finish })
  const frameTarget: FrameTarget = {
    streams,
    window,
    remoteAddress,
    onAssetDetails: hooks.onAssetDetails,
    closedByPeer: hooks.close,
    endStream: hooks.endStream,
    finish,
    emit,
  }
  const receiver = new Receiver({
    streams,
    window,
    framer,
    sealer,
    sourceAccount,
    assetDetails,
    receipt: options.receipt,
    status: hooks.status,
    applyFrames: (frames) => applyFrames(frameTarget, frames, false),
    heard: hooks.heard,
    close: hooks.close,
    emit,
  })
  const outgoing = new Outgoing({
    ...controllers,
    streams,
    sealer,
    framer,
    money,
    packetLifetime: options.packetLifetime ?? 30_000,
    status: hooks.status,
    canSend: hooks.canSend,
    applyFrames: (frames) => applyFrames(frameTarget, frames, true),
    heard: hooks.heard,
    close: hooks.close,
    finish,
  })
  return { table: streams, window, money, receiver, outgoing }
}
