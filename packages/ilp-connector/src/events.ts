import { IlpPacketType, type IlpReply } from '@stack/ilp-core'
import type { Handler, IncomingContext, Rule } from './pipeline.js'

/**
 * What a node tells its watchers as it happens (an admin API's event stream, a dashboard):
 * plain data, amounts as bigints in the peer's units. One listener's throw is logged by nobody
 * and stops nothing: `NodeEvents.emit` swallows it, since a watcher must not break a payment.
 */
export type NodeEvent =
  | PacketEvent
  | BalanceEvent
  | SettlementEvent
  | { readonly type: 'peer'; readonly action: 'added' | 'updated' | 'removed'; readonly peer: string }
  | { readonly type: 'peer'; readonly action: 'state'; readonly peer: string; readonly state: string }
  | { readonly type: 'route'; readonly action: 'set' | 'removed'; readonly prefix: string; readonly peer?: string }

/** One Prepare from a peer, answered. */
export interface PacketEvent {
  readonly type: 'packet'
  readonly from: string
  /** The next hop the routing table gave (undefined: none, the Reject was F02, or it was for us). */
  readonly to: string | undefined
  /** The route prefix that matched the destination ('' for a default route; undefined: none). */
  readonly prefix: string | undefined
  /** In the source's units. */
  readonly amount: bigint
  /** Zero-amount traffic (STREAM's probes and closes) that moves no value. */
  readonly probe: boolean
  readonly outcome: 'fulfilled' | 'rejected'
  /** The Reject's code (undefined for a Fulfill). */
  readonly code: string | undefined
}

/** A committed change of a peer's balance (what we owe it, ilp-core's balance-store.ts). */
export interface BalanceEvent {
  readonly type: 'balance'
  readonly peer: string
  readonly delta: bigint
  readonly balance: bigint
  /** A packet's hold, a settlement or incoming value, or an operator's adjustment. */
  readonly cause: 'packet' | 'settlement' | 'adjustment'
  /** The operator's reason, for an adjustment. */
  readonly reason?: string
}

/** A settlement over a peer's channel that is over: we paid (`sent`), or the peer paid us (`received`). */
export interface SettlementEvent {
  readonly type: 'settlement'
  readonly peer: string
  readonly direction: 'sent' | 'received'
  readonly amount: bigint
  readonly outcome: 'ok' | 'failed'
}

export type NodeEventListener = (event: NodeEvent) => void

/** The node's listeners: synchronous fan-out in the order they subscribed. */
export class NodeEvents {
  readonly #listeners = new Set<NodeEventListener>()

  /** Returns the function that unsubscribes. */
  subscribe(listener: NodeEventListener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  emit(event: NodeEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event)
      } catch {
        // A watcher's failure is its own (see NodeEvent).
      }
    }
  }

  get listening(): boolean {
    return this.#listeners.size > 0
  }
}

/** Emits a PacketEvent for every Prepare it passes, once answered; `route` is the routing table's lookup. */
export function packetEventsRule(events: NodeEvents, route: (destination: string) => { prefix: string; nextHop: string } | undefined): Rule<IncomingContext> {
  // Not async itself: with nobody listening a packet passes with no extra promise or lookup.
  const observed = async (ctx: IncomingContext, next: Handler<IncomingContext>): Promise<IlpReply> => {
    const { prepare, source } = ctx
    const found = route(prepare.destination)
    const base = { type: 'packet', from: source.id, to: found?.nextHop || undefined, prefix: found?.prefix, amount: prepare.amount, probe: prepare.amount === 0n } as const
    try {
      const reply = await next(ctx)
      events.emit({ ...base, outcome: reply.type === IlpPacketType.Fulfill ? 'fulfilled' : 'rejected', code: reply.type === IlpPacketType.Reject ? reply.code : undefined })
      return reply
    } catch (error) {
      // The connector turns a throw into a Reject; its code is the IlpError's, else T00.
      events.emit({ ...base, outcome: 'rejected', code: (error as { code?: unknown }).code === undefined ? 'T00' : String((error as { code: unknown }).code) })
      throw error
    }
  }
  return (ctx, next) => (events.listening ? observed(ctx, next) : next(ctx))
}
