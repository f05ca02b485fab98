import { createHash, randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { ChannelShutDownError, InvalidAmountError, InvalidChannelOptionError, MAX_UINT64, MalformedClaimError, NoValueHandlerError } from '@stack/channel-core'
import type { Channel, ChannelTotals, ClaimCarrier, IncomingValue, ValueHandler } from '@stack/channel-core'
import { PaymentFailedError } from './errors.js'
import type { LightningNode } from './lightning-node.js'
import { ForgedPaymentError, PaymentPendingError, PeerNodeMismatchError, RecoveredPaymentError, UnexpectedInvoiceError, UnknownPeerNodeError } from './settlement-errors.js'
import { NODE_ID, decodeSettlementMessage, encodeSettlementMessage } from './settlement-message.js'
import { SettlementStore } from './settlement-store.js'

export interface LightningChannelOptions {
  readonly node: LightningNode
  /**
   * The peer's Lightning node id: its invoices must name it as payee, and its hello must announce
   * it. Absent: learned from the peer's first hello over the link, and pinned in the books.
   */
  readonly peerNodeId?: string
  /** The books' file in the node's directory: `settlement-<books>.jsonl`; by default the peer's node id (then required). */
  readonly books?: string
  readonly carrier: ClaimCarrier
  /** Millisatoshis per unit of the channel's amounts: 1000 for satoshis (asset scale 8), 1 for msat (scale 11). */
  readonly msatPerUnit: bigint
  /** How long the payer waits for the payee's invoice and for its payment, and the payee for its node's claim. */
  readonly timeoutMs?: number
  /** How often `paid` notices the peer has not answered are sent again, and credits a handler refused are offered again. */
  readonly retryIntervalMs?: number
}

/**
 * ILP settlement over Lightning (the model of ilp-plugin-lightning). To send value the payer asks
 * the payee over the link for a BOLT11 invoice of exactly that amount, journals it, and pays it
 * (the payment id is its hash: paid once, whatever restarts). The payee credits an invoice it
 * issued to this peer once its own node claimed the payment, once per payment hash: no message of
 * the payer's is needed. The payer's `paid` notice (the preimage) is checked and answered once the
 * credit is done, and sent again until it is. `totals()`: sent counts the payments the node
 * reports sent, received the credits; both journaled, so a crash at any instant loses or doubles none.
 */
export class LightningChannel implements Channel {
  readonly #store: SettlementStore
  readonly #waiting = new Map<string, (invoice: string) => void>()
  /** Our payments' states: a pending one is settled by the node's event, or found when polled. */
  readonly #outgoing = new Map<string, 'pending' | 'sent' | 'failed'>()
  readonly #crediting = new Map<string, Promise<void>>()
  readonly #listeners: [string, (event: { paymentHash: string }) => void][]
  readonly #timer: NodeJS.Timeout
  #handler: ValueHandler | undefined
  #sent = 0n
  /** Sent by payments no sendValue resolved for (they ended after it): the next sendValue reports them. */
  #unreported = 0n
  /** The payment the running sendValue waits for. */
  #current: string | undefined
  #queue: Promise<unknown> = Promise.resolve()
  #retrying = false
  #stopped = false
  /** The peer answered our hello (sent again after each restart: it costs nothing). */
  #greeted = false

  constructor(readonly options: LightningChannelOptions) {
    const { node } = options
    const books = options.books ?? options.peerNodeId
    if (books === undefined || !/^[A-Za-z0-9._-]{1,100}$/.test(books)) throw new InvalidChannelOptionError('books', books, 'names no file: give books or peerNodeId')
    if (options.peerNodeId !== undefined && !NODE_ID.test(options.peerNodeId)) throw new InvalidChannelOptionError('peerNodeId', options.peerNodeId, 'is not a compressed public key in hex')
    this.#store = new SettlementStore(join(node.options.dataDir, `settlement-${books}.jsonl`))
    const pinned = this.#store.peerNodeId
    if (options.peerNodeId !== undefined && pinned !== undefined && pinned !== options.peerNodeId) {
      throw new InvalidChannelOptionError('peerNodeId', options.peerNodeId, `is not the node these books settled with (${pinned})`)
    }
    // Outcomes known now count as reported: the caller's books read the totals after this.
    for (const hash of this.#store.paying().keys()) this.#settle(hash, false)
    this.#listeners = [
      ['paymentSent', ({ paymentHash }) => this.#settle(paymentHash, true)],
      ['paymentFailed', ({ paymentHash }) => this.#settle(paymentHash, true)],
      // After the event's round (the node journaled the claim; the manager is written): the handler never runs inside LDK's callback.
      ['paymentClaimed', ({ paymentHash }) => queueMicrotask(() => void this.#credit(paymentHash).catch(() => undefined))]
    ]
    for (const [name, listener] of this.#listeners) node.on(name as 'paymentSent', listener)
    options.carrier.setValueHandler((value) => this.#receive(value))
    this.#timer = setInterval(() => void this.#retry(), options.retryIntervalMs ?? 5_000)
    this.#timer.unref()
    // The hello, and what a restart left to send again, go out at once.
    setImmediate(() => void this.#retry())
  }

  /** The peer's Lightning node id: configured, or learned from its hello; undefined until then. */
  get peerNodeId(): string | undefined {
    return this.options.peerNodeId ?? this.#store.peerNodeId
  }

  setValueHandler(handler: ValueHandler | undefined): void {
    this.#handler = handler
    if (handler !== undefined) void this.#retry()
  }

  totals(): ChannelTotals {
    return { sent: this.#sent, received: this.#store.received }
  }

  /** Pays `amount` to the peer's node; one at a time. Resolves once the node reports it sent (and the peer answered the notice, if it could). */
  sendValue(amount: bigint): Promise<void> {
    if (typeof amount !== 'bigint' || amount < 1n || amount > MAX_UINT64) return Promise.reject(new InvalidAmountError('amount', amount))
    const run = this.#queue.then(() => this.#send(amount))
    this.#queue = run.catch(() => undefined)
    return run
  }

  /** Stops the retries and leaves the node's events and the carrier; the books stay in the state directory. */
  stop(): Promise<void> {
    if (this.#stopped) return Promise.resolve()
    this.#stopped = true
    clearInterval(this.#timer)
    for (const [name, listener] of this.#listeners) this.options.node.off(name as 'paymentSent', listener)
    this.options.carrier.setValueHandler(undefined)
    // What runs still may journal: the file closes once the queue and the credits are over.
    return Promise.allSettled([this.#queue, ...this.#crediting.values()]).then(() => this.#store.close())
  }

  async #send(amount: bigint): Promise<void> {
    const { node, msatPerUnit } = this.options
    if (this.#stopped) throw new ChannelShutDownError()
    await this.#settled()
    if (this.peerNodeId === undefined) throw new UnknownPeerNodeError()
    if (this.#unreported > 0n) {
      const recovered = this.#unreported
      this.#unreported = 0n
      throw new RecoveredPaymentError(recovered)
    }
    const invoice = await this.#invoice(amount)
    const asked = node.decodeInvoice(invoice)
    if (asked.amountMsat !== amount * msatPerUnit) throw new UnexpectedInvoiceError(`asks ${asked.amountMsat ?? 'any'} msat, not ${amount * msatPerUnit}`)
    if (asked.payee !== this.peerNodeId) throw new UnexpectedInvoiceError(`pays ${asked.payee}, not the peer's node`)
    const hash = asked.paymentHash
    if (this.#store.paying().has(hash)) throw new UnexpectedInvoiceError('its payment hash was paid before')
    // Write-ahead: a crash from here on finds the payment in the journal and asks the node what became of it.
    this.#store.pay(hash, amount)
    this.#outgoing.set(hash, 'pending')
    this.#current = hash
    let timer: NodeJS.Timeout | undefined
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new PaymentPendingError([hash])), this.#timeoutMs)
      })
      await Promise.race([node.pay(invoice), timeout])
    } catch (error) {
      if (error instanceof PaymentFailedError) this.#settle(hash, true)
      throw error
    } finally {
      clearTimeout(timer)
      this.#current = undefined
    }
    this.#settle(hash, false)
    // The value moved: a notice the peer misses now is sent again later.
    await this.#notify(hash).catch(() => undefined)
  }

  get #timeoutMs(): number {
    return this.options.timeoutMs ?? 30_000
  }

  /** Records the node's outcome of our payment `hash`; `late`: a sendValue is not waiting for it (unless it is the current one). */
  #settle(hash: string, late: boolean): void {
    const amount = this.#store.paying().get(hash)
    if (amount === undefined || (this.#outgoing.get(hash) ?? 'pending') !== 'pending') return
    const outcome = this.options.node.payment(hash)
    if (outcome?.status === 'pending') {
      this.#outgoing.set(hash, 'pending')
      return
    }
    // Unknown to LDK: it never took the payment (a crash before send_payment), nothing was paid.
    this.#outgoing.set(hash, outcome?.status ?? 'failed')
    if (outcome?.status !== 'sent') return
    this.#sent += amount
    if (late && hash !== this.#current) this.#unreported += amount
  }

  /** Waits until no earlier payment is pending (PaymentPendingError after the timeout). */
  async #settled(): Promise<void> {
    const deadline = Date.now() + this.#timeoutMs
    for (;;) {
      const pending = [...this.#outgoing].filter(([, state]) => state === 'pending').map(([hash]) => hash)
      for (const hash of pending) this.#settle(hash, true)
      const still = pending.filter((hash) => this.#outgoing.get(hash) === 'pending')
      if (still.length === 0) return
      if (Date.now() > deadline) throw new PaymentPendingError(still)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  async #invoice(amount: bigint): Promise<string> {
    const id = randomBytes(16).toString('hex')
    const answered = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id)
        reject(new UnexpectedInvoiceError('none came in time'))
      }, this.#timeoutMs)
      this.#waiting.set(id, (invoice) => {
        clearTimeout(timer)
        resolve(invoice)
      })
    })
    try {
      await this.options.carrier.sendValue(0n, { proof: encodeSettlementMessage({ type: 'invoice-request', id, amount }) })
    } catch (error) {
      this.#waiting.delete(id)
      throw error
    }
    return answered
  }

  /** Tells the peer we paid `hash` (the preimage); it answers once it credited the payment. */
  async #notify(hash: string): Promise<void> {
    const outcome = this.options.node.payment(hash)
    if (outcome?.status !== 'sent') return
    await this.options.carrier.sendValue(0n, { proof: encodeSettlementMessage({ type: 'paid', paymentHash: hash, preimage: outcome.preimage }) })
    this.#store.ack(hash)
  }

  /** Sends again the notices the peer did not answer (it was away, we restarted), offers again the credits not done. */
  async #retry(): Promise<void> {
    if (this.#retrying || this.#stopped) return
    this.#retrying = true
    try {
      if (!this.#greeted) {
        await this.options.carrier.sendValue(0n, { proof: encodeSettlementMessage({ type: 'hello', nodeId: this.options.node.nodeId }) }).then(() => (this.#greeted = true), () => undefined)
      }
      for (const hash of this.#store.uncredited()) await this.#credit(hash).catch(() => undefined)
      for (const [hash, state] of this.#outgoing) {
        if (state !== 'sent' || this.#store.isAcked(hash)) continue
        // The link is down or the peer refused: the next round tries again.
        if (!(await this.#notify(hash).then(() => true, () => false))) break
      }
    } finally {
      this.#retrying = false
    }
  }

  async #receive(value: IncomingValue): Promise<void> {
    const message = decodeSettlementMessage(value.proof)
    // Value moves over Lightning: the link's transfers carry only the messages.
    if (value.amount !== 0n) throw new MalformedClaimError('amount', `is ${value.amount}, 0 expected with ${message.type}`)
    if (message.type === 'invoice-request') {
      const { invoice, paymentHash } = this.options.node.createInvoice(message.amount * this.options.msatPerUnit, `ILP settlement ${message.id}`)
      this.#store.issue(paymentHash, message.amount)
      // The answer goes back as a transfer of its own: the request is accepted without waiting for it.
      void this.options.carrier.sendValue(0n, { proof: encodeSettlementMessage({ type: 'invoice', id: message.id, invoice }) }).catch(() => undefined)
      return
    }
    if (message.type === 'hello') {
      const known = this.peerNodeId
      if (known !== undefined && known !== message.nodeId) throw new PeerNodeMismatchError(known, message.nodeId)
      this.#store.pin(message.nodeId)
      return
    }
    if (message.type === 'invoice') {
      const waiting = this.#waiting.get(message.id)
      if (waiting === undefined) throw new MalformedClaimError('id', 'answers no invoice request of ours')
      this.#waiting.delete(message.id)
      waiting(message.invoice)
      return
    }
    const { paymentHash, preimage } = message
    if (createHash('sha256').update(Buffer.from(preimage, 'hex')).digest('hex') !== paymentHash) {
      throw new ForgedPaymentError(paymentHash, 'the preimage does not hash to it')
    }
    const issued = this.#store.issued(paymentHash)
    if (issued === undefined) throw new ForgedPaymentError(paymentHash, 'no invoice of ours to this peer has it')
    await this.#claimed(paymentHash, issued * this.options.msatPerUnit)
    if (this.#handler === undefined && !this.#store.isCredited(paymentHash)) throw new NoValueHandlerError()
    // Answered once credited (now or before: a notice sent again credits nothing).
    await this.#credit(paymentHash)
  }

  /**
   * Credits the invoice `hash` if our node claimed at least its amount and it is not credited:
   * journaled first, then offered to the value handler (taken back if it refuses, offered again later).
   */
  #credit(hash: string): Promise<void> {
    const running = this.#crediting.get(hash)
    if (running !== undefined) return running
    const amount = this.#store.issued(hash)
    const handler = this.#handler
    const claimed = this.options.node.claimedMsat(hash)
    if (amount === undefined || handler === undefined || this.#stopped || this.#store.isCredited(hash)) return Promise.resolve()
    if (claimed === undefined || claimed < amount * this.options.msatPerUnit) return Promise.resolve()
    this.#store.credit(hash)
    const work = Promise.resolve()
      .then(() => handler({ amount, proof: Buffer.from(hash, 'hex') }))
      .catch((error: unknown) => {
        this.#store.uncredit(hash)
        throw error
      })
      .finally(() => this.#crediting.delete(hash))
    this.#crediting.set(hash, work)
    return work
  }

  /** Waits for our node to have claimed at least `msat` for the hash (the payer learns the preimage a moment before). */
  async #claimed(paymentHash: string, msat: bigint): Promise<void> {
    const deadline = Date.now() + this.#timeoutMs
    for (;;) {
      const claimed = this.options.node.claimedMsat(paymentHash)
      if (claimed !== undefined && claimed >= msat) return
      if (Date.now() > deadline) throw new ForgedPaymentError(paymentHash, 'our node was not paid for it')
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }

  /** The node, its channels, what would come back on chain to it if they closed now (claimableSats), and the totals. */
  summary(): object {
    const { node } = this.options
    return { node: node.nodeId, peer: this.peerNodeId ?? null, channels: node.channels(), claimableSats: node.claimableSats(), ...this.totals() }
  }
}
