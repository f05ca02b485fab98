/**
 * The one cumulative-claim payment channel engine: a channel-core `Channel` both ways with one
 * peer, over a `ClaimScheme` (what the ledger contributes) and a `ClaimStore` (what must survive).
 *
 * Paying: `sendValue(amount)` asks the scheme for a channel that holds the amount (opened or
 * topped up as its funding says), signs the next cumulative claim and hands it to the carrier as
 * the proof. Only when the peer accepts is the new cumulative amount recorded: a refused or lost
 * claim is signed over by the next one, and the peer credits only a claim's growth over the best
 * it holds, so both sides converge on the same total.
 *
 * Receiving: a claim is checked against the ledger (our channel from this peer, not closed, its
 * key, above the best claim, within the deposit), stored, and only then its growth is passed to
 * the value handler; if the handler refuses, the stored claim is put back. The best claim is
 * redeemed at `redeemThreshold`, on `stop`, after `idleRedeemMs`, and as soon as the sender asks
 * to close (before its settle delay runs out).
 *
 * Totals (`totals()`): each accepted payment and each credited claim adds to the store's total
 * sent or received in the same write as the claim, so the books (which follow the totals) are
 * never paid twice nor miss a credit when a crash comes between the two files' writes.
 */
import { SerialQueue } from '@stack/ledger-core'
import { MAX_UINT64, type Channel, type ChannelTotals, type ClaimCarrier, type IncomingValue, type ValueHandler } from '../channel.js'
import { ChannelShutDownError, ClaimSignatureError, InvalidChannelOptionError, NoValueHandlerError } from '../claim-errors.js'
import { InvalidAmountError } from '../errors.js'
import type { RequestOptions } from '../link.js'
import { checkClaimChannel, claimGrowth } from './check-claim.js'
import type { ClaimChannelView, ClaimScheme, RedeemMode } from './claim-scheme.js'
import type { ClaimStore, IncomingClaim, OutgoingState } from './claim-store.js'

export interface ChannelWatch {
  /** How often the watcher looks at the ledger. Keep it well below the peer's settle delay. */
  readonly intervalMs: number
  /** Redeem a claim that has waited this long without a newer one (the peer went quiet). Default: never for that reason. */
  readonly idleRedeemMs?: number
}

export interface ChannelLogger {
  warn(message: string, details?: unknown): void
}

export interface ClaimChannelOptions<Signature, Outgoing extends OutgoingState, View extends ClaimChannelView> {
  readonly scheme: ClaimScheme<Signature, Outgoing, View>
  /** Carries claims to the peer and brings the peer's (a BTP link's value side). */
  readonly carrier: ClaimCarrier
  readonly store: ClaimStore<Signature, Outgoing>
  /** Redeem once the unredeemed part of a channel's best claim reaches this. Absent: on stop, when idle, or in a dispute. */
  readonly redeemThreshold?: bigint
  /** The watcher `start` runs (see `tick`). Absent: call `tick` yourself. */
  readonly watch?: ChannelWatch
  /** The clock (ms since the epoch). Default `Date.now`. */
  readonly now?: () => number
  readonly logger?: ChannelLogger
}

/** What an endpoint knows of its channels, as plain data. */
export interface ClaimChannelSummary {
  readonly outgoing: { readonly channelId: string; readonly sent: bigint } | undefined
  /** Value the peer holds beyond what our payments acknowledged (lost acceptances): later payments use it up. */
  readonly carry: bigint
  readonly incoming: readonly { readonly channelId: string; readonly best: bigint; readonly receivedAt: number }[]
}

/**
 * One channel of an endpoint as its ledger holds it now, beside what the claims say: the
 * channel's deposit, the latest cumulative claim (signed by us on ours, the best held on the
 * peer's) and what the ledger paid out of it (redeemed). `ledger` is absent when the ledger
 * has no such channel; `unreadable` says why the ledger could not be read.
 */
export interface ClaimChannelState {
  readonly direction: 'outgoing' | 'incoming'
  readonly channelId: string
  readonly claimed: bigint
  readonly ledger?: { readonly deposit: bigint; readonly redeemed: bigint; readonly status: ClaimChannelView['status'] }
  readonly unreadable?: string
}

const silent: ChannelLogger = { warn() {} }

export class ClaimChannel<Signature, Outgoing extends OutgoingState = OutgoingState, View extends ClaimChannelView = ClaimChannelView> implements Channel {
  readonly #scheme: ClaimScheme<Signature, Outgoing, View>
  readonly #carrier: ClaimCarrier
  readonly #store: ClaimStore<Signature, Outgoing>
  readonly #redeemThreshold: bigint | undefined
  readonly #watch: ChannelWatch | undefined
  readonly #now: () => number
  readonly #logger: ChannelLogger
  readonly #outgoing = new SerialQueue()
  readonly #incoming = new SerialQueue()
  #handler: ValueHandler | undefined
  #timer: NodeJS.Timeout | undefined
  #ticking: Promise<bigint> | undefined
  #stopped = false

  constructor(options: ClaimChannelOptions<Signature, Outgoing, View>) {
    checkPositive('redeemThreshold', options.redeemThreshold)
    const watch = options.watch
    if (watch !== undefined && !(Number.isSafeInteger(watch.intervalMs) && watch.intervalMs > 0)) {
      throw new InvalidChannelOptionError('watch.intervalMs', watch.intervalMs, 'must be a positive integer')
    }
    if (watch?.idleRedeemMs !== undefined && !(Number.isSafeInteger(watch.idleRedeemMs) && watch.idleRedeemMs >= 0)) {
      throw new InvalidChannelOptionError('watch.idleRedeemMs', watch.idleRedeemMs, 'must be a non-negative integer')
    }
    this.#scheme = options.scheme
    this.#carrier = options.carrier
    this.#store = options.store
    this.#redeemThreshold = options.redeemThreshold
    this.#watch = watch
    this.#now = options.now ?? Date.now
    this.#logger = options.logger ?? silent
    this.#carrier.setValueHandler((value) => this.#receive(value))
  }

  // ---- lifecycle --------------------------------------------------------------------------

  /** Starts the watcher (`watch`), if any: one `tick` per interval. */
  async start(): Promise<void> {
    if (this.#stopped) throw new ChannelShutDownError()
    if (this.#watch === undefined || this.#timer !== undefined) return
    this.#timer = setInterval(() => void this.tick(), this.#watch.intervalMs)
    this.#timer.unref()
  }

  /** Stops the watcher, sending and taking value, and redeems what can be. The store stays open (it is the caller's). */
  async stop(): Promise<void> {
    if (this.#stopped) return
    this.#stopped = true
    clearInterval(this.#timer)
    this.#carrier.setValueHandler(undefined)
    await this.#ticking
    await this.#outgoing.run(async () => {})
    await this.redeem()
  }

  /** What this endpoint holds: our channel and the cumulative amount sent, the best claims received. */
  summary(): ClaimChannelSummary {
    const stored = this.#store.getOutgoing()
    const outgoing = stored === undefined ? undefined : this.#scheme.outgoing(stored)
    return {
      outgoing: outgoing?.channelId === undefined ? undefined : { channelId: outgoing.channelId, sent: outgoing.sent },
      carry: outgoing?.carry ?? 0n,
      incoming: this.#store.listIncoming().map((claim) => ({ channelId: claim.channelId, best: claim.amount, receivedAt: claim.receivedAt }))
    }
  }

  /** `summary`'s channels, each read from its ledger now (one read per channel: for an operator's look, not per packet). */
  async channelStates(): Promise<ClaimChannelState[]> {
    const { outgoing, incoming } = this.summary()
    const held = [
      ...(outgoing === undefined ? [] : [{ direction: 'outgoing' as const, channelId: outgoing.channelId, claimed: outgoing.sent }]),
      ...incoming.map((claim) => ({ direction: 'incoming' as const, channelId: claim.channelId, claimed: claim.best })),
    ]
    return Promise.all(
      held.map(async (channel): Promise<ClaimChannelState> => {
        try {
          const view = await this.#scheme.readChannel(channel.channelId)
          return view === undefined ? channel : { ...channel, ledger: { deposit: view.deposit, redeemed: view.claimed, status: view.status } }
        } catch (error) {
          return { ...channel, unreadable: error instanceof Error ? `${error.name}: ${error.message.split('\n', 1)[0]}` : String(error) }
        }
      }),
    )
  }

  // ---- paying -----------------------------------------------------------------------------

  /** Pays `amount` with the next cumulative claim. Rejects with what the ledger or the peer refused. */
  async sendValue(amount: bigint, options: RequestOptions = {}): Promise<void> {
    if (typeof amount !== 'bigint' || amount < 0n || amount > MAX_UINT64) throw new InvalidAmountError('amount', amount)
    if (this.#stopped) throw new ChannelShutDownError()
    if (amount === 0n) return
    await this.withOutgoing(async (reviewed, save) => {
      // What the peer got already beyond our books (a lost acceptance on a channel since
      // replaced) pays for this much of the amount: it is credited, so it is not signed again.
      const fromCarry = min(reviewed.carry, amount)
      const rest = amount - fromCarry
      if (rest === 0n) {
        this.#store.putOutgoing({ ...reviewed, carry: reviewed.carry - fromCarry }, this.totals().sent + amount)
        return
      }
      const state = await this.#scheme.fund(reviewed, rest, save)
      const cumulative = state.sent + rest
      const signature = await this.#scheme.sign(state, cumulative)
      const proof = this.#scheme.encodeProof({ channelId: state.channelId, amount: cumulative, signature })
      await this.#carrier.sendValue(amount, { ...options, proof })
      this.#store.putOutgoing({ ...state, sent: cumulative, carry: state.carry - fromCarry }, this.totals().sent + amount)
    })
  }

  /** What the peer accepted from us and we from it, in all, from the claim store (channel-core `ChannelTotals`). */
  totals(): ChannelTotals {
    return this.#store.getTotals()
  }

  /**
   * Runs `task` in turn with the payments, on our outgoing state as reviewed against the ledger:
   * for a scheme's own operations on our channel (open it now, ask to close it). `save` records
   * a new state. `review: false`: the state as stored, not reviewed first.
   */
  protected withOutgoing<T>(task: (state: Outgoing, save: (state: Outgoing) => void) => Promise<T>, { review = true } = {}): Promise<T> {
    return this.#outgoing.run(async () => {
      const save = (state: Outgoing): void => this.#store.putOutgoing(state)
      const state = this.#scheme.outgoing(this.#store.getOutgoing())
      return task(!review || this.#scheme.review === undefined ? state : await this.#scheme.review(state, save), save)
    })
  }

  // ---- receiving --------------------------------------------------------------------------

  setValueHandler(handler: ValueHandler | undefined): void {
    this.#handler = handler
  }

  /** Redeems every unredeemed best claim now (`close`: and closes its channel). Resolves with what the ledger paid us. */
  redeem(mode: RedeemMode = 'claim'): Promise<bigint> {
    return this.#incoming.run(async () => {
      let paid = 0n
      for (const claim of this.#store.listIncoming()) paid += await this.#settle(claim, mode)
      return paid
    })
  }

  /**
   * One pass of the watcher: redeem-and-close each incoming channel whose sender asked to close
   * (before its settle delay ends), redeem claims idle for `idleRedeemMs`, forget closed channels,
   * and let the scheme look after our own channel. Resolves with what the ledger paid us.
   */
  tick(): Promise<bigint> {
    this.#ticking ??= this.#tick().finally(() => {
      this.#ticking = undefined
    })
    return this.#ticking
  }

  async #tick(): Promise<bigint> {
    const idleMs = this.#watch?.idleRedeemMs
    const paid = await this.#incoming.run(async () => {
      let sum = 0n
      for (const claim of this.#store.listIncoming()) {
        const idle = idleMs !== undefined && this.#now() - claim.receivedAt >= idleMs
        sum += await this.#settle(claim, idle ? 'claim' : undefined)
      }
      return sum
    })
    const watch = this.#scheme.watchOutgoing
    if (watch !== undefined) {
      await this.#outgoing.run(async () => {
        try {
          await watch.call(this.#scheme, this.#scheme.outgoing(this.#store.getOutgoing()))
        } catch (error) {
          this.#logger.warn('watching our own channel failed', error)
        }
      })
    }
    return paid
  }

  /** The best claim held on `channelId`, if any. */
  protected heldClaim(channelId: string): IncomingClaim<Signature> | undefined {
    return this.#store.getIncoming(channelId)
  }

  /** Forgets the claim on a channel (the operator saw it redeemed, or the channel closed). */
  protected forgetClaim(channelId: string): Promise<void> {
    return this.#incoming.run(async () => this.#store.deleteIncoming(channelId))
  }

  #receive(value: IncomingValue): Promise<void> {
    return this.#incoming.run(async () => {
      if (this.#stopped) throw new ChannelShutDownError()
      const scheme = this.#scheme
      const claim = scheme.decodeProof(value.proof)
      const channel = await scheme.readChannel(claim.channelId, claim.amount)
      checkClaimChannel(claim.channelId, channel, scheme)
      if (!(await scheme.verify(claim, channel))) throw new ClaimSignatureError(channel.id, claim.amount)
      const previous = this.#store.getIncoming(channel.id)
      const growth = claimGrowth(claim.amount, channel, previous?.amount)
      if (growth === 0n) return
      const handler = this.#handler
      if (handler === undefined) throw new NoValueHandlerError()
      const next: IncomingClaim<Signature> = { channelId: channel.id, amount: claim.amount, signature: claim.signature, receivedAt: this.#now() }
      // Stored, with the total received, before it is credited: after a crash in between, the
      // books find the total ahead of them and credit the difference.
      const { received } = this.totals()
      this.#store.putIncoming(next, received + growth)
      try {
        // The growth, not the carrier's amount: after a lost acceptance the payer's next claim
        // covers what we hold already.
        await handler({ amount: growth, proof: value.proof })
      } catch (error) {
        if (previous === undefined) this.#store.deleteIncoming(channel.id, received)
        else this.#store.putIncoming(previous, received)
        throw error
      }
      const unredeemed = claim.amount - channel.claimed
      if (channel.status === 'closing' || (this.#redeemThreshold !== undefined && unredeemed >= this.#redeemThreshold)) await this.#settle(next, 'claim')
    })
  }

  /**
   * Acts on one incoming claim by its channel's state: closed or gone → forget it; the sender
   * asked to close → redeem and close now; open → redeem as `mode` asks. Failures are logged, not
   * thrown: the watcher tries again on its next pass. Returns what was paid.
   */
  async #settle(claim: IncomingClaim<Signature>, mode: RedeemMode | undefined): Promise<bigint> {
    const redeem = this.#scheme.redeem
    if (redeem === undefined) return 0n
    try {
      const channel = await this.#scheme.readChannel(claim.channelId)
      if (channel === undefined || channel.status === 'closed') {
        const unredeemed = claim.amount - (channel?.claimed ?? 0n)
        if (unredeemed > 0n) this.#logger.warn(`channel ${claim.channelId} closed with ${unredeemed} unredeemed; dropping its claim of ${claim.amount}`)
        this.#store.deleteIncoming(claim.channelId)
        return 0n
      }
      const how = channel.status === 'closing' ? 'close' : mode
      if (how === undefined || (how === 'claim' && claim.amount <= channel.claimed)) return 0n
      const paid = await redeem.call(this.#scheme, claim, channel, how)
      if (how === 'close') this.#store.deleteIncoming(claim.channelId)
      return paid
    } catch (error) {
      this.#logger.warn(`redeeming the claim of ${claim.amount} on channel ${claim.channelId} failed`, error)
      return 0n
    }
  }
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b
}

/** Throws InvalidChannelOptionError unless `value` is absent or an amount of at least 1 (and at most `max`, when given). */
export function checkPositive(field: string, value: bigint | undefined, max?: bigint): void {
  if (value === undefined) return
  if (typeof value !== 'bigint' || value < 1n) throw new InvalidChannelOptionError(field, value, 'must be a bigint of at least 1')
  if (max !== undefined && value > max) throw new InvalidChannelOptionError(field, value, `must be at most ${max}`)
}
