import { createHash, randomBytes } from 'node:crypto'
import { InvalidAmountError, MAX_UINT64, MalformedClaimError, NoValueHandlerError } from '@stack/channel-core'
import type { Channel, ChannelTotals, ClaimCarrier, IncomingValue, ValueHandler } from '@stack/channel-core'
import type { LightningNode } from './lightning-node.js'
import { ForgedPaymentError, ReplayedPaymentError, UnexpectedInvoiceError } from './settlement-errors.js'
import { decodeSettlementMessage, encodeSettlementMessage } from './settlement-message.js'
import { SettlementStore } from './settlement-store.js'
import { StateDir } from './state-dir.js'

export interface LightningChannelOptions {
  readonly node: LightningNode
  /** The peer's Lightning node id: its invoices must name it as payee. */
  readonly peerNodeId: string
  readonly carrier: ClaimCarrier
  /** Millisatoshis per unit of the channel's amounts: 1000 for satoshis (asset scale 8), 1 for msat (scale 11). */
  readonly msatPerUnit: bigint
  /** How long the payer waits for the payee's invoice, and the payee for its node to claim the payment. */
  readonly timeoutMs?: number
}

/**
 * ILP settlement over Lightning (the model of ilp-plugin-lightning): to send value the payer asks
 * the payee over the link for a BOLT11 invoice of exactly that amount, pays it through its
 * Lightning node, and sends the amount with the preimage; the payee credits it once per payment
 * hash, after its own node claimed that payment. Books persisted in the node's state directory.
 */
export class LightningChannel implements Channel {
  readonly #store: SettlementStore
  readonly #waiting = new Map<string, (invoice: string) => void>()
  #handler: ValueHandler | undefined

  constructor(readonly options: LightningChannelOptions) {
    this.#store = new SettlementStore(new StateDir(options.node.options.dataDir), `settlement-${options.peerNodeId}.json`)
    // Only this peer's invoices: the node may serve several peers.
    options.node.on('paymentClaimed', ({ paymentHash, amountMsat }) => {
      if (this.#store.issued(paymentHash) !== undefined) this.#store.claim(paymentHash, amountMsat)
    })
    options.carrier.setValueHandler((value) => this.#receive(value))
  }

  setValueHandler(handler: ValueHandler | undefined): void {
    this.#handler = handler
  }

  totals(): ChannelTotals {
    return { sent: this.#store.sent, received: this.#store.received }
  }

  async sendValue(amount: bigint): Promise<void> {
    if (typeof amount !== 'bigint' || amount < 1n || amount > MAX_UINT64) throw new InvalidAmountError('amount', amount)
    const { carrier, node, msatPerUnit } = this.options
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
    await carrier.sendValue(0n, { proof: encodeSettlementMessage({ type: 'invoice-request', id, amount }) })
    const invoice = await answered
    const asked = node.decodeInvoice(invoice)
    if (asked.amountMsat !== amount * msatPerUnit) throw new UnexpectedInvoiceError(`asks ${asked.amountMsat ?? 'any'} msat, not ${amount * msatPerUnit}`)
    if (asked.payee !== this.options.peerNodeId) throw new UnexpectedInvoiceError(`pays ${asked.payee}, not the peer's node`)
    const payment = await node.pay(invoice)
    await carrier.sendValue(amount, { proof: encodeSettlementMessage({ type: 'paid', paymentHash: payment.paymentHash, preimage: payment.preimage }) })
    this.#store.addSent(amount)
  }

  get #timeoutMs(): number {
    return this.options.timeoutMs ?? 30_000
  }

  async #receive(value: IncomingValue): Promise<void> {
    const message = decodeSettlementMessage(value.proof)
    if (message.type !== 'paid' && value.amount !== 0n) throw new MalformedClaimError('amount', `is ${value.amount}, 0 expected with ${message.type}`)
    if (message.type === 'invoice-request') {
      const { invoice, paymentHash } = this.options.node.createInvoice(message.amount * this.options.msatPerUnit, `ILP settlement ${message.id}`)
      this.#store.issue(paymentHash, message.amount)
      // The answer goes back as a transfer of its own: the request is accepted without waiting for it.
      void this.options.carrier.sendValue(0n, { proof: encodeSettlementMessage({ type: 'invoice', id: message.id, invoice }) }).catch(() => undefined)
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
    if (issued === undefined) throw new ForgedPaymentError(paymentHash, 'no invoice of ours has it')
    if (issued !== value.amount) throw new ForgedPaymentError(paymentHash, `its invoice was for ${issued}, not ${value.amount}`)
    if (this.#store.isCredited(paymentHash)) throw new ReplayedPaymentError(paymentHash)
    await this.#claimed(paymentHash, issued * this.options.msatPerUnit)
    if (this.#store.isCredited(paymentHash)) throw new ReplayedPaymentError(paymentHash)
    const handler = this.#handler
    if (handler === undefined) throw new NoValueHandlerError()
    this.#store.credit(paymentHash, issued)
    try {
      await handler({ amount: issued, proof: value.proof })
    } catch (error) {
      this.#store.uncredit(paymentHash, issued)
      throw error
    }
  }

  /** Waits for our node to have claimed at least `msat` for the hash (the payer learns the preimage a moment before). */
  async #claimed(paymentHash: string, msat: bigint): Promise<void> {
    const deadline = Date.now() + this.#timeoutMs
    for (;;) {
      const claimed = this.#store.claimedMsat(paymentHash)
      if (claimed !== undefined && claimed >= msat) return
      if (Date.now() > deadline) throw new ForgedPaymentError(paymentHash, 'our node was not paid for it')
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }

  summary(): object {
    return { node: this.options.node.nodeId, peer: this.options.peerNodeId, channels: this.options.node.channels(), ...this.totals() }
  }
}
