import { IlpError, IlpErrorCode, IlpPacketType } from '@stack/ilp-core'
import type { IncomingContext, OutgoingContext, Rule } from './pipeline.js'

/** Packets through one peer, one direction, as plain data (the app exports it to Prometheus). */
export interface PacketCounters {
  prepared: number
  preparedAmount: bigint
  fulfilled: number
  fulfilledAmount: bigint
  rejected: number
  rejectedAmount: bigint
  /** Prepares of amount 0 (STREAM's data, close and probe packets), also counted in `prepared`: traffic, not value. */
  zeroAmount: number
  /** Rejects (received or created) by code. */
  rejectedByCode: Record<string, number>
}

function emptyCounters(): PacketCounters {
  return { prepared: 0, preparedAmount: 0n, fulfilled: 0, fulfilledAmount: 0n, rejected: 0, rejectedAmount: 0n, zeroAmount: 0, rejectedByCode: {} }
}

/** Counts by peer: `incoming` by source peer (its units), `outgoing` by next hop (its units). */
export class ConnectorCounters {
  readonly incoming = new Map<string, PacketCounters>()
  readonly outgoing = new Map<string, PacketCounters>()

  /** Counts a Prepare that never reached the pipeline (it did not decode). */
  invalidPacket(peerId: string): void {
    const counters = this.#counters(this.incoming, peerId)
    counters.prepared++
    this.#reject(counters, 0n, IlpErrorCode.F01_INVALID_PACKET)
  }

  /** Outermost incoming rule: counts the Prepare and how it ended. */
  incomingRule(): Rule<IncomingContext> {
    return (ctx, next) => this.#count(this.#counters(this.incoming, ctx.source.id), ctx.prepare.amount, () => next(ctx))
  }

  /** Outermost outgoing rule. */
  outgoingRule(): Rule<OutgoingContext> {
    return (ctx, next) => this.#count(this.#counters(this.outgoing, ctx.destination.id), ctx.prepare.amount, () => next(ctx))
  }

  async #count(counters: PacketCounters, amount: bigint, forward: () => ReturnType<Rule<unknown>>): ReturnType<Rule<unknown>> {
    counters.prepared++
    counters.preparedAmount += amount
    if (amount === 0n) counters.zeroAmount++
    try {
      const reply = await forward()
      if (reply.type === IlpPacketType.Fulfill) {
        counters.fulfilled++
        counters.fulfilledAmount += amount
      } else {
        this.#reject(counters, amount, reply.code)
      }
      return reply
    } catch (error) {
      this.#reject(counters, amount, error instanceof IlpError ? error.code : IlpErrorCode.T00_INTERNAL_ERROR)
      throw error
    }
  }

  #reject(counters: PacketCounters, amount: bigint, code: string): void {
    counters.rejected++
    counters.rejectedAmount += amount
    counters.rejectedByCode[code] = (counters.rejectedByCode[code] ?? 0) + 1
  }

  #counters(map: Map<string, PacketCounters>, peerId: string): PacketCounters {
    let counters = map.get(peerId)
    if (counters === undefined) {
      counters = emptyCounters()
      map.set(peerId, counters)
    }
    return counters
  }
}

/** A deep copy: the caller may keep or change it. */
export function copyCounters(map: ReadonlyMap<string, PacketCounters>): Record<string, PacketCounters> {
  const copy: Record<string, PacketCounters> = {}
  for (const [id, counters] of map) copy[id] = { ...counters, rejectedByCode: { ...counters.rejectedByCode } }
  return copy
}
