import type { Channel, Link } from '@stack/channel-core'
import { SqliteChannel, SqliteClaimStore } from '@stack/channel-sqlite'
import { SqliteLedger } from '@stack/ledger-sqlite'
import type { Logger } from 'pino'
import type { SettlementConfig } from './config.js'

/**
 * The payment channels of a node's peers (config `peers[].settlement`): one SqliteChannel per
 * peer, carried by the peer's BTP link, with ledger files and claim stores opened once each
 * and shared by the peers that name the same file.
 */
export class SettlementChannels {
  readonly #ledgers = new Map<string, SqliteLedger>()
  readonly #stores = new Map<string, SqliteClaimStore>()
  readonly #channels: SqliteChannel[] = []

  constructor(private readonly options: { now: () => number; logger: Logger }) {}

  open(peerId: string, config: SettlementConfig, link: Link & Channel): SqliteChannel {
    const { now, logger } = this.options
    let ledger = this.#ledgers.get(config.ledger)
    if (ledger === undefined) {
      ledger = SqliteLedger.open(config.ledger, { now })
      this.#ledgers.set(config.ledger, ledger)
    }
    let store = this.#stores.get(config.claims)
    if (store === undefined) {
      store = SqliteClaimStore.open(config.claims)
      this.#stores.set(config.claims, store)
    }
    const channel = new SqliteChannel({
      ledger,
      account: config.account,
      peerAccount: config.peerAccount,
      carrier: link,
      store,
      now,
      funding: { deposit: config.deposit, settleDelayMs: config.settleDelayMs, ...(config.topUpBelow === undefined ? {} : { topUpBelow: config.topUpBelow }) },
      ...(config.redeemThreshold === undefined ? {} : { redeemThreshold: config.redeemThreshold }),
      watch: { intervalMs: config.watchIntervalMs, ...(config.idleRedeemMs === undefined ? {} : { idleRedeemMs: config.idleRedeemMs }) },
      logger: { warn: (message, details) => logger.warn({ peer: peerId, component: 'settlement', err: details instanceof Error ? `${details.name}: ${details.message}` : details }, message) },
    })
    this.#channels.push(channel)
    return channel
  }

  /** Closes every channel (redeeming what the peers paid us), then the stores and ledgers. */
  async close(): Promise<void> {
    for (const channel of this.#channels.splice(0)) await channel.close()
    for (const store of this.#stores.values()) store.close()
    for (const ledger of this.#ledgers.values()) ledger.close()
    this.#stores.clear()
    this.#ledgers.clear()
  }
}
