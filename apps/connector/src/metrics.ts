import type { ConnectorCountersSnapshot, PacketCounters } from '@stack/ilp-connector'
import type { RouteRefusal } from '@stack/ilp-core'
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { UnprovenTransfers } from './settlement-channels.js'

/**
 * Prometheus metrics (prom-client) on a registry of our own. Packet and amount counters are
 * read from the connector's counters when scraped, so the packet path pays nothing for them;
 * only the latency histogram is fed per packet (by the node's onPacket hook, node.ts).
 */

export interface MetricsSource {
  counters(): ConnectorCountersSnapshot
  /** What we owe each peer (negative: it owes us), in its units. */
  balances(): Iterable<[string, bigint]>
  peerStates(): Iterable<[string, boolean]>
  /** Each peer's asset: the unit of its amounts. */
  assets(): ReadonlyMap<string, { code: string; scale: number }>
  routeCount(): number
  unprovenTransfers(): Iterable<[string, Readonly<UnprovenTransfers>]>
}

export interface NodeMetrics {
  readonly registry: Registry
  /** One Prepare from a peer answered after `seconds`; `fulfilled` false for a Reject. */
  observePacket(seconds: number, fulfilled: boolean): void
  /** A route the peer advertised was not taken (ccp/route-filter.ts in ilp-core). */
  routeRefused(peer: string, reason: RouteRefusal): void
}

const LATENCY_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

export function createMetrics(source: MetricsSource, options: { defaultMetrics?: boolean } = {}): NodeMetrics {
  const registry = new Registry()
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry })

  const byDirection = (fill: (direction: 'incoming' | 'outgoing', peer: string, counters: PacketCounters) => void): void => {
    const snapshot = source.counters()
    for (const direction of ['incoming', 'outgoing'] as const) {
      for (const [peer, counters] of Object.entries(snapshot[direction])) fill(direction, peer, counters)
    }
  }

  new Counter({
    name: 'ilp_connector_packets_total',
    help: 'ILP Prepares by direction (incoming: by source peer, outgoing: by next hop), result and reject code',
    labelNames: ['direction', 'peer', 'result', 'code'],
    registers: [registry],
    collect() {
      this.reset()
      byDirection((direction, peer, c) => {
        // `code` only where there is one: an empty label is a series nobody can select on.
        this.inc({ direction, peer, result: 'prepared' }, c.prepared)
        this.inc({ direction, peer, result: 'fulfilled' }, c.fulfilled)
        for (const [code, n] of Object.entries(c.rejectedByCode)) this.inc({ direction, peer, result: 'rejected', code }, n)
      })
    },
  })

  // Value is what was fulfilled. What was refused is counted apart: STREAM probes the path with
  // amounts it expects refused (u64 max for F08, rates with T04/F99), so summed with value
  // it would dwarf it.
  const amounts = (name: string, help: string, value: (c: PacketCounters) => bigint): void => {
    new Counter({
      name,
      help,
      labelNames: ['direction', 'peer'],
      registers: [registry],
      collect() {
        this.reset()
        byDirection((direction, peer, c) => this.inc({ direction, peer }, Number(value(c))))
      },
    })
  }
  amounts('ilp_connector_amount_total', 'Value moved: amounts of fulfilled Prepares in the peer\'s base units, by direction (a float: may lose precision past 2^53)', (c) => c.fulfilledAmount)
  amounts('ilp_connector_rejected_amount_total', 'Amounts of rejected Prepares in the peer\'s base units (STREAM\'s probes land here): offered, not moved', (c) => c.rejectedAmount)

  new Counter({
    name: 'ilp_connector_zero_amount_packets_total',
    help: 'Prepares of amount 0 (STREAM data, close and probe packets), by direction and peer; also in ilp_connector_packets_total',
    labelNames: ['direction', 'peer'],
    registers: [registry],
    collect() {
      this.reset()
      byDirection((direction, peer, c) => this.inc({ direction, peer }, c.zeroAmount))
    },
  })

  new Counter({
    name: 'ilp_connector_settlements_total',
    help: 'Settlements by result (sent, failed, received)',
    labelNames: ['result'],
    registers: [registry],
    collect() {
      this.reset()
      for (const [result, n] of Object.entries(source.counters().settlement)) {
        if (typeof n === 'number') this.inc({ result }, n)
      }
    },
  })

  // Prepares not yet answered: each one counted as prepared ends as fulfilled or rejected.
  new Gauge({
    name: 'ilp_connector_in_flight_packets',
    help: 'Prepares not yet answered, by direction and peer (outgoing: forwarded to that next hop)',
    labelNames: ['direction', 'peer'],
    registers: [registry],
    collect() {
      this.reset()
      byDirection((direction, peer, c) => this.set({ direction, peer }, c.prepared - c.fulfilled - c.rejected))
    },
  })

  new Gauge({
    name: 'ilp_connector_in_flight_amount',
    help: 'Their amounts in the peer\'s base units; outgoing is the most a crash or stall of this node can cost it (README: What a crash or a stall can cost)',
    labelNames: ['direction', 'peer', 'asset', 'scale'],
    registers: [registry],
    collect() {
      this.reset()
      const assets = source.assets()
      byDirection((direction, peer, c) => {
        const asset = assets.get(peer)
        const labels = { direction, peer, asset: asset?.code ?? '', scale: asset === undefined ? '' : String(asset.scale) }
        this.set(labels, Number(c.preparedAmount - c.fulfilledAmount - c.rejectedAmount))
      })
    },
  })

  const unproven = (name: string, help: string, value: (u: Readonly<UnprovenTransfers>, result: 'refused' | 'credited') => number): void => {
    new Counter({
      name,
      help,
      labelNames: ['peer', 'result'],
      registers: [registry],
      collect() {
        this.reset()
        for (const [peer, u] of source.unprovenTransfers()) {
          for (const result of ['refused', 'credited'] as const) this.inc({ peer, result }, value(u, result))
        }
      },
    })
  }
  unproven('ilp_connector_unproven_transfers_total', 'BTP TRANSFERs and peer.settle messages with no proof we check: refused (the peer has no settlement kind) or credited (trusted-transfer)', (u, result) => u[result])
  unproven('ilp_connector_unproven_transfer_amount_total', 'Their amounts in the peer\'s base units (a float: may lose precision past 2^53)', (u, result) => Number(result === 'refused' ? u.refusedAmount : u.creditedAmount))

  new Gauge({
    name: 'ilp_connector_balance',
    help: 'What the connector owes each peer (negative: the peer owes it), in the peer\'s base units',
    labelNames: ['peer'],
    registers: [registry],
    collect() {
      this.reset()
      for (const [peer, balance] of source.balances()) this.set({ peer }, Number(balance))
    },
  })

  new Gauge({
    name: 'ilp_connector_peer_connected',
    help: '1 while the link to the peer is connected',
    labelNames: ['peer'],
    registers: [registry],
    collect() {
      this.reset()
      for (const [peer, connected] of source.peerStates()) this.set({ peer }, connected ? 1 : 0)
    },
  })

  new Gauge({
    name: 'ilp_connector_routes',
    help: 'Routes in force in the routing table',
    registers: [registry],
    collect() {
      this.set(source.routeCount())
    },
  })

  const refused = new Counter({
    name: 'ilp_connector_routes_refused_total',
    help: 'Routes peers advertised that were not taken, by peer and reason (own-address, child, global-prefix, outside-global-prefix, invalid, loop)',
    labelNames: ['peer', 'reason'],
    registers: [registry],
  })

  const latency = new Histogram({
    name: 'ilp_connector_packet_duration_seconds',
    help: 'Time from a Prepare arriving on a link to its reply leaving, by result',
    labelNames: ['result'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  })
  // Children resolved once: no label hashing per packet.
  const fulfilled = latency.labels({ result: 'fulfilled' })
  const rejected = latency.labels({ result: 'rejected' })

  return {
    registry,
    observePacket(seconds, ok) {
      ;(ok ? fulfilled : rejected).observe(seconds)
    },
    routeRefused(peer, reason) {
      refused.inc({ peer, reason })
    },
  }
}
