import { expect } from 'vitest'

/** What the end hosts saw of a stream cut by a SIGKILL. */
export interface SeenAtKill {
  /** Sender: Fulfills received. */
  fulfilled: bigint
  /** Receiver: amounts it fulfilled. */
  delivered: bigint
  /** Sender: packets with no reply at the kill. */
  inFlight: bigint
}

/**
 * The books after a kill, against what the hosts saw. `held`: no Fulfill was in the air at the
 * kill, so the books are exactly the fulfilled packets. `flowing`: a Fulfill in the air may be
 * booked without the sender seeing it, never the other way round, never twice:
 * sender saw ≤ charged to it ≤ owed to the receiver ≤ delivered, within what was in flight.
 */
export function expectBooks(mode: 'held' | 'flowing', seen: SeenAtKill, charged: bigint, owed: bigint): void {
  if (mode === 'held') {
    expect(charged).toBe(seen.fulfilled)
    expect(owed).toBe(seen.fulfilled)
    expect(seen.delivered).toBe(seen.fulfilled)
    return
  }
  expect(charged).toBeGreaterThanOrEqual(seen.fulfilled)
  expect(owed).toBeGreaterThanOrEqual(charged)
  expect(seen.delivered).toBeGreaterThanOrEqual(owed)
  expect(seen.delivered - seen.fulfilled).toBeLessThanOrEqual(seen.inFlight)
}
