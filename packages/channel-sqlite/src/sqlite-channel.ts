import { randomUUID } from 'node:crypto'
import { InvalidAmountError, MAX_UINT64, type Channel, type ChannelTotals, type ClaimCarrier, type IncomingValue, type RequestOptions, type ValueHandler } from '@stack/channel-core'
import { ChannelNotFoundError, hasPaymentChannels, SerialQueue, type Ledger, type PaymentChannel, type PaymentChannelCapability } from '@stack/ledger-core'
import { generateClaimKeyPair, signClaim, verifyClaim } from '@stack/ledger-sqlite'
import { decodeClaimProof, encodeClaimProof } from './claim-proof.js'
import type { ClaimStore, IncomingClaim, OutgoingState } from './claim-store.js'
import {
  ChannelShutDownError,
  ClaimChannelClosedError,
  ClaimExceedsDepositError,
  ClaimNotIncreasingError,
  ClaimSignatureError,
  ClaimWrongChannelError,
  DepositExhaustedError,
  InvalidChannelOptionError,
  NoOutgoingChannelError,
  NoValueHandlerError
} from './errors.js'

/** How the payer opens and tops up its channel on demand. */
export interface ChannelFunding {
  /** The deposit of a channel opened on demand (more if the first payment needs more). */
  readonly deposit: bigint
  /** Top up when the deposit left after a payment would fall below this. Default 0n: only when a payment needs it. */
  readonly topUpBelow?: bigint
  /** What one top-up adds (more if the payment needs more). Default `deposit`. */
  readonly topUpAmount?: bigint
  /** The settle delay of channels we open: the peer's time to redeem after we ask to close. */
  readonly settleDelayMs: number
}

export interface ChannelWatch {
  /** How often the watcher looks at the ledger. Keep it well below the peer's settle delay. */
  readonly intervalMs: number
  /** Redeem a claim that has waited this long without a newer one (the peer went quiet). Default: never for that reason. */
  readonly idleRedeemMs?: number
}

export interface ChannelLogger {
  warn(message: string, details?: unknown): void
}

export interface SqliteChannelOptions {
  /** The shared ledger both peers' accounts live on (one per asset). */
  readonly ledger: Ledger & PaymentChannelCapability
  /** Our account on it: pays from here, receives here. */
  readonly account: string
  /** The peer's account on it. */
  readonly peerAccount: string
  /** Carries claims to the peer and brings the peer's (the BTP link's value side). */
  readonly carrier: ClaimCarrier
  /** Where the claim key, the cumulative amount sent and the best claims received are kept. */
  readonly store: ClaimStore
  /** Open a channel on the first payment and top it up. Absent: pay only over a channel opened with `openChannel`. */
  readonly funding?: ChannelFunding
  /** Redeem on the ledger once the unredeemed part of the best claim reaches this. Absent: only on close, when idle, or in a dispute. */
  readonly redeemThreshold?: bigint
  /** Starts the dispute watcher (see `tick`). Absent: call `tick` yourself. */
  readonly watch?: ChannelWatch
  /** The clock (ms since the epoch). Default `Date.now`. Use the ledger's clock. */
  readonly now?: () => number
  readonly logger?: ChannelLogger
}

/** What this endpoint knows of its channels, as plain data. */
export interface ChannelSummary {
  readonly outgoing: { readonly channelId: string; readonly sent: bigint } | undefined
  /** Value the peer holds beyond what our payments acknowledged (lost acceptances): later payments use it up. */
  readonly carry: bigint
  readonly incoming: readonly { readonly channelId: string; readonly best: bigint; readonly receivedAt: number }[]
}

const silent: ChannelLogger = { warn() {} }

/**
 * A channel-core `Channel` over ledger-sqlite's payment channels, both ways with one peer.
 *
 * Paying: `sendValue(amount)` signs the next cumulative claim on our channel to the peer
 * (opening or topping it up first when `funding` says so) and hands it to the carrier as the
 * proof. Only when the peer accepts is the new cumulative amount recorded: a refused or lost
 * claim is signed over by the next one, and the peer credits only a claim's growth over the
 * best it holds, so both sides converge on the same total.
 *
 * Receiving: a claim is checked against the ledger (our channel from this peer, its key, above
 * the best claim, within the deposit, not closed), stored, and only then its growth is passed
 * to the value handler; if the handler refuses, the stored claim is put back. The best claim is
 * redeemed at `redeemThreshold`, on `close`, after `idleRedeemMs`, and — the dispute case —
 * as soon as the watcher sees the peer asked to close, before the settle delay runs out.
 *
 * Totals (`totals()`): each accepted payment and each credited claim adds to the store's total
 * sent or received in the same write as the claim, so the books (which follow the totals) can
 * never be paid twice or miss a credit because a crash came between the two files' writes.
 */
export class SqliteChannel implements Channel {
  readonly #ledger: Ledger & PaymentChannelCapability
  readonly #account: string
  readonly #peer: string
  readonly #carrier: ClaimCarrier
  readonly #store: ClaimStore
  readonly #funding: ChannelFunding | undefined
  readonly #redeemThreshold: bigint | undefined
  readonly #idleRedeemMs: number | undefined
  readonly #now: () => number
  readonly #logger: ChannelLogger
  readonly #outgoing = new SerialQueue()
  readonly #incoming = new SerialQueue()
  readonly #timer: NodeJS.Timeout | undefined
  #handler: ValueHandler | undefined
  #ticking = false
  #closed = false

  constructor(options: SqliteChannelOptions) {
    if (!hasPaymentChannels(options.ledger)) throw new InvalidChannelOptionError('ledger', options.ledger, 'must have the payment-channels capability')
    if (options.account === options.peerAccount) throw new InvalidChannelOptionError('peerAccount', options.peerAccount, 'must differ from account')
    checkPositive('funding.deposit', options.funding?.deposit)
    checkPositive('funding.topUpAmount', options.funding?.topUpAmount)
    checkPositive('redeemThreshold', options.redeemThreshold)
    if (options.watch !== undefined && !(Number.isSafeInteger(options.watch.intervalMs) && options.watch.intervalMs > 0)) {
      throw new InvalidChannelOptionError('watch.intervalMs', options.watch.intervalMs, 'must be a positive integer')
    }
    this.#ledger = options.ledger
    this.#account = options.account
    this.#peer = options.peerAccount
    this.#carrier = options.carrier
    this.#store = options.store
    this.#funding = options.funding
    this.#redeemThreshold = options.redeemThreshold
    this.#idleRedeemMs = options.watch?.idleRedeemMs
    this.#now = options.now ?? Date.now
    this.#logger = options.logger ?? silent
    this.#carrier.setValueHandler((value) => this.#receive(value))
    if (options.watch !== undefined) {
      this.#timer = setInterval(() => void this.tick(), options.watch.intervalMs)
      this.#timer.unref()
    }
  }

  // ---- paying -----------------------------------------------------------------------------

  /** Pays `amount` with the next cumulative claim. Rejects with what the ledger or the peer refused. */
  async sendValue(amount: bigint, options: RequestOptions = {}): Promise<void> {
    if (typeof amount !== 'bigint' || amount < 0n || amount > MAX_UINT64) throw new InvalidAmountError('amount', amount)
    if (this.#closed) throw new ChannelShutDownError()
    if (amount === 0n) return
    await this.#outgoing.run(async () => {
      let state = await this.#retireChannels(this.#outgoingState())
      // What the peer got already beyond our books (a lost acknowledgement on a channel since
      // replaced) pays for this much of the amount: it is credited, so it is not signed again.
      const fromCarry = min(state.carry, amount)
      const rest = amount - fromCarry
      if (rest === 0n) {
        this.#store.putOutgoing({ ...state, carry: state.carry - fromCarry }, this.totals().sent + amount)
        return
      }
      state = await this.#prepareOutgoing(state, rest)
      const channelId = state.channelId as string
      const cumulative = state.sent + rest
      const signature = signClaim(state.keys.privateKey, channelId, cumulative)
      await this.#carrier.sendValue(amount, { ...options, proof: encodeClaimProof({ channelId, amount: cumulative, signature }) })
      this.#store.putOutgoing({ ...state, sent: cumulative, carry: state.carry - fromCarry }, this.totals().sent + amount)
    })
  }

  /** What the peer accepted from us and we from it, in all, from the claim store (channel-core `ChannelTotals`). */
  totals(): ChannelTotals {
    return this.#store.getTotals(this.#account, this.#peer)
  }

  /** Opens our channel to the peer with `deposit` now (instead of on the first payment). */
  openChannel(deposit: bigint, settleDelayMs = this.#funding?.settleDelayMs): Promise<PaymentChannel> {
    checkPositive('deposit', deposit)
    if (settleDelayMs === undefined) return Promise.reject(new InvalidChannelOptionError('settleDelayMs', settleDelayMs, 'is needed without funding'))
    return this.#outgoing.run(() => this.#open(this.#outgoingState(), deposit, settleDelayMs).then(({ channel }) => channel))
  }

  /** Asks the ledger to close our channel to the peer: its settle delay starts, the watcher closes it after. */
  requestClose(): Promise<PaymentChannel | undefined> {
    return this.#outgoing.run(async () => {
      const channelId = this.#store.getOutgoing(this.#account, this.#peer)?.channelId
      if (channelId === undefined) return undefined
      const channel = await this.#ledger.getChannel(channelId)
      if (channel.status !== 'open') return channel
      return this.#ledger.requestChannelClose({ channelId, by: 'sender' })
    })
  }

  // ---- receiving --------------------------------------------------------------------------

  setValueHandler(handler: ValueHandler | undefined): void {
    this.#handler = handler
  }

  /** Redeems every unredeemed best claim now. Resolves with what the ledger paid us. */
  redeem(): Promise<bigint> {
    return this.#incoming.run(async () => {
      let paid = 0n
      for (const claim of this.#store.listIncoming(this.#account, this.#peer)) {
        paid += await this.#settleIncoming(claim, { redeem: true })
      }
      return paid
    })
  }

  /**
   * One pass of the watcher: redeem-and-close each incoming channel whose sender asked to close
   * (before its settle delay ends), redeem claims idle for `idleRedeemMs`, forget closed
   * channels, and close our own channel once its settle delay is over (the remainder comes back).
   */
  async tick(): Promise<void> {
    if (this.#ticking) return
    this.#ticking = true
    try {
      await this.#incoming.run(async () => {
        for (const claim of this.#store.listIncoming(this.#account, this.#peer)) {
          const idle = this.#idleRedeemMs !== undefined && this.#now() - claim.receivedAt >= this.#idleRedeemMs
          await this.#settleIncoming(claim, { redeem: idle })
        }
      })
      await this.#outgoing.run(async () => {
        const channelId = this.#store.getOutgoing(this.#account, this.#peer)?.channelId
        if (channelId === undefined) return
        try {
          const channel = await this.#ledger.getChannel(channelId)
          if (channel.status === 'closing' && channel.closesAt !== undefined && this.#now() >= channel.closesAt) {
            await this.#ledger.closeChannel(channelId)
          }
        } catch (error) {
          this.#logger.warn(`closing our channel ${channelId} failed`, error)
        }
      })
    } finally {
      this.#ticking = false
    }
  }

  /** What this endpoint holds: our channel and the cumulative amount sent, the best claims received. */
  summary(): ChannelSummary {
    const outgoing = this.#store.getOutgoing(this.#account, this.#peer)
    return {
      outgoing: outgoing?.channelId === undefined ? undefined : { channelId: outgoing.channelId, sent: outgoing.sent },
      carry: outgoing?.carry ?? 0n,
      incoming: this.#store.listIncoming(this.#account, this.#peer).map((claim) => ({ channelId: claim.channelId, best: claim.amount, receivedAt: claim.receivedAt }))
    }
  }

  /** Stops the watcher, stops taking value, and redeems every unredeemed claim. The store stays open (it is the caller's). */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#carrier.setValueHandler(undefined)
    await this.#outgoing.run(async () => {})
    await this.redeem()
  }

  // ---- internals --------------------------------------------------------------------------

  #outgoingState(): OutgoingState {
    return (
      this.#store.getOutgoing(this.#account, this.#peer) ?? {
        sender: this.#account,
        receiver: this.#peer,
        channelId: undefined,
        keys: generateClaimKeyPair(),
        sent: 0n,
        carry: 0n,
        retiring: []
      }
    )
  }

  /** Our state with an open channel that holds `amount` more: opened or topped up as `funding` says. */
  async #prepareOutgoing(state: OutgoingState, amount: bigint): Promise<OutgoingState> {
    let channel = state.channelId === undefined ? undefined : await this.#ledger.getChannel(state.channelId)
    // Not max(sent, claimed): what the peer redeemed beyond our acknowledged amount came from a
    // claim whose acknowledgement we lost; our next claim re-covers it, the peer credits only its growth.
    const sent = channel === undefined ? 0n : state.sent
    const funding = this.#funding
    if (channel === undefined || sent + amount > MAX_UINT64) {
      if (funding === undefined) throw new NoOutgoingChannelError(this.#account, this.#peer)
      return (await this.#open(state, max(funding.deposit, amount), funding.settleDelayMs)).state
    }
    const needed = sent + amount
    if (funding !== undefined && channel.deposit - needed < (funding.topUpBelow ?? 0n)) {
      let topUp = max(funding.topUpAmount ?? funding.deposit, needed - channel.deposit)
      if (topUp > MAX_UINT64) topUp = MAX_UINT64
      channel = await this.#ledger.fundChannel({ idempotencyKey: randomUUID(), channelId: channel.id, amount: topUp })
    }
    if (needed > channel.deposit) throw new DepositExhaustedError(channel.id, needed, channel.deposit)
    return state
  }

  /**
   * Lets go of our channel once it is no longer open (closing or closed), and settles the books
   * of a replaced one once it is closed: whatever the peer redeemed from it beyond the amount it
   * acknowledged (a lost acceptance) becomes `carry`, value it has and must not be paid again.
   */
  async #retireChannels(state: OutgoingState): Promise<OutgoingState> {
    let carry = state.carry
    const retiring: { channelId: string; sent: bigint }[] = []
    for (const old of state.retiring) {
      const channel = await this.#findChannel(old.channelId)
      if (channel === undefined || channel.status === 'closed') carry += max((channel?.claimed ?? 0n) - old.sent, 0n)
      else retiring.push(old)
    }
    let { channelId, sent } = state
    if (channelId !== undefined) {
      const current = await this.#findChannel(channelId)
      if (current === undefined || current.status !== 'open') {
        if (current?.status === 'closing') retiring.push({ channelId, sent })
        else carry += max((current?.claimed ?? 0n) - sent, 0n)
        channelId = undefined
        sent = 0n
      }
    }
    if (carry === state.carry && retiring.length === state.retiring.length && channelId === state.channelId) return state
    const next: OutgoingState = { ...state, channelId, sent, carry, retiring }
    this.#store.putOutgoing(next)
    return next
  }

  async #open(state: OutgoingState, deposit: bigint, settleDelayMs: number): Promise<{ state: OutgoingState; channel: PaymentChannel }> {
    const channel = await this.#ledger.createChannel({
      idempotencyKey: randomUUID(),
      sender: this.#account,
      receiver: this.#peer,
      amount: deposit,
      publicKey: state.keys.publicKey,
      settleDelayMs
    })
    const next: OutgoingState = { ...state, channelId: channel.id, sent: 0n }
    this.#store.putOutgoing(next)
    return { state: next, channel }
  }

  async #findChannel(channelId: string): Promise<PaymentChannel | undefined> {
    try {
      return await this.#ledger.getChannel(channelId)
    } catch (error) {
      if (error instanceof ChannelNotFoundError) return undefined
      throw error
    }
  }

  #receive(value: IncomingValue): Promise<void> {
    return this.#incoming.run(async () => {
      if (this.#closed) throw new ChannelShutDownError()
      const claim = decodeClaimProof(value.proof)
      const channel = await this.#findChannel(claim.channelId)
      if (channel === undefined) throw new ClaimWrongChannelError(claim.channelId, 'channelId', 'a channel on the ledger', undefined)
      if (channel.receiver !== this.#account) throw new ClaimWrongChannelError(channel.id, 'receiver', this.#account, channel.receiver)
      if (channel.sender !== this.#peer) throw new ClaimWrongChannelError(channel.id, 'sender', this.#peer, channel.sender)
      const now = this.#now()
      if (isPastRedemption(channel, now)) throw new ClaimChannelClosedError(channel.id)
      if (!verifyClaim(channel.publicKey, channel.id, claim.amount, claim.signature)) throw new ClaimSignatureError(channel.id, claim.amount)
      const previous = this.#store.getIncoming(channel.id)
      const best = max(previous?.amount ?? 0n, channel.claimed)
      if (claim.amount <= best) throw new ClaimNotIncreasingError(channel.id, claim.amount, best)
      if (claim.amount > channel.deposit) throw new ClaimExceedsDepositError(channel.id, claim.amount, channel.deposit)
      const handler = this.#handler
      if (handler === undefined) throw new NoValueHandlerError()
      const next: IncomingClaim = { channelId: channel.id, sender: channel.sender, receiver: channel.receiver, amount: claim.amount, signature: claim.signature, receivedAt: now }
      // Credit the growth over the best claim, not the carrier's amount: after a lost
      // acknowledgement the payer's next claim covers what we hold already.
      const growth = claim.amount - best
      // Stored, with the total received, before it is credited: after a crash in between, the
      // books find the total ahead of them and credit the difference.
      const { received } = this.totals()
      this.#store.putIncoming(next, received + growth)
      try {
        await handler({ amount: growth, proof: value.proof })
      } catch (error) {
        if (previous === undefined) this.#store.deleteIncoming(channel.id, received)
        else this.#store.putIncoming(previous, received)
        throw error
      }
      const unredeemed = claim.amount - channel.claimed
      if (channel.status === 'closing' || (this.#redeemThreshold !== undefined && unredeemed >= this.#redeemThreshold)) {
        await this.#settleIncoming(next, { redeem: true })
      }
    })
  }

  /**
   * Acts on one incoming claim by the channel's state: closed → forget it; the sender asked to
   * close → redeem and close now, before the settle delay ends; open → redeem if asked to.
   * Failures are logged, not thrown: the watcher tries again on its next pass. Returns what was paid.
   */
  async #settleIncoming(claim: IncomingClaim, { redeem }: { redeem: boolean }): Promise<bigint> {
    try {
      const channel = await this.#findChannel(claim.channelId)
      if (channel === undefined) {
        this.#logger.warn(`channel ${claim.channelId} is gone from the ledger; dropping its claim of ${claim.amount}`)
        this.#store.deleteIncoming(claim.channelId)
        return 0n
      }
      const unredeemed = claim.amount - channel.claimed
      const now = this.#now()
      if (isPastRedemption(channel, now)) {
        if (unredeemed > 0n) this.#logger.warn(`channel ${channel.id} closed with ${unredeemed} unredeemed`)
        this.#store.deleteIncoming(claim.channelId)
        return 0n
      }
      if (channel.status === 'closing') {
        // RFC 0032: settlement makes the credit final; the settle delay is our window to redeem.
        const best = unredeemed > 0n ? { amount: claim.amount, signature: claim.signature } : undefined
        await this.#ledger.requestChannelClose({ channelId: channel.id, by: 'receiver', ...(best === undefined ? {} : { claim: best }) })
        this.#store.deleteIncoming(claim.channelId)
        return max(unredeemed, 0n)
      }
      if (!redeem || unredeemed <= 0n) return 0n
      const { paid } = await this.#ledger.claimChannel({ channelId: channel.id, amount: claim.amount, signature: claim.signature })
      return paid
    } catch (error) {
      this.#logger.warn(`redeeming the claim of ${claim.amount} on channel ${claim.channelId} failed`, error)
      return 0n
    }
  }
}

/** Closed, or closing with its settle delay over: the ledger takes no more claims. */
function isPastRedemption(channel: PaymentChannel, now: number): boolean {
  return channel.status === 'closed' || (channel.status === 'closing' && channel.closesAt !== undefined && now >= channel.closesAt)
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b
}

function checkPositive(field: string, value: bigint | undefined): void {
  if (value === undefined) return
  if (typeof value !== 'bigint' || value < 1n || value > MAX_UINT64) throw new InvalidChannelOptionError(field, value, 'must be a UInt64 of at least 1')
}
