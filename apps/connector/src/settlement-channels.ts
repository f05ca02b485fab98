import { ClaimChannel, SharedResourcePool, type Channel, type ClaimChannelState, type Link, type OpenedSettlement, type SettlementLogger, type SettlementRequestResult } from '@stack/channel-core'
import type { Logger } from 'pino'
import type { SettlementConfig } from './settlement-config.js'
import { SETTLEMENT_PLUGINS } from './settlement-plugins.js'

/** TRANSFERs of one peer that carried no proof we check: refused (no settlement kind) or credited (trusted-transfer). */
export interface UnprovenTransfers {
  refused: number
  refusedAmount: bigint
  credited: number
  creditedAmount: bigint
}

/** A peer's settlement as the admin API shows it (`GET /settlement`): its kind and what its plug-in shows. */
export interface SettlementSummary {
  readonly kind: string
  readonly [field: string]: unknown
}

/** A TRANSFER (or `peer.settle`) from a peer without a settlement kind: answered with a BTP Error (a Reject), nothing credited. */
export class UnprovenTransferError extends Error {
  override readonly name = 'UnprovenTransferError'
  constructor(readonly peerId: string, readonly amount: bigint) {
    super(`TRANSFER of ${amount} refused: peer ${peerId} has no settlement configured, so nothing proves the payment`)
  }
}

/** A peer's settlement opened beside its current one (SettlementChannels.prepare). */
export interface PendingSettlement {
  /** What the connector settles over with the peer; undefined when TRANSFERs are refused. */
  readonly channel: Channel | undefined
  use(): Promise<void>
  discard(): Promise<void>
}

/** The admin requests (`POST /settlement/<peer>/<name>`) some settlement kind answers. */
export const SETTLEMENT_REQUESTS: ReadonlySet<string> = new Set(SETTLEMENT_PLUGINS.flatMap((plugin) => plugin.requests ?? []))

/**
 * The settlements of a node's peers (config `peers[].settlement`), each opened by its kind's
 * plug-in (settlement-plugins.ts) over the peer's link (BTP, or HTTP: http-settle.ts); what
 * several peers share (a ledger file, a claim store, a JSON-RPC connection) is made once and
 * closed after all of them.
 */
export class SettlementChannels {
  readonly #opened = new Map<string, { kind: string; settlement: OpenedSettlement }>()
  readonly #shared = new SharedResourcePool()
  readonly #refused = new Map<string, UnprovenTransfers>()

  constructor(private readonly options: { now: () => number; logger: Logger }) {}

  /**
   * Opens the peer's settlement (`undefined`: none, its TRANSFERs refused) beside the one it may
   * have: nothing of the peer's changes until `use`, so a settlement that cannot open (its ledger
   * or chain unreachable) leaves the old one working. `use` makes it the peer's and closes the
   * old one; `discard` closes it instead.
   */
  async prepare(peerId: string, config: SettlementConfig | undefined, link: Link & Channel): Promise<PendingSettlement> {
    if (config === undefined) {
      const counts = this.#refuse(peerId, link)
      return { channel: undefined, use: () => this.#replace(peerId, () => this.#refused.set(peerId, counts)), discard: () => Promise.resolve() }
    }
    const plugin = SETTLEMENT_PLUGINS.find((candidate) => candidate.kind === config.kind)
    if (plugin === undefined) throw new Error(`peer ${peerId}: no settlement plug-in of kind ${config.kind}`)
    const settlement = await plugin.open(config, { peerId, carrier: link, now: this.options.now, logger: this.#logger(peerId), shared: this.#shared.scope(plugin.kind) })
    return {
      channel: settlement.channel,
      use: () => this.#replace(peerId, () => this.#opened.set(peerId, { kind: plugin.kind, settlement })),
      discard: () => settlement.close(),
    }
  }

  /**
   * A BTP peer with no settlement kind: its link is no Channel of the connector, and each
   * TRANSFER it sends is answered with an Error (RFC 0023 §Transfer: the balance MUST NOT have
   * changed), logged and counted. The reference ilp-plugin-btp answers one the same way (F00).
   */
  refuseTransfers(peerId: string, link: Link & Channel): void {
    this.#refused.set(peerId, this.#refuse(peerId, link))
  }

  #refuse(peerId: string, link: Link & Channel): UnprovenTransfers {
    const counts: UnprovenTransfers = { refused: 0, refusedAmount: 0n, credited: 0, creditedAmount: 0n }
    link.setValueHandler(({ amount }) => {
      counts.refused++
      counts.refusedAmount += amount
      this.options.logger.warn({ peer: peerId, component: 'settlement', amount: amount.toString() }, 'TRANSFER refused: the peer has no settlement kind; its balance is unchanged')
      throw new UnprovenTransferError(peerId, amount)
    })
    return counts
  }

  async #replace(peerId: string, install: () => void): Promise<void> {
    const old = this.#opened.get(peerId)
    this.#opened.delete(peerId)
    this.#refused.delete(peerId)
    install()
    try {
      await old?.settlement.close()
    } catch (error) {
      this.#logger(peerId).warn('could not close the replaced payment channel; its claims stay in the claim store for the next start', error)
    }
  }

  /** Every peer's unproven TRANSFERs so far: refused, or credited by a kind that checks no proof. */
  unprovenTransfers(): ReadonlyMap<string, Readonly<UnprovenTransfers>> {
    const all = new Map<string, UnprovenTransfers>(this.#refused)
    for (const [peerId, { settlement }] of this.#opened) {
      const credited = settlement.unproven?.()
      if (credited !== undefined) all.set(peerId, { refused: 0, refusedAmount: 0n, credited: credited.count, creditedAmount: credited.amount })
    }
    return all
  }

  /** Every peer's settlement state: what we sent on our channel, the best claim we hold on each of theirs. */
  summary(): Record<string, SettlementSummary> {
    return Object.fromEntries([...this.#opened].map(([peerId, { kind, settlement }]) => [peerId, { kind, ...settlement.summary() }]))
  }

  /**
   * One peer's channel state (`GET /peers/<id>/channel`): its summary and, for the claim
   * channels (sqlite, ethereum, xrp), each channel as its ledger holds it now (deposit,
   * redeemed, status) beside the latest claim. Undefined when the peer has no settlement.
   */
  async channelState(peerId: string): Promise<(SettlementSummary & { channels?: ClaimChannelState[] }) | undefined> {
    const opened = this.#opened.get(peerId)
    if (opened === undefined) return undefined
    const { kind, settlement } = opened
    const summary = { kind, ...settlement.summary() }
    return settlement.channel instanceof ClaimChannel ? { ...summary, channels: await settlement.channel.channelStates() } : summary
  }

  /** The admin request `name` (one of SETTLEMENT_REQUESTS) of the peer's settlement, with the request's JSON body. */
  request(peerId: string, name: string, body: unknown): Promise<SettlementRequestResult> {
    const handler = this.#opened.get(peerId)?.settlement.requests?.[name]
    if (handler !== undefined) return handler(body)
    const kinds = SETTLEMENT_PLUGINS.filter((plugin) => plugin.requests?.includes(name)).map((plugin) => plugin.kind)
    return Promise.resolve({ status: 'refused', error: `peer ${peerId} has no ${kinds.join(' or ')} settlement` })
  }

  /** Closes one peer's settlement (the peer was removed or its settlement changed). */
  async closePeer(peerId: string): Promise<void> {
    const opened = this.#opened.get(peerId)
    this.#opened.delete(peerId)
    this.#refused.delete(peerId)
    await opened?.settlement.close()
  }

  /**
   * Closes every peer's settlement (redeeming what the peers paid us where a ledger is reachable),
   * then what they share. One peer's failure (its chain unreachable) is logged and the others still close.
   */
  async close(): Promise<void> {
    for (const [peerId, { settlement }] of [...this.#opened].reverse()) {
      try {
        await settlement.close()
      } catch (error) {
        this.#logger(peerId).warn('could not close the payment channel; its claims stay in the claim store for the next start', error)
      }
    }
    this.#opened.clear()
    await this.#shared.close((key, error) => this.options.logger.warn({ component: 'settlement', resource: key, err: errorLine(error) }, 'could not close a shared settlement resource'))
  }

  #logger(peerId: string): SettlementLogger {
    const { logger } = this.options
    return {
      info: (message, fields) => logger.info({ peer: peerId, component: 'settlement', ...fields }, message),
      warn: (message, error) => logger.warn({ peer: peerId, component: 'settlement', err: errorLine(error) }, message),
    }
  }
}

/** An error as one short line: viem's errors carry the ABI and request in their message. */
function errorLine(error: unknown): unknown {
  if (!(error instanceof Error)) return error
  const short = (error as { shortMessage?: unknown }).shortMessage
  return `${error.name}: ${typeof short === 'string' ? short : error.message.split('\n', 1)[0]}`
}
