import type { StateDir } from './state-dir.js'

interface Stored {
  /** payment hash → amount (channel units) of each invoice we issued. */
  issued: Record<string, string>
  /** payment hash → msat our node claimed (LDK's PaymentClaimed, at least once). */
  claimed: Record<string, string>
  /** payment hashes we credited to the peer: never twice. */
  credited: string[]
  sent: string
  received: string
}

/** The settlement's books, in the node's state directory (one file, written whole then renamed). */
export class SettlementStore {
  readonly #issued = new Map<string, bigint>()
  readonly #claimed = new Map<string, bigint>()
  readonly #credited = new Set<string>()
  sent = 0n
  received = 0n

  constructor(readonly dir: StateDir, readonly file = 'settlement.json') {
    const bytes = dir.read(file)
    if (bytes === undefined) return
    const stored = JSON.parse(new TextDecoder().decode(bytes)) as Stored
    for (const [hash, amount] of Object.entries(stored.issued)) this.#issued.set(hash, BigInt(amount))
    for (const [hash, msat] of Object.entries(stored.claimed)) this.#claimed.set(hash, BigInt(msat))
    for (const hash of stored.credited) this.#credited.add(hash)
    this.sent = BigInt(stored.sent)
    this.received = BigInt(stored.received)
  }

  issued(hash: string): bigint | undefined {
    return this.#issued.get(hash)
  }

  claimedMsat(hash: string): bigint | undefined {
    return this.#claimed.get(hash)
  }

  claim(hash: string, msat: bigint): void {
    if (this.#claimed.get(hash) === msat) return
    this.#claimed.set(hash, msat)
    this.#save()
  }

  isCredited(hash: string): boolean {
    return this.#credited.has(hash)
  }

  issue(hash: string, amount: bigint): void {
    this.#issued.set(hash, amount)
    this.#save()
  }

  credit(hash: string, amount: bigint): void {
    this.#credited.add(hash)
    this.received += amount
    this.#save()
  }

  /** Takes back a credit the value handler refused. */
  uncredit(hash: string, amount: bigint): void {
    this.#credited.delete(hash)
    this.received -= amount
    this.#save()
  }

  addSent(amount: bigint): void {
    this.sent += amount
    this.#save()
  }

  #save(): void {
    const stored: Stored = {
      issued: Object.fromEntries([...this.#issued].map(([hash, amount]) => [hash, amount.toString()])),
      claimed: Object.fromEntries([...this.#claimed].map(([hash, msat]) => [hash, msat.toString()])),
      credited: [...this.#credited],
      sent: this.sent.toString(),
      received: this.received.toString()
    }
    this.dir.write(this.file, new TextEncoder().encode(JSON.stringify(stored)))
  }
}
