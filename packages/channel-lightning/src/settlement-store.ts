import type { Journal } from '@stack/ledger-bitcoin'
import { openJournal } from './open-journal.js'

type SettlementRecord =
  /** Payee: an invoice we issued to this peer, for `amount` channel units. */
  | { readonly t: 'issued'; readonly hash: string; readonly amount: string }
  /** Payee: the invoice's payment, claimed by our node, credited to the peer (before the value handler is called). */
  | { readonly t: 'credited'; readonly hash: string }
  /** Payee: the value handler refused it; credited again later. */
  | { readonly t: 'uncredited'; readonly hash: string }
  /** Payer: an invoice of the peer's we are about to pay (written before the payment starts). */
  | { readonly t: 'paying'; readonly hash: string; readonly amount: string }
  /** Payer: the peer answered our `paid` notice of it. */
  | { readonly t: 'acked'; readonly hash: string }
  /** The peer's Lightning node id, learned from its hello: pinned. */
  | { readonly t: 'peer'; readonly nodeId: string }

/**
 * One peer's settlement books in the node's state directory, an append-only journal (ledger-bitcoin's Journal):
 * the invoices issued to the peer and which of them were credited; the invoices of the peer's we
 * paid or started to pay (their outcome is the node's: `LightningNode.payment`), and which the
 * peer acknowledged.
 */
export class SettlementStore {
  readonly #log: Journal<SettlementRecord>
  readonly #issued = new Map<string, bigint>()
  readonly #credited = new Set<string>()
  readonly #paying = new Map<string, bigint>()
  readonly #acked = new Set<string>()
  received = 0n
  peerNodeId: string | undefined

  constructor(path: string) {
    this.#log = openJournal(path)
    for (const record of this.#log.records) this.#apply(record)
  }

  issued(hash: string): bigint | undefined {
    return this.#issued.get(hash)
  }

  /** Issued, not credited: waiting for our node's claim (or for a value handler). */
  uncredited(): string[] {
    return [...this.#issued.keys()].filter((hash) => !this.#credited.has(hash))
  }

  isCredited(hash: string): boolean {
    return this.#credited.has(hash)
  }

  paying(): ReadonlyMap<string, bigint> {
    return this.#paying
  }

  isAcked(hash: string): boolean {
    return this.#acked.has(hash)
  }

  issue(hash: string, amount: bigint): void {
    this.#add({ t: 'issued', hash, amount: amount.toString() })
  }

  credit(hash: string): void {
    if (!this.#credited.has(hash)) this.#add({ t: 'credited', hash })
  }

  uncredit(hash: string): void {
    if (this.#credited.has(hash)) this.#add({ t: 'uncredited', hash })
  }

  pay(hash: string, amount: bigint): void {
    this.#add({ t: 'paying', hash, amount: amount.toString() })
  }

  ack(hash: string): void {
    if (!this.#acked.has(hash)) this.#add({ t: 'acked', hash })
  }

  pin(nodeId: string): void {
    if (this.peerNodeId === undefined) this.#add({ t: 'peer', nodeId })
  }

  close(): void {
    this.#log.close()
  }

  #add(record: SettlementRecord): void {
    this.#log.append(record)
    this.#apply(record)
  }

  #apply(record: SettlementRecord): void {
    switch (record.t) {
      case 'issued':
        this.#issued.set(record.hash, BigInt(record.amount))
        break
      case 'credited':
        this.#credited.add(record.hash)
        this.received += this.#issued.get(record.hash) ?? 0n
        break
      case 'uncredited':
        this.#credited.delete(record.hash)
        this.received -= this.#issued.get(record.hash) ?? 0n
        break
      case 'paying':
        this.#paying.set(record.hash, BigInt(record.amount))
        break
      case 'acked':
        this.#acked.add(record.hash)
        break
      case 'peer':
        this.peerNodeId = record.nodeId
        break
    }
  }
}
