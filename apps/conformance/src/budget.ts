import { BudgetExceededError } from './check.js'

/**
 * The caps that make the suite safe against a node one does not own: packets sent (every ILP
 * packet and raw BTP frame) and value that could move (amounts of Prepares someone can fulfill;
 * those with a random condition can never be fulfilled, so they put nothing at risk).
 */
export class Budget {
  #packets = 0
  #value = 0n
  constructor(
    readonly maxPackets: number,
    readonly maxValue: bigint,
  ) {}

  get packets(): number {
    return this.#packets
  }

  get value(): bigint {
    return this.#value
  }

  /** Takes one packet from the cap, or throws BudgetExceededError without sending. */
  packet(): void {
    if (this.#packets >= this.maxPackets) throw new BudgetExceededError(`packet cap reached (--max-packets ${this.maxPackets})`)
    this.#packets++
  }

  /** Reserves `amount` of fulfillable value, or throws BudgetExceededError. */
  spend(amount: bigint): void {
    if (this.#value + amount > this.maxValue) throw new BudgetExceededError(`value cap reached (--max-value ${this.maxValue})`)
    this.#value += amount
  }
}
