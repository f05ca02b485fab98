import { accountsAuthenticator, BtpClient, type BtpAuthenticator, type BtpLogger, type BtpServer } from '@stack/channel-btp'
import type { Channel, Link } from '@stack/channel-core'
import { HttpLink, tokenAuthenticator, type HttpAuthenticator, type IlpHttpServer } from '@stack/channel-http'
import type { NodePeer } from '@stack/ilp-connector'
import type { PeerEntry } from '../config.js'
import type { SettlementChannels } from '../settlement-channels.js'

/**
 * Each peer's link and payment channel, made from its configuration entry — at start and when
 * the admin API adds, changes or removes a peer. The listeners' accounts (who may dial in, with
 * which token) are read from here at each authentication, so a change applies to the next login.
 */
export class PeerLinks {
  readonly #open = new Map<string, { entry: PeerEntry; link: Link; channel: Channel | undefined }>()
  #btpAuth: BtpAuthenticator = accountsAuthenticator({})
  #httpAuth: HttpAuthenticator = tokenAuthenticator({})
  #servers: { btp?: BtpServer | undefined; http?: IlpHttpServer | undefined } = {}

  constructor(private readonly options: { settlements: SettlementChannels; btpLogger: BtpLogger }) {}

  /** For BtpServer `accounts`. */
  readonly btpAccounts: BtpAuthenticator = (username, token) => this.#btpAuth(username, token)
  /** For IlpHttpServer `accounts`. */
  readonly httpAccounts: HttpAuthenticator = (token) => this.#httpAuth(token)

  /** The listeners, once listening (a btp-server or http peer needs its one; config checks that). */
  useServers(servers: { btp?: BtpServer | undefined; http?: IlpHttpServer | undefined }): void {
    this.#servers = servers
  }

  entry(id: string): PeerEntry | undefined {
    return this.#open.get(id)?.entry
  }

  entries(): PeerEntry[] {
    return [...this.#open.values()].map((open) => open.entry)
  }

  /**
   * The peer's link (dialed by the node, or dialing in) and channel, as a NodePeer. A peer open
   * already keeps its link and channel when its transport and settlement are the same, else
   * they are closed and new ones made.
   */
  async open(entry: PeerEntry): Promise<NodePeer> {
    const previous = this.#open.get(entry.id)
    const same = previous !== undefined && sameJson(previous.entry.transport, entry.transport) && sameJson(previous.entry.settlement, entry.settlement)
    let link: Link
    let channel: Channel | undefined
    if (same) {
      ;({ link, channel } = previous)
    } else {
      if (previous !== undefined) await this.close(entry.id)
      link = this.#link(entry)
      channel = await this.#channel(entry, link)
    }
    this.#open.set(entry.id, { entry, link, channel })
    this.#rebuildAccounts()
    return nodePeer(entry, link, channel)
  }

  /** Closes the peer's link (a client dialing in is refused from now on) and channel. */
  async close(id: string): Promise<void> {
    const open = this.#open.get(id)
    if (open === undefined) return
    this.#open.delete(id)
    this.#rebuildAccounts()
    await open.link.close()
    await this.options.settlements.closePeer(id)
  }

  /** Every link (at stop; the settlements close on their own). */
  async closeAll(): Promise<void> {
    for (const { entry, link } of [...this.#open.values()].reverse()) if (entry.transport.kind !== 'btp-server') await link.close()
  }

  #link(entry: PeerEntry): Link {
    const t = entry.transport
    if (t.kind === 'btp-server') return (this.#servers.btp as BtpServer).link(entry.id)
    if (t.kind === 'btp-client') return new BtpClient({ url: t.url, logger: this.options.btpLogger, reconnect: { initialDelayMs: 100, maxDelayMs: 5_000 } })
    const http = new HttpLink({ url: t.url, token: t.token })
    ;(this.#servers.http as IlpHttpServer).attach(entry.id, http)
    return http
  }

  // A BTP link carries value as TRANSFER; without `settlement` none is accepted (no proof).
  async #channel(entry: PeerEntry, link: Link): Promise<Channel | undefined> {
    if (!isChannel(link)) return undefined
    if (entry.settlement === undefined) {
      this.options.settlements.refuseTransfers(entry.id, link)
      return undefined
    }
    return this.options.settlements.open(entry.id, entry.settlement, link)
  }

  #rebuildAccounts(): void {
    const btp: Record<string, string> = {}
    const http: Record<string, string> = {}
    for (const { entry } of this.#open.values()) {
      if (entry.transport.kind === 'btp-server') btp[entry.id] = entry.transport.token
      if (entry.transport.kind === 'http') http[entry.id] = entry.transport.incomingToken
    }
    this.#btpAuth = accountsAuthenticator(btp)
    this.#httpAuth = tokenAuthenticator(http)
  }
}

function nodePeer(entry: PeerEntry, link: Link, channel: Channel | undefined): NodePeer {
  return {
    id: entry.id,
    relation: entry.relation,
    asset: entry.asset,
    link,
    dial: entry.transport.kind !== 'btp-server',
    ...(channel === undefined ? {} : { channel }),
    ...(entry.maxPacketAmount === undefined ? {} : { maxPacketAmount: entry.maxPacketAmount }),
    ...(entry.rateLimit === undefined ? {} : { rateLimit: entry.rateLimit }),
    ...(entry.minBalance === undefined ? {} : { minBalance: entry.minBalance }),
    ...(entry.settleThreshold === undefined ? {} : { settleThreshold: entry.settleThreshold }),
    ...(entry.settleTo === undefined ? {} : { settleTo: entry.settleTo }),
    ...(entry.sendRoutes === undefined ? {} : { sendRoutes: entry.sendRoutes }),
    ...(entry.receiveRoutes === undefined ? {} : { receiveRoutes: entry.receiveRoutes }),
  }
}

function isChannel(link: Link): link is Link & Channel {
  return typeof (link as Partial<Channel>).sendValue === 'function' && typeof (link as Partial<Channel>).setValueHandler === 'function'
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) === JSON.stringify(b, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))
}
