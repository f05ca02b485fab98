import type { Channel, Link } from '@stack/channel-core'
import type BigNumber from 'bignumber.js'
import { childAddress, isAddressPrefix, isValidAddress } from '../address.js'
import { decodeReply, encodeReply } from '../decode-packet.js'
import { IlpErrorCode } from '../error-codes.js'
import { IlpError } from '../ilp-error.js'
import { ILDCP_DESTINATION, serveIldcp } from '../ildcp.js'
import type { IlpPrepare, IlpReject, IlpReply, PrepareHandler } from '../packet.js'
import { IlpPacketType, MAX_UINT64 } from '../packet.js'
import { decodePrepare, encodePrepare } from '../prepare.js'
import { encodeReject } from '../reject.js'
import { InMemoryBalanceStore, type BalanceSnapshot, type BalanceStore } from './balance-store.js'
import { systemClock, type Clock } from './clock.js'
import { ConnectorCounters, copyCounters, type PacketCounters } from './connector-counters.js'
import { parseSpread, StaticRateBackend, type AssetDetails, type RateBackend } from './exchange-rate.js'
import { linkSender } from './link-sender.js'
import { compose, type Handler, type IncomingContext, type PeerAccount, type PeerSender } from './pipeline.js'
import type { PeerRelation } from '../routing-table.js'
import { incomingBalanceRule, outgoingBalanceRule } from './rules/balance.js'
import { incomingExpiryRule, replyDeadlineRule } from './rules/expire.js'
import { maxPacketAmountRule } from './rules/max-packet-amount.js'
import { RateLimiter, rateLimitRule, type RateLimitConfig } from './rules/rate-limit.js'
import { reduceExpiryRule } from './rules/reduce-expiry.js'
import { validateFulfillmentRule } from './rules/validate-fulfillment.js'
import { Settlement, type SettlementCounters } from './settlement.js'
import { createSwitch, type RouteLookup } from './switch.js'

/** Handles `peer.route.*` (CCP, RFC 0000 draft) for the routing code, which plugs in here. */
export type PeerProtocolHandler = (sourcePeerId: string, prepare: IlpPrepare) => Promise<IlpReply>

export interface ConnectorLogger {
  warn(message: string, details?: unknown): void
}

export interface ConnectorOptions {
  /** This connector's ILP address: `triggeredBy` of the Rejects it creates, parent of its children. */
  address: string
  routes: RouteLookup
  /** Default: a static backend that knows only same-asset pairs (rate 1). */
  rates?: RateBackend
  /** The connector's margin, a fraction in [0, 1). Default 0. */
  spread?: BigNumber.Value
  /** Default 1000 ms. */
  minMessageWindowMs?: number
  /** Default 30 000 ms. */
  maxHoldTimeMs?: number
  balances?: BalanceStore
  clock?: Clock
  peerProtocols?: PeerProtocolHandler
  /** Default: console. */
  logger?: ConnectorLogger
}

export interface PeerConfig {
  /** Unique; for a child also its address segment (RFC 0031 address = `<our address>.<id>`). */
  id: string
  relation: PeerRelation
  asset: AssetDetails
  /** Packets both ways. Without it (and without `handler`) the peer can send (handlePrepare) but not receive. */
  link?: Link
  /** Delivers packets to an in-process receiver instead of a link. */
  handler?: PrepareHandler
  channel?: Channel
  /** Largest Prepare accepted from this peer, in its units (F08 above). */
  maxPacketAmount?: bigint
  rateLimit?: RateLimitConfig
  /** Lowest the peer's balance (what we owe it) may go: −credit we extend. Unset: no limit. */
  minBalance?: bigint
  /** We pay the peer over its Channel (needed) when we owe it this much… */
  settleThreshold?: bigint
  /** …bringing what we owe down to this. Default 0. */
  settleTo?: bigint
}

/** A peer configuration that cannot work. */
export class InvalidPeerConfigError extends Error {
  override readonly name = 'InvalidPeerConfigError'
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`)
  }
}

export interface ConnectorCountersSnapshot {
  incoming: Record<string, PacketCounters>
  outgoing: Record<string, PacketCounters>
  settlement: SettlementCounters
}

const PEER_ROUTE_PREFIX = 'peer.route'

interface PeerEntry {
  account: PeerAccount
  link: Link | undefined
}

/**
 * The connector: peers, each with a Link (packets) and maybe a Channel (value), and the packet
 * switch between them as a pipeline of rules (RFC 0027 lifecycle steps 3–10):
 *
 *   incoming: count → expired? (R00) → rate limit (T05) → max packet (F08) → balance hold (T04)
 *   switch:   route (F02) → exchange rate (T00, R01, F08)
 *   outgoing: count → reduce expiry (R02) → balance hold → validate fulfillment (F05, R00)
 *             → reply deadline (R00) → the next hop's Link (T01, T03, R00)
 *
 * A rule refuses by throwing an IlpError; it becomes a Reject here, in one place, with this
 * connector as `triggeredBy`. Rejects from further on come back as values and pass unchanged.
 */
export class Connector {
  readonly address: string
  readonly #peers = new Map<string, PeerEntry>()
  readonly #clock: Clock
  readonly #balances: BalanceStore
  readonly #settlement: Settlement
  readonly #counters = new ConnectorCounters()
  readonly #logger: ConnectorLogger
  readonly #peerProtocols: PeerProtocolHandler | undefined
  readonly #pipeline: Handler<IncomingContext>

  constructor(options: ConnectorOptions) {
    if (!isValidAddress(options.address)) {
      throw new InvalidPeerConfigError('address', `"${options.address}" is not a valid ILP address`)
    }
    this.address = options.address
    this.#clock = options.clock ?? systemClock
    this.#balances = options.balances ?? new InMemoryBalanceStore()
    this.#logger = options.logger ?? console
    this.#settlement = new Settlement(this.#balances, this.#logger)
    this.#peerProtocols = options.peerProtocols
    const clock = this.#clock
    const outgoing = compose(
      [
        this.#counters.outgoingRule(),
        reduceExpiryRule(clock, {
          minMessageWindowMs: options.minMessageWindowMs ?? 1_000,
          maxHoldTimeMs: options.maxHoldTimeMs ?? 30_000,
        }),
        outgoingBalanceRule(this.#balances, this.#settlement),
        validateFulfillmentRule(clock),
        replyDeadlineRule(clock),
      ],
      async (ctx) => {
        const send = ctx.destination.send
        if (send === undefined) throw new IlpError(IlpErrorCode.F02_UNREACHABLE, `peer ${ctx.destination.id} cannot receive`)
        return send(ctx.prepare)
      },
    )
    this.#pipeline = compose(
      [
        this.#counters.incomingRule(),
        incomingExpiryRule(clock),
        rateLimitRule(clock),
        maxPacketAmountRule(),
        incomingBalanceRule(this.#balances),
      ],
      createSwitch({
        routes: options.routes,
        peer: (id) => this.#peers.get(id)?.account,
        rates: options.rates ?? new StaticRateBackend(),
        spread: parseSpread(options.spread ?? 0),
        forward: outgoing,
      }),
    )
  }

  /**
   * Adds a peer and starts answering its link and channel; first, the peer's books take what its
   * channel's totals hold beyond them (Settlement.reconcile). Throws InvalidPeerConfigError,
   * SettledTotalsBehindError.
   */
  addPeer(config: PeerConfig): void {
    const { id, link, channel } = config
    checkPeerConfig(config)
    if (this.#peers.has(id)) throw new InvalidPeerConfigError('id', `peer ${id} already exists`)
    if (channel !== undefined) this.#settlement.reconcile(id, channel)
    let send: PeerSender | undefined
    if (config.handler !== undefined) {
      const handler = config.handler
      send = (prepare) => handler(prepare)
    } else if (link !== undefined) {
      send = linkSender(link, id, this.#clock)
    }
    const account: PeerAccount = {
      id,
      relation: config.relation,
      asset: { code: config.asset.code, scale: config.asset.scale },
      maxPacketAmount: config.maxPacketAmount,
      minBalance: config.minBalance,
      settleThreshold: config.settleThreshold,
      settleTo: config.settleTo ?? 0n,
      rateLimiter: config.rateLimit === undefined ? undefined : new RateLimiter(config.rateLimit, this.#clock.now()),
      channel,
      send,
    }
    this.#peers.set(id, { account, link })
    link?.setRequestHandler((bytes, context) => this.#onLinkRequest(account, bytes, context.signal))
    channel?.setValueHandler(({ amount }) => this.#settlement.receive(account, amount))
  }

  /**
   * Stops answering the peer and routing to it. Packets in flight finish and resolve their holds;
   * the peer's balance stays in the store.
   */
  removePeer(id: string): boolean {
    const entry = this.#peers.get(id)
    if (entry === undefined) return false
    this.#peers.delete(id)
    entry.link?.setRequestHandler(undefined)
    entry.account.channel?.setValueHandler(undefined)
    return true
  }

  /** A Prepare from `sourcePeerId` (a local sender, or any added peer): the PrepareHandler seam. */
  async handlePrepare(sourcePeerId: string, prepare: IlpPrepare): Promise<IlpReply> {
    const account = this.#peers.get(sourcePeerId)?.account
    if (account === undefined) {
      return this.#reject(new IlpError(IlpErrorCode.F00_BAD_REQUEST, `unknown source peer ${sourcePeerId}`))
    }
    return this.#dispatch(account, prepare, undefined)
  }

  /** Sends a Prepare straight to a peer, outside the pipeline (peer protocols such as CCP). */
  async sendToPeer(peerId: string, prepare: IlpPrepare): Promise<IlpReply> {
    const send = this.#peers.get(peerId)?.account.send
    try {
      if (send === undefined) throw new IlpError(IlpErrorCode.F02_UNREACHABLE, `peer ${peerId} cannot receive`)
      return await send(prepare)
    } catch (error) {
      return this.#reject(error)
    }
  }

  /** Each peer's balance (what we owe it; see balance-store.ts) and pending holds. */
  balances(): Record<string, BalanceSnapshot> {
    return Object.fromEntries(this.#balances.snapshot())
  }

  balance(peerId: string): BalanceSnapshot {
    return this.#balances.get(peerId)
  }

  counters(): ConnectorCountersSnapshot {
    return {
      incoming: copyCounters(this.#counters.incoming),
      outgoing: copyCounters(this.#counters.outgoing),
      settlement: { ...this.#settlement.counters },
    }
  }

  /** Starts a settlement with the peer if it is due; resolves when it is over. */
  settle(peerId: string): Promise<void> {
    const account = this.#peers.get(peerId)?.account
    return account === undefined ? Promise.resolve() : this.#settlement.maybeSettle(account)
  }

  // A link handler must answer with bytes, never throw: a throw is a link-level error (BTP ERROR).
  async #onLinkRequest(account: PeerAccount, bytes: Uint8Array, signal: AbortSignal): Promise<Uint8Array> {
    let prepare: IlpPrepare
    try {
      prepare = decodePrepare(bytes)
    } catch (error) {
      this.#counters.invalidPacket(account.id)
      const message = `invalid Prepare: ${error instanceof Error ? error.message : String(error)}`
      return encodeReject({ code: IlpErrorCode.F01_INVALID_PACKET, triggeredBy: this.address, message: message.slice(0, 1000), data: new Uint8Array(0) })
    }
    const reply = await this.#dispatch(account, prepare, signal)
    try {
      return encodeReply(reply)
    } catch (error) {
      return encodeReply(this.#reject(error))
    }
  }

  async #dispatch(source: PeerAccount, prepare: IlpPrepare, signal: AbortSignal | undefined): Promise<IlpReply> {
    try {
      if (prepare.destination === ILDCP_DESTINATION) return this.#serveIldcp(source, prepare)
      if (isAddressPrefix(PEER_ROUTE_PREFIX, prepare.destination)) {
        if (this.#peerProtocols === undefined) {
          throw new IlpError(IlpErrorCode.F02_UNREACHABLE, `${prepare.destination} is not served here`)
        }
        return await this.#peerProtocols(source.id, prepare)
      }
      return await this.#pipeline({ source, prepare, signal })
    } catch (error) {
      return this.#reject(error)
    }
  }

  // RFC 0034 §"Link Relations": a node with children hosts IL-DCP for them (RFC 0031).
  #serveIldcp(source: PeerAccount, prepare: IlpPrepare): IlpReply {
    if (source.relation !== 'child') {
      throw new IlpError(IlpErrorCode.F02_UNREACHABLE, `${ILDCP_DESTINATION} is only served to children`)
    }
    const info = {
      clientAddress: childAddress(this.address, source.id),
      assetCode: source.asset.code,
      assetScale: source.asset.scale,
    }
    return decodeReply(serveIldcp(encodePrepare(prepare), info, this.address, new Date(this.#clock.now())))
  }

  // The one place typed errors become Rejects.
  #reject(error: unknown): IlpReply {
    if (error instanceof IlpError) return { type: IlpPacketType.Reject, ...error.toReject(this.address) }
    this.#logger.warn('connector: unexpected error handling a packet', error)
    const reject: IlpReject = {
      code: IlpErrorCode.T00_INTERNAL_ERROR,
      triggeredBy: this.address,
      message: 'internal error',
      data: new Uint8Array(0),
    }
    return { type: IlpPacketType.Reject, ...reject }
  }
}

function checkPeerConfig(config: PeerConfig): void {
  if (typeof config.id !== 'string' || config.id.length === 0) throw new InvalidPeerConfigError('id', 'must be a non-empty string')
  if (!['parent', 'peer', 'child'].includes(config.relation)) {
    throw new InvalidPeerConfigError('relation', `"${String(config.relation)}" is not parent, peer or child`)
  }
  const { scale } = config.asset
  if (!Number.isInteger(scale) || scale < 0 || scale > 255) throw new InvalidPeerConfigError('asset.scale', `${scale} is not a UInt8`)
  if (config.maxPacketAmount !== undefined && (config.maxPacketAmount < 0n || config.maxPacketAmount > MAX_UINT64)) {
    throw new InvalidPeerConfigError('maxPacketAmount', `${config.maxPacketAmount} is not a UInt64`)
  }
  // RFC 0032 §"Settlement Threshold": a threshold names when to pay over the peer's Channel.
  if (config.settleThreshold !== undefined && config.channel === undefined) {
    throw new InvalidPeerConfigError('settleThreshold', 'needs a channel: a peer without one is never paid')
  }
  if (config.settleThreshold !== undefined && config.settleTo !== undefined && config.settleTo >= config.settleThreshold) {
    throw new InvalidPeerConfigError('settleTo', `${config.settleTo} must be below settleThreshold ${config.settleThreshold}`)
  }
  const limit = config.rateLimit
  if (limit?.packetsPerSecond !== undefined && !(limit.packetsPerSecond >= 0)) {
    throw new InvalidPeerConfigError('rateLimit.packetsPerSecond', `${limit.packetsPerSecond} is not ≥ 0`)
  }
  if (limit?.valuePerSecond !== undefined && limit.valuePerSecond < 0n) {
    throw new InvalidPeerConfigError('rateLimit.valuePerSecond', `${limit.valuePerSecond} is not ≥ 0`)
  }
}
