import { randomBytes } from 'node:crypto'
import { EventEmitter } from 'node:events'
import * as ldk from 'lightningdevkit'
import { BlockFollower, bytesToHash, hashToBytes, type BlockPosition, type ChainSource } from './chain.js'
import { InvalidInvoiceError, LdkCallError, PaymentFailedError, StateReadError } from './errors.js'
import { apiError, hex, initLdk, someOf, unhex } from './ldk.js'
import { listenListener, monitorListener } from './monitor-follower.js'
import { PeerSockets } from './net.js'
import { LdkEvents, type NodeEvents } from './node-events.js'
import { NodeJournal, type PaymentOutcome, type Sweep } from './node-journal.js'
import { StateDir, monitorPersister } from './state-dir.js'
import { Sweeper } from './sweeper.js'
import { channelInfo, routers, userConfig, type ChannelInfo } from './user-config.js'

/** Builds the signed funding transaction of a channel: one output paying `sats` to `script`, segwit inputs only (BOLT 2). */
export interface FundingWallet {
  fundingTransaction(script: Uint8Array, sats: bigint): Promise<Uint8Array>
}

export interface LightningNodeOptions {
  /** Keys, the ChannelManager and the ChannelMonitors live here; a restart from it keeps the channels. */
  readonly dataDir: string
  readonly chain: ChainSource
  readonly wallet: FundingWallet
  /** Where every output LDK hands back (closes, force-close timeouts) is swept. */
  readonly sweepScript: Uint8Array
  /** Confirmations before a channel we accept is usable (BOLT 2 minimum_depth); LDK's default 6. */
  readonly minimumDepth?: number
  /** Blocks our peer must wait for its funds after a force close (BOLT 2 to_self_delay); LDK's minimum 144. */
  readonly toSelfDelay?: number
  /** sat per 1000 weight when the node has no fee estimate (regtest); at least 253. */
  readonly fallbackFeeRate?: number
  /** How often the chain is polled; 0 to sync only when `sync()` is called. */
  readonly syncIntervalMs?: number
  readonly log?: (level: string, line: string) => void
}

export interface Payment {
  readonly paymentHash: string
  readonly preimage: string
  readonly feeMsat: bigint
}

const FEE_TARGET_BLOCKS = 6
const MIN_FEE_RATE = 253

/** One LDK (v0.1, WASM) Lightning node: BOLT peers over TCP, channels on a Bitcoin chain, BOLT11 payments. */
export class LightningNode extends EventEmitter<NodeEvents> {
  readonly #broadcasts = new Set<Promise<unknown>>()
  readonly #timers: NodeJS.Timeout[] = []
  #feeRate: number
  #stopped = false
  #syncing: Promise<void> = Promise.resolve()
  #manager!: ldk.ChannelManager
  #chainMonitor!: ldk.ChainMonitor
  #keys!: ldk.KeysManager
  #peers!: ldk.PeerManager
  #sockets!: PeerSockets
  #followers: BlockFollower[] = []
  #broadcaster!: ldk.BroadcasterInterface
  #fees!: ldk.FeeEstimator
  #logger!: ldk.Logger
  #state!: StateDir
  #journal!: NodeJournal
  #sweeper!: Sweeper
  #events!: LdkEvents

  private constructor(readonly options: LightningNodeOptions) {
    super()
    this.#feeRate = Math.max(MIN_FEE_RATE, options.fallbackFeeRate ?? 1_000)
  }

  /** Starts a node from its data directory (a new one when the directory holds no seed). */
  static async start(options: LightningNodeOptions): Promise<LightningNode> {
    await initLdk()
    const node = new LightningNode(options)
    await node.#start()
    return node
  }

  get nodeId(): string {
    return hex(this.#manager.get_our_node_id())
  }

  async #start(): Promise<void> {
    const { options } = this
    this.#state = new StateDir(options.dataDir)
    let seed = this.#state.read('seed')
    if (seed === undefined) {
      seed = new Uint8Array(randomBytes(32))
      this.#state.write('seed', seed)
    }
    if (seed.length !== 32) throw new StateReadError('seed', `32 bytes expected, found ${seed.length}`)
    this.#journal = new NodeJournal(options.dataDir)
    this.#sweeper = new Sweeper(this.#journal, options.chain, options.sweepScript, (tx, then) => this.#broadcast(tx, then))
    const now = Date.now()
    // The start time makes the keys LDK derives per session unique across restarts.
    this.#keys = ldk.KeysManager.constructor_new(seed, BigInt(Math.floor(now / 1000)), (now % 1000) * 1_000_000)
    this.#fees = ldk.FeeEstimator.new_impl({ get_est_sat_per_1000_weight: () => this.#feeRate })
    this.#broadcaster = ldk.BroadcasterInterface.new_impl({
      broadcast_transactions: (txs: Uint8Array[]) => txs.forEach((tx) => this.#broadcast(tx))
    })
    this.#logger = ldk.Logger.new_impl({
      log: (record: ldk.Record) => options.log?.(ldk.Level[record.get_level()] ?? 'log', record.get_args())
    })
    this.#chainMonitor = ldk.ChainMonitor.constructor_new(ldk.Option_FilterZ.constructor_none(), this.#broadcaster, this.#logger, this.#fees, monitorPersister(this.#state))
    const network = ldk.Network.LDKNetwork_Regtest
    const { router, messageRouter } = routers(network, this.#logger, this.#keys)
    const config = userConfig(options)

    const monitors = this.#state.monitors().map((file) => {
      const read = ldk.UtilMethods.constructor_C2Tuple_ThirtyTwoBytesChannelMonitorZ_read(
        this.#state.read(file)!,
        this.#keys.as_EntropySource(),
        this.#keys.as_SignerProvider()
      )
      if (!(read instanceof ldk.Result_C2Tuple_ThirtyTwoBytesChannelMonitorZDecodeErrorZ_OK)) throw new StateReadError(file, 'does not decode')
      return { hash: read.res.get_a(), monitor: read.res.get_b() }
    })
    const stored = this.#state.read('manager')
    let managerAt: BlockPosition
    if (stored === undefined) {
      const tip = await options.chain.getBlockchainInfo()
      managerAt = { height: tip.blocks, hash: tip.bestblockhash }
      const params = ldk.ChainParameters.constructor_new(network, ldk.BestBlock.constructor_new(hashToBytes(tip.bestblockhash), tip.blocks))
      this.#manager = ldk.ChannelManager.constructor_new(
        this.#fees, this.#chainMonitor.as_Watch(), this.#broadcaster, router.as_Router(), messageRouter.as_MessageRouter(), this.#logger,
        this.#keys.as_EntropySource(), this.#keys.as_NodeSigner(), this.#keys.as_SignerProvider(), config, params, Math.floor(now / 1000)
      )
    } else {
      const read = ldk.UtilMethods.constructor_C2Tuple_ThirtyTwoBytesChannelManagerZ_read(
        stored, this.#keys.as_EntropySource(), this.#keys.as_NodeSigner(), this.#keys.as_SignerProvider(), this.#fees,
        this.#chainMonitor.as_Watch(), this.#broadcaster, router.as_Router(), messageRouter.as_MessageRouter(), this.#logger, config,
        monitors.map((m) => m.monitor)
      )
      if (!(read instanceof ldk.Result_C2Tuple_ThirtyTwoBytesChannelManagerZDecodeErrorZ_OK)) throw new StateReadError('manager', 'does not decode')
      this.#manager = read.res.get_b()
      managerAt = { height: this.#manager.current_best_block().get_height(), hash: bytesToHash(read.res.get_a()) }
    }
    this.#events = new LdkEvents({
      node: this,
      manager: this.#manager,
      keys: this.#keys,
      journal: this.#journal,
      sweeper: this.#sweeper,
      wallet: options.wallet,
      sweepScript: options.sweepScript,
      feeRate: () => this.#feeRate,
      track: (work) => this.#track(work),
      fail: (error) => this.#fail(error),
      schedulePump: () => this.#schedulePump()
    })
    // Each stored state catches up from its own block before the ChainMonitor takes the monitors (LDK's restart order).
    await new BlockFollower(options.chain, listenListener(this.#manager.as_Listen()), managerAt).sync()
    let tip = managerAt
    for (const { hash, monitor } of monitors) {
      const follower = new BlockFollower(options.chain, monitorListener(monitor, this.#broadcaster, this.#fees, this.#logger), {
        height: monitor.current_best_block().get_height(),
        hash: bytesToHash(hash)
      })
      await follower.sync()
      tip = follower.position
      const watched = this.#chainMonitor.as_Watch().watch_channel(monitor.get_funding_txo().get_a(), monitor)
      if (!(watched instanceof ldk.Result_ChannelMonitorUpdateStatusNoneZ_OK)) throw new LdkCallError('watch_channel', 'refused a stored monitor')
    }
    const info = await options.chain.getBlockchainInfo()
    tip = { height: info.blocks, hash: info.bestblockhash }
    // From here on both take every block together (the ChannelManager first, as LDK's block sync does).
    const manager = listenListener(this.#manager.as_Listen())
    const chainMonitor = listenListener(this.#chainMonitor.as_Listen())
    this.#followers = [
      new BlockFollower(options.chain, {
        blockConnected: (block, height) => {
          chainMonitor.blockConnected(block, height)
          manager.blockConnected(block, height)
        },
        blockDisconnected: (header, height) => {
          manager.blockDisconnected(header, height)
          chainMonitor.blockDisconnected(header, height)
        }
      }, tip)
    ]
    // Events wait for the first pump, after start() returns, so that the caller's listeners hear them.
    await this.#followers[0]!.sync()

    const ignore = ldk.IgnoringMessageHandler.constructor_new()
    this.#peers = ldk.PeerManager.constructor_new(
      this.#manager.as_ChannelMessageHandler(), ignore.as_RoutingMessageHandler(), ignore.as_OnionMessageHandler(), ignore.as_CustomMessageHandler(),
      Math.floor(now / 1000), this.#keys.as_EntropySource().get_secure_random_bytes(), this.#logger, this.#keys.as_NodeSigner()
    )
    // A read may change a monitor: the pump that writes the manager after it runs at once, not later.
    this.#sockets = new PeerSockets(this.#peers, () => this.#pump())
    this.#timers.push(setInterval(() => this.#pump(), 100))
    this.#timers.push(setInterval(() => this.#peers.timer_tick_occurred(), 10_000))
    this.#timers.push(setInterval(() => this.#manager.timer_tick_occurred(), 60_000))
    await this.#sweeper.check(tip.height)
    const every = options.syncIntervalMs ?? 1_000
    if (every > 0) this.#timers.push(setInterval(() => void this.sync().catch((error: Error) => this.#fail(error)), every))
  }

  /** Accepts peers on loopback TCP; the port. */
  listen(port = 0): Promise<number> {
    return this.#sockets.listen(port)
  }

  async connect(nodeId: string, host: string, port: number): Promise<void> {
    await this.#sockets.connect(unhex(nodeId), host, port)
    this.#schedulePump()
  }

  /** Node ids of the peers whose BOLT 8 handshake and init exchange finished. */
  connectedPeers(): string[] {
    return this.#peers.list_peers().map((peer) => hex(peer.get_counterparty_node_id()))
  }

  /** Proposes a channel of `sats` to a connected peer; the wallet funds it when the peer accepts. The temporary channel id. */
  openChannel(peer: string, sats: bigint, pushMsat = 0n): string {
    const result = this.#manager.create_channel(unhex(peer), sats, pushMsat, 0n, null, null)
    if (!(result instanceof ldk.Result_ChannelIdAPIErrorZ_OK)) throw new LdkCallError('create_channel', apiError(result))
    this.#schedulePump()
    return hex(result.res.get_a())
  }

  channels(): ChannelInfo[] {
    return this.#manager.list_channels().map(channelInfo)
  }

  /** A BOLT11 invoice for exactly `amountMsat`, and its payment hash (LDK keeps the preimage derivable from its keys). */
  createInvoice(amountMsat: bigint, description: string, expirySecs = 3_600): { invoice: string; paymentHash: string } {
    const result = ldk.UtilMethods.constructor_create_invoice_from_channelmanager(
      this.#manager, ldk.Option_u64Z.constructor_some(amountMsat), description, expirySecs, ldk.Option_u16Z.constructor_none()
    )
    if (!(result instanceof ldk.Result_Bolt11InvoiceSignOrCreationErrorZ_OK)) throw new LdkCallError('create_invoice', 'refused')
    return { invoice: result.res.to_str(), paymentHash: hex(result.res.payment_hash()) }
  }

  /** What a BOLT11 invoice asks: its payment hash, amount and payee (its signature checked). */
  decodeInvoice(invoice: string): { paymentHash: string; amountMsat: bigint | undefined; payee: string } {
    const parsed = ldk.Bolt11Invoice.constructor_from_str(invoice)
    if (!(parsed instanceof ldk.Result_Bolt11InvoiceParseOrSemanticErrorZ_OK)) throw new InvalidInvoiceError(invoice, 'does not parse')
    return {
      paymentHash: hex(parsed.res.payment_hash()),
      amountMsat: someOf<bigint>(parsed.res.amount_milli_satoshis()),
      payee: hex(parsed.res.get_payee_pub_key())
    }
  }

  /**
   * Pays a BOLT11 invoice; resolves when the payee released the preimage (PaymentSent). The
   * payment id is the payment hash, so paying an invoice again never pays twice: it resolves or
   * rejects with the first payment's outcome, or waits for it while LDK still sends it.
   */
  pay(invoice: string): Promise<Payment> {
    const parsed = ldk.Bolt11Invoice.constructor_from_str(invoice)
    if (!(parsed instanceof ldk.Result_Bolt11InvoiceParseOrSemanticErrorZ_OK)) throw new InvalidInvoiceError(invoice, 'does not parse')
    const params = ldk.UtilMethods.constructor_payment_parameters_from_invoice(parsed.res)
    if (!(params instanceof ldk.Result_C3Tuple_ThirtyTwoBytesRecipientOnionFieldsRouteParametersZNoneZ_OK)) {
      throw new InvalidInvoiceError(invoice, 'has no amount')
    }
    const paymentHash = params.res.get_a()
    const key = hex(paymentHash)
    const known = this.payment(key)
    if (known?.status === 'sent') return Promise.resolve({ paymentHash: key, preimage: known.preimage, feeMsat: known.feeMsat })
    if (known?.status === 'failed') return Promise.reject(new PaymentFailedError(key, known.reason))
    const done = this.#events.outcome(key)
    if (known?.status === 'pending') return done
    const sent = this.#manager.send_payment(paymentHash, params.res.get_b(), paymentHash, params.res.get_c(), ldk.Retry.constructor_attempts(3))
    if (!(sent instanceof ldk.Result_NoneRetryableSendFailureZ_OK)) {
      this.#events.forget(key)
      throw new PaymentFailedError(key, ldk.RetryableSendFailure[(sent as ldk.Result_NoneRetryableSendFailureZ_Err).err] ?? 'not sent')
    }
    // The HTLC is in a monitor now: the manager is written before anything else runs.
    this.#pump()
    return done
  }

  /**
   * What became of our payment of `paymentHash`: sent or failed (journaled when LDK said so),
   * pending while LDK sends it, undefined when LDK never took it (nothing was paid).
   */
  payment(paymentHash: string): PaymentOutcome | { readonly status: 'pending' } | undefined {
    const outcome = this.#journal.outcome(paymentHash)
    if (outcome !== undefined) return outcome
    const recent = this.#manager.list_recent_payments().some((p) =>
      (p instanceof ldk.RecentPaymentDetails_Pending || p instanceof ldk.RecentPaymentDetails_Fulfilled || p instanceof ldk.RecentPaymentDetails_Abandoned) &&
      hex(p.payment_id) === paymentHash)
    // Fulfilled or abandoned but not journaled: its event is still to be handled.
    return recent ? { status: 'pending' } : undefined
  }

  /** The msat our node claimed for `paymentHash` (PaymentClaimed, journaled), if it did. */
  claimedMsat(paymentHash: string): bigint | undefined {
    return this.#journal.claimedMsat(paymentHash)
  }

  /** Every sweep this node made (journaled before broadcast), final once SWEEP_DEPTH deep. */
  sweeps(): readonly Sweep[] {
    return this.#journal.sweeps()
  }

  /** Starts a cooperative close (BOLT 2 shutdown / closing_signed). */
  closeChannel(channelId: string, counterparty: string): void {
    const result = this.#manager.close_channel(ldk.ChannelId.constructor_new(unhex(channelId)), unhex(counterparty))
    if (!(result instanceof ldk.Result_NoneAPIErrorZ_OK)) throw new LdkCallError('close_channel', apiError(result))
    this.#schedulePump()
  }

  /** Broadcasts our latest commitment transaction (BOLT 5): our funds return after to_self_delay blocks, then are swept. */
  forceCloseChannel(channelId: string, counterparty: string): void {
    const result = this.#manager.force_close_broadcasting_latest_txn(ldk.ChannelId.constructor_new(unhex(channelId)), unhex(counterparty), 'closed by its owner')
    if (!(result instanceof ldk.Result_NoneAPIErrorZ_OK)) throw new LdkCallError('force_close', apiError(result))
    this.#schedulePump()
  }

  /** Sats still to come back on chain from closed or open channels (LDK's claimable balances). */
  claimableSats(): bigint {
    return this.#chainMonitor.get_claimable_balances([]).reduce((sum, b) => sum + b.claimable_amount_satoshis(), 0n)
  }

  /** Reads new blocks into LDK, refreshes the fee estimate, handles events, waits for broadcasts to reach the node. */
  sync(): Promise<void> {
    this.#syncing = this.#syncing.then(async () => {
      if (this.#stopped) return
      const estimate = await this.options.chain.estimateSmartFee(FEE_TARGET_BLOCKS).catch(() => undefined)
      if (estimate !== undefined) this.#feeRate = Math.max(MIN_FEE_RATE, Number(estimate) * 250)
      for (const follower of this.#followers) await follower.sync()
      this.#pump()
      const tip = this.#followers[0]?.position.height
      if (tip !== undefined) await this.#sweeper.check(tip)
      while (this.#broadcasts.size > 0) await Promise.all([...this.#broadcasts])
      this.#pump()
    })
    return this.#syncing
  }

  async stop(): Promise<void> {
    this.#stopped = true
    for (const timer of this.#timers) clearInterval(timer)
    await this.#syncing.catch(() => undefined)
    this.#peers?.disconnect_all_peers()
    await this.#sockets?.close()
    this.#pump(true)
    // Handled events are not replayed by a manager written after them.
    this.#state.write('manager', this.#manager.write())
    while (this.#broadcasts.size > 0) await Promise.all([...this.#broadcasts])
    this.#journal.close()
  }

  #pumpScheduled = false
  #schedulePump(): void {
    if (this.#pumpScheduled) return
    this.#pumpScheduled = true
    setImmediate(() => {
      this.#pumpScheduled = false
      this.#pump()
    })
  }

  /**
   * One round of LDK's background work: peer messages, events, then the manager written if it
   * changed (monitors are written as they change, before it: a manager behind its monitors makes
   * LDK force-close the channel at the next start).
   */
  #pump(final = false): void {
    if (this.#stopped && !final) return
    this.#peers?.process_events()
    const handler = this.#events.handler()
    this.#chainMonitor.as_EventsProvider().process_pending_events(handler)
    this.#manager.as_EventsProvider().process_pending_events(handler)
    this.#peers?.process_events()
    if (this.#manager.get_and_clear_needs_persistence()) this.#state.write('manager', this.#manager.write())
  }

  #broadcast(tx: Uint8Array, then?: (txid: string) => void): void {
    this.#track(this.options.chain.sendRawTransaction(Uint8Array.from(tx)).then((txid) => then?.(txid)))
  }

  /** An error of background work: to the `error` listeners, or the log when there is none (an unheard 'error' event would throw). */
  #fail(error: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', error)
    else this.options.log?.('LDKLevel_Error', `${error.name}: ${error.message}`)
  }

  #track(work: Promise<unknown>): void {
    const tracked = work.catch((error: Error) => this.#fail(error)).finally(() => this.#broadcasts.delete(tracked))
    this.#broadcasts.add(tracked)
  }
}
