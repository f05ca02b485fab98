import type { Channel, IncomingValue, Link, ValueHandler } from '@stack/channel-core'
import { EthereumChannel, SqliteClaimStore as EthereumClaimStore } from '@stack/channel-ethereum'
import { SqliteChannel, SqliteClaimStore } from '@stack/channel-sqlite'
import { claimKeyPairFromSeed, MemoryChannelDirectory, SqliteClaimStore as XrpClaimStore, XrpClaimChannel, type Redemption, type RedemptionFields, type XrpOutgoingChannel } from '@stack/channel-xrp'
import { EthereumLedger } from '@stack/ledger-ethereum'
import { SqliteLedger } from '@stack/ledger-sqlite'
import { walletFromSeed } from '@stack/ledger-xrp'
import type { Logger } from 'pino'
import { privateKeyToAddress } from 'viem/accounts'
import type { EthereumSettlementConfig, SettlementConfig, SqliteSettlementConfig, XrpSettlementConfig } from './settlement-config.js'

/** TRANSFERs of one peer that carried no proof we check: refused (no settlement kind) or credited (trusted-transfer). */
export interface UnprovenTransfers {
  refused: number
  refusedAmount: bigint
  credited: number
  creditedAmount: bigint
}

/** A peer's channel as the admin API shows it (`GET /settlement`). */
export type SettlementSummary =
  | ({ kind: 'sqlite' } & ReturnType<SqliteChannel['summary']>)
  | ({ kind: 'ethereum'; address: string; contract: string } & ReturnType<EthereumChannel['summary']>)
  | ({ kind: 'xrp' } & ReturnType<XrpClaimChannel['summary']>)
  | { kind: 'trusted-transfer'; credited: bigint }

/** A TRANSFER from a peer without a settlement kind: answered with a BTP Error, nothing credited. */
export class UnprovenTransferError extends Error {
  override readonly name = 'UnprovenTransferError'
  constructor(readonly peerId: string, readonly amount: bigint) {
    super(`TRANSFER of ${amount} refused: peer ${peerId} has no settlement configured, so nothing proves the payment`)
  }
}

/** No XRP channel with that peer, or the request cannot be signed. */
export class RedemptionRequestError extends Error {
  override readonly name = 'RedemptionRequestError'
}

interface Opened {
  summary(): SettlementSummary
  close(): Promise<void>
}

/**
 * The payment channels of a node's peers (config `peers[].settlement`), each carried by the
 * peer's BTP link: SQLite-ledger channels (ledger files opened once and shared
 * by the peers that name the same file), Ethereum PaymentChannel channels (one JSON-RPC
 * connection per URL, a watcher per peer), XRP Ledger claims (channels as the config declares
 * them; redemptions signed on request). Claims of the chain-backed kinds are kept in SQLite.
 */
export class SettlementChannels {
  readonly #sqliteLedgers = new Map<string, SqliteLedger>()
  readonly #ethereumLedgers = new Map<string, Promise<EthereumLedger>>()
  readonly #opened = new Map<string, Opened>()
  readonly #xrp = new Map<string, XrpClaimChannel>()
  readonly #unproven = new Map<string, UnprovenTransfers>()

  constructor(private readonly options: { now: () => number; logger: Logger }) {}

  async open(peerId: string, config: SettlementConfig, link: Link & Channel): Promise<Channel> {
    const { channel, opened } =
      config.kind === 'sqlite' ? this.#openSqlite(peerId, config, link)
      : config.kind === 'ethereum' ? await this.#openEthereum(peerId, config, link)
      : config.kind === 'xrp' ? this.#openXrp(peerId, config, link)
      : this.#openTrusted(peerId, link)
    this.#opened.set(peerId, opened)
    return channel
  }

  /**
   * A BTP peer with no settlement kind: its link is no Channel of the connector, and each
   * TRANSFER it sends is answered with an Error (RFC 0023 §Transfer: the balance MUST NOT have
   * changed), logged and counted. The reference ilp-plugin-btp answers one the same way (F00).
   */
  refuseTransfers(peerId: string, link: Link & Channel): void {
    link.setValueHandler(({ amount }) => {
      const counts = this.#unprovenOf(peerId)
      counts.refused++
      counts.refusedAmount += amount
      this.options.logger.warn({ peer: peerId, component: 'settlement', amount: amount.toString() }, 'TRANSFER refused: the peer has no settlement kind; its balance is unchanged')
      throw new UnprovenTransferError(peerId, amount)
    })
  }

  /** Every peer's unproven TRANSFERs so far. */
  unprovenTransfers(): ReadonlyMap<string, Readonly<UnprovenTransfers>> {
    return this.#unproven
  }

  /** Every peer's channel state: what we sent on ours, the best claim we hold on each of theirs. */
  summary(): Record<string, SettlementSummary> {
    return Object.fromEntries([...this.#opened].map(([peerId, opened]) => [peerId, opened.summary()]))
  }

  /**
   * A signed PaymentChannelClaim redeeming the best claim we hold from an XRP peer, for the
   * operator to submit (no XRP Ledger server is contacted here). `channelId` may be left out
   * when we hold claims on one channel only.
   */
  async xrpRedemption(peerId: string, request: RedemptionFields & { channelId?: string }): Promise<Redemption> {
    const channel = this.#xrp.get(peerId)
    if (channel === undefined) throw new RedemptionRequestError(`peer ${peerId} has no xrp settlement`)
    let channelId = request.channelId
    if (channelId === undefined) {
      const held = channel.summary().incoming
      if (held.length !== 1) throw new RedemptionRequestError(`we hold claims on ${held.length} channels of ${peerId}: name the channelId`)
      channelId = held[0]?.channelId as string
    }
    return channel.redemption(channelId, request)
  }

  /**
   * Closes every channel (redeeming what the peers paid us where a ledger is reachable), then the
   * stores and ledgers. One peer's failure (its chain unreachable) is logged and the others still close.
   */
  async close(): Promise<void> {
    for (const [peerId, opened] of [...this.#opened].reverse()) {
      try {
        await opened.close()
      } catch (error) {
        this.#warn(peerId)('could not close the payment channel; its claims stay in the claim store for the next start', error)
      }
    }
    this.#opened.clear()
    this.#xrp.clear()
    for (const ledger of this.#sqliteLedgers.values()) ledger.close()
    this.#sqliteLedgers.clear()
    this.#ethereumLedgers.clear()
  }

  #warn(peerId: string): (message: string, details?: unknown) => void {
    return (message, details) => this.options.logger.warn({ peer: peerId, component: 'settlement', err: errorLine(details) }, message)
  }

  #unprovenOf(peerId: string): UnprovenTransfers {
    let counts = this.#unproven.get(peerId)
    if (counts === undefined) {
      counts = { refused: 0, refusedAmount: 0n, credited: 0, creditedAmount: 0n }
      this.#unproven.set(peerId, counts)
    }
    return counts
  }

  // The BTP link itself, its incoming amounts counted once the connector has credited them.
  #openTrusted(peerId: string, link: Link & Channel): { channel: Channel; opened: Opened } {
    const counts = this.#unprovenOf(peerId)
    const channel: Channel = {
      sendValue: (amount, options) => link.sendValue(amount, options),
      setValueHandler: (handler: ValueHandler | undefined) => {
        link.setValueHandler(handler && (async (value: IncomingValue): Promise<void> => {
          await handler(value)
          counts.credited++
          counts.creditedAmount += value.amount
          this.options.logger.info({ peer: peerId, component: 'settlement', amount: value.amount.toString() }, 'TRANSFER credited without proof (trusted-transfer)')
        }))
      },
    }
    return { channel, opened: { summary: () => ({ kind: 'trusted-transfer', credited: counts.creditedAmount }), close: () => Promise.resolve() } }
  }

  #openSqlite(peerId: string, config: SqliteSettlementConfig, link: Link & Channel): { channel: Channel; opened: Opened } {
    const { now } = this.options
    let ledger = this.#sqliteLedgers.get(config.ledger)
    if (ledger === undefined) {
      ledger = SqliteLedger.open(config.ledger, { now })
      this.#sqliteLedgers.set(config.ledger, ledger)
    }
    const store = SqliteClaimStore.open(config.claims, { account: config.account, peerAccount: config.peerAccount })
    const channel = new SqliteChannel({
      ledger,
      account: config.account,
      peerAccount: config.peerAccount,
      carrier: link,
      store,
      now,
      ...(config.deposit === undefined || config.settleDelayMs === undefined
        ? {}
        : { funding: { deposit: config.deposit, settleDelayMs: config.settleDelayMs, ...(config.topUpBelow === undefined ? {} : { topUpBelow: config.topUpBelow }) } }),
      ...(config.redeemThreshold === undefined ? {} : { redeemThreshold: config.redeemThreshold }),
      watch: { intervalMs: config.watchIntervalMs, ...(config.idleRedeemMs === undefined ? {} : { idleRedeemMs: config.idleRedeemMs }) },
      logger: { warn: this.#warn(peerId) },
    })
    void channel.start() // the watcher
    const close = async (): Promise<void> => {
      try {
        await channel.stop() // redeems what the peer paid us
      } finally {
        store.close()
      }
    }
    return { channel, opened: { summary: () => ({ kind: 'sqlite', ...channel.summary() }), close } }
  }

  async #openEthereum(peerId: string, config: EthereumSettlementConfig, link: Link & Channel): Promise<{ channel: Channel; opened: Opened }> {
    // One connection per endpoint, holding each key once: one nonce sequence per account.
    let connecting = this.#ethereumLedgers.get(config.rpcUrl)
    if (connecting === undefined) {
      connecting = EthereumLedger.connect({ connection: { rpcUrl: config.rpcUrl }, pollingIntervalMs: config.pollingIntervalMs })
      this.#ethereumLedgers.set(config.rpcUrl, connecting)
    }
    const ledger = await connecting
    const address = privateKeyToAddress(config.privateKey)
    const account = address.toLowerCase()
    if (!(await ledger.listAccounts()).some((known) => known.id === account)) await ledger.importAccount(account, { privateKey: config.privateKey })
    const code = await ledger.publicClient.getCode({ address: config.contract })
    if (code === undefined || code === '0x') throw new Error(`peer ${peerId}: no contract at ${config.contract} on chain ${ledger.chainId} (${config.rpcUrl})`)
    const store = EthereumClaimStore.open(config.claims, { chainId: ledger.chainId, contract: config.contract, account: address, peer: config.peerAddress })
    const channel = new EthereumChannel({
      ledger,
      contract: config.contract,
      account,
      peerAddress: config.peerAddress,
      carrier: link,
      store,
      ...(config.funding === undefined ? {} : { funding: config.funding }),
      ...(config.redeemThreshold === undefined ? {} : { redeemThreshold: config.redeemThreshold }),
      // The dispute watcher: a peer that starts a reclaim must find its channel closed with our best claim.
      watch: { intervalMs: config.watchIntervalMs },
      now: this.options.now,
      logger: { warn: this.#warn(peerId) },
    })
    void channel.start()
    const summary = (): SettlementSummary => ({ kind: 'ethereum', address, contract: config.contract, ...channel.summary() })
    const close = async (): Promise<void> => {
      try {
        await channel.stop() // redeems what the peer paid us, on chain
      } finally {
        store.close()
      }
    }
    return { channel, opened: { summary, close } }
  }

  #openXrp(peerId: string, config: XrpSettlementConfig, link: Link & Channel): { channel: Channel; opened: Opened } {
    // The channels as the ledger shows them, from the config: no server is asked (README).
    const directory = new MemoryChannelDirectory()
    let outgoing: XrpOutgoingChannel | undefined
    if (config.outgoing !== undefined) {
      const { channelId, claimSecret, amount } = config.outgoing
      outgoing = { channelId, keys: claimKeyPairFromSeed(claimSecret) }
      directory.set({ channelId, account: config.account, destination: config.peerAccount, publicKey: outgoing.keys.publicKey, amount, balance: 0n })
    }
    for (const incoming of config.incoming) directory.set({ ...incoming, account: config.peerAccount, destination: config.account })
    const store = XrpClaimStore.open(config.claims, { account: config.account, peerAccount: config.peerAccount })
    const channel = new XrpClaimChannel({
      account: config.account,
      peerAccount: config.peerAccount,
      carrier: link,
      store,
      directory,
      now: this.options.now,
      ...(outgoing === undefined ? {} : { outgoing }),
      ...(config.secret === undefined ? {} : { wallet: walletFromSeed(config.secret) }),
    })
    this.#xrp.set(peerId, channel)
    const close = async (): Promise<void> => {
      try {
        await channel.stop() // the claims stay in the store, for a redemption after a restart
      } finally {
        store.close()
      }
    }
    return { channel, opened: { summary: () => ({ kind: 'xrp', ...channel.summary() }), close } }
  }
}

/** An error as one short line: viem's errors carry the ABI and request in their message. */
function errorLine(error: unknown): unknown {
  if (!(error instanceof Error)) return error
  const short = (error as { shortMessage?: unknown }).shortMessage
  return `${error.name}: ${typeof short === 'string' ? short : error.message.split('\n', 1)[0]}`
}
