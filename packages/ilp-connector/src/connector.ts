import type { ChannelTotals, Link } from '@stack/channel-core'
import {
  childAddress,
  ILDCP_DESTINATION,
  IlpError,
  IlpErrorCode,
  isAddressPrefix,
  isValidAddress,
  reject,
  sendOverLink,
  serveIldcp,
  serveOnLink,
  type BalanceSnapshot,
  type BalanceStore,
  type IlpPrepare,
  type IlpReply,
  type MaybePromise,
  type PrepareHandler,
} from '@stack/ilp-core'
import type BigNumber from 'bignumber.js'
import { InMemoryBalanceStore } from './balances/balance-store.js'
import { observeBalances } from './balances/observed-balance-store.js'
import type { NodeEvents } from './events.js'
import { systemClock, type Clock } from './clock.js'
import { ConnectorCounters, copyCounters, type PacketCounters } from './connector-counters.js'
import type { ConnectorLogger } from './logger.js'
import { checkPeerConfig, InvalidPeerConfigError, type PeerConfig } from './peer-config.js'
import { compose, type Handler, type IncomingContext, type PeerAccount, type Rule } from './pipeline.js'
import { RateLimiter } from './rate-limiter.js'
import { parseSpread, StaticRateBackend, type RateBackend } from './rates/exchange-rate.js'
import { incomingBalanceRule, outgoingBalanceRule } from './rules/balance.js'
import { incomingExpiryRule } from './rules/incoming-expiry.js'
import { maxPacketAmountRule } from './rules/max-packet-amount.js'
import { rateLimitRule } from './rules/rate-limit.js'
import { reduceExpiryRule } from './rules/reduce-expiry.js'
import { replyDeadlineRule } from './rules/reply-deadline.js'
import { validateFulfillmentRule } from './rules/validate-fulfillment.js'
import { Settlement, type SettlementCounters } from './settlement.js'
import { createSwitch, type RouteLookup } from './switch.js'

export interface ConnectorOptions {
  /** This connector's ILP address: `triggeredBy` of the Rejects it creates, parent of its children. */
  address: string
  routes: RouteLookup
  /** Default: a static backend that knows only same-asset pairs (rate 1). */
  rates?: RateBackend
  /** The connector's margin, a fraction in [0, 1). Default 0. */
  spread?: BigNumber.Value
  /** Default CONNECTOR_DEFAULTS.minMessageWindowMs. */
  minMessageWindowMs?: number
  /** Default CONNECTOR_DEFAULTS.maxHoldTimeMs. */
  maxHoldTimeMs?: number
  balances?: BalanceStore
  clock?: Clock
  /** Answers `peer.route.*` (CCP, RFC 0000 draft) from the given peer: the routing code plugs in here. */
  peerProtocols?: (peerId: string) => PrepareHandler
  /** Rules run first on every Prepare from a peer, outermost first (the node's drain gate, timing). */
  incomingRules?: readonly Rule<IncomingContext>[]
  /** Default: console. */
  logger?: Pick<ConnectorLogger, 'warn'>
  /** Where balance changes and settlements are told (events.ts). */
  events?: NodeEvents
}

/** The packet timing a Connector uses when not told otherwise (RFC 0027 lifecycle step 6). */
export const CONNECTOR_DEFAULTS = {
  /** Time kept back to pass a Fulfill upstream. */
  minMessageWindowMs: 1_000,
  /** Longest a next hop may hold a packet (and our liquidity). */
  maxHoldTimeMs: 30_000,
} as const

/** A settle-now request that cannot be done. */
export class SettleNowError extends Error {
  override readonly name = 'SettleNowError'
  constructor(readonly peerId: string, reason: string) {
    super(`cannot settle with peer ${peerId}: ${reason}`)
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
  peerProtocols: PrepareHandler | undefined
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
  readonly #logger: Pick<ConnectorLogger, 'warn'>
  readonly #peerProtocols: ((peerId: string) => PrepareHandler) | undefined
  readonly #pipeline: Handler<IncomingContext>

  constructor(options: ConnectorOptions) {
    if (!isValidAddress(options.address)) {
      throw new InvalidPeerConfigError('address', `"${options.address}" is not a valid ILP address`)
    }
    this.address = options.address
    this.#clock = options.clock ?? systemClock
    const balances = options.balances ?? new InMemoryBalanceStore()
    this.#balances = options.events === undefined ? balances : observeBalances(balances, options.events)
    this.#logger = options.logger ?? console
    this.#settlement = new Settlement(this.#balances, this.#logger, options.events)
    this.#peerProtocols = options.peerProtocols
    const clock = this.#clock
    const outgoing = compose(
      [
        this.#counters.outgoingRule(),
        reduceExpiryRule(clock, {
          minMessageWindowMs: options.minMessageWindowMs ?? CONNECTOR_DEFAULTS.minMessageWindowMs,
          maxHoldTimeMs: options.maxHoldTimeMs ?? CONNECTOR_DEFAULTS.maxHoldTimeMs,
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
        ...(options.incomingRules ?? []),
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
    // A shared store answers later: the peer is served meanwhile, and a failure is logged.
    const reconciled = channel === undefined ? undefined : this.#settlement.reconcile(id, channel)
    if (reconciled instanceof Promise) reconciled.catch((error: unknown) => this.#logger.warn(`peer ${id}: its channel's totals could not be reconciled with the books`, error))
    const send: PrepareHandler | undefined =
      config.handler ?? (link === undefined ? undefined : sendOverLink(link, { triggeredBy: this.address, peer: id, now: () => this.#clock.now() }))
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
    this.#peers.set(id, { account, link, peerProtocols: this.#peerProtocols?.(id) })
    link?.setRequestHandler(
      serveOnLink((prepare, { signal }) => this.#dispatch(account, prepare, signal), {
        triggeredBy: this.address,
        onInvalidPacket: () => this.#counters.invalidPacket(id),
        onError: (error) => this.#logger.warn('connector: a reply could not be encoded', error),
      }),
    )
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

  /** Each peer's balance (what we owe it; see ilp-core's balance-store.ts) and pending holds. */
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

  /**
   * The peer's books take what its channel's totals hold beyond them (Settlement.reconcile, as
   * `addPeer` does): for a process that has just taken over the peer's settlement (a cluster's
   * lease). Undefined for a peer without a channel with totals. Throws SettledTotalsBehindError.
   */
  async reconcile(peerId: string): Promise<ChannelTotals | undefined> {
    const channel = this.#peers.get(peerId)?.account.channel
    return channel === undefined ? undefined : this.#settlement.reconcile(peerId, channel)
  }

  /** Starts a settlement with the peer if it is due; resolves when it is over. */
  settle(peerId: string): Promise<void> {
    const account = this.#peers.get(peerId)?.account
    return account === undefined ? Promise.resolve() : this.#settlement.maybeSettle(account)
  }

  /**
   * Pays the peer now what we owe it above its settleTo, threshold or not (an operator's
   * request). Resolves with the amount paid (0: nothing owed, or a settlement is out already).
   * Throws SettleNowError if the peer is unknown or has no channel, or the channel's payment failed.
   */
  async settleNow(peerId: string): Promise<bigint> {
    const account = this.#peers.get(peerId)?.account
    if (account === undefined) throw new SettleNowError(peerId, 'no such peer')
    const { channel } = account
    if (channel === undefined) throw new SettleNowError(peerId, 'it has no settlement channel')
    const paid = await this.#settlement.settleNow({ ...account, channel })
    if (paid === undefined) throw new SettleNowError(peerId, 'the channel could not pay (see the log); the balance is restored')
    return paid
  }

  /** Applies `delta` to the peer's balance now, journaled with `reason` (an operator's correction). */
  adjustBalance(peerId: string, delta: bigint, reason: string): MaybePromise<bigint> {
    return this.#balances.adjust(peerId, delta, reason)
  }

  async #dispatch(source: PeerAccount, prepare: IlpPrepare, signal: AbortSignal | undefined): Promise<IlpReply> {
    try {
      if (prepare.destination === ILDCP_DESTINATION) return this.#serveIldcp(source, prepare)
      if (isAddressPrefix(PEER_ROUTE_PREFIX, prepare.destination)) {
        const peerProtocols = this.#peers.get(source.id)?.peerProtocols
        if (peerProtocols === undefined) {
          throw new IlpError(IlpErrorCode.F02_UNREACHABLE, `${prepare.destination} is not served here`)
        }
        return await peerProtocols(prepare)
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
    return serveIldcp(prepare, info, this.address, new Date(this.#clock.now()))
  }

  // The one place typed errors become Rejects.
  #reject(error: unknown): IlpReply {
    if (error instanceof IlpError) return error.toReject(this.address)
    this.#logger.warn('connector: unexpected error handling a packet', error)
    return reject(IlpErrorCode.T00_INTERNAL_ERROR, this.address, 'internal error')
  }
}
