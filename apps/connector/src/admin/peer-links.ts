import { accountsAuthenticator, BtpClient, type BtpAuthenticator, type BtpLogger, type BtpServer } from '@stack/channel-btp'
import type { Channel, Link, ValueHandler } from '@stack/channel-core'
import { HttpLink, tokenAuthenticator, type HttpAuthenticator, type IlpHttpServer } from '@stack/channel-http'
import type { NodePeer } from '@stack/ilp-connector'
import type { PeerEntry } from '../config.js'
import { HttpSettleLink } from '../http-settle.js'
import type { PendingSettlement, SettlementChannels } from '../settlement-channels.js'

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
  readonly #reserved = new Set<string>()

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
   * Whether local mode must not give this name to a client (local-mode.ts): a peer has it, is
   * being opened with it, or had it (a removed peer's balance is not a stranger's).
   */
  reserved(id: string): boolean {
    return this.#reserved.has(id)
  }

  /**
   * Makes the peer's link (dialed by the node, or dialing in) and channel and hands them to
   * `apply` as a NodePeer (the node adds or updates the peer). A peer open already keeps its
   * link and channel where its transport and settlement are the same. The new ones are made
   * and `apply` runs before anything old is closed: if either fails, the peer keeps its old
   * link and channel, working, and the error is thrown.
   */
  async open(entry: PeerEntry, apply: (peer: NodePeer) => void): Promise<void> {
    const previous = this.#open.get(entry.id)
    const fresh = !this.#reserved.has(entry.id)
    this.#reserved.add(entry.id)
    // A BtpServer has one link per account while it is open: a new token only changes who may log in.
    const keepLink = previous !== undefined && (sameJson(previous.entry.transport, entry.transport) || (previous.entry.transport.kind === 'btp-server' && entry.transport.kind === 'btp-server'))
    const keepChannel = keepLink && sameJson(previous.entry.settlement, entry.settlement)
    let link: Link | undefined
    let carrier: CarrierView | undefined
    let pending: PendingSettlement | undefined
    try {
      link = keepLink ? previous.link : this.#link(entry)
      if (keepChannel) {
        apply(nodePeer(entry, link, previous.channel))
        this.#open.set(entry.id, { ...previous, entry })
        this.#rebuildAccounts()
        return
      }
      carrier = isChannel(link) ? carrierView(link) : undefined
      pending = carrier === undefined ? undefined : await this.options.settlements.prepare(entry.id, entry.settlement, carrier.view)
      apply(nodePeer(entry, link, pending?.channel))
    } catch (error) {
      await pending?.discard().catch(() => undefined)
      // (A BtpServer's link closed here refuses the account's logins; opened again, the account gets a new one.)
      if (link !== undefined && !keepLink) await link.close().catch(() => undefined)
      if (fresh) this.#reserved.delete(entry.id)
      throw error
    }
    // The swap: the new link takes the peer's HTTP requests and TRANSFERs, then the old ones close.
    if (link instanceof HttpSettleLink) (this.#servers.http as IlpHttpServer).attach(entry.id, link.http)
    carrier?.activate()
    this.#open.set(entry.id, { entry, link, channel: pending?.channel })
    this.#rebuildAccounts()
    await pending?.use()
    if (previous !== undefined && !keepLink) await previous.link.close()
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

  // Made, not yet in use: an HTTP link is attached to the listener at the swap.
  #link(entry: PeerEntry): Link {
    const t = entry.transport
    if (t.kind === 'btp-server') return (this.#servers.btp as BtpServer).link(entry.id)
    if (t.kind === 'btp-client') return new BtpClient({ url: t.url, logger: this.options.btpLogger, reconnect: { initialDelayMs: 100, maxDelayMs: 5_000 } })
    // Its channel's messages ride its Prepares (http-settle.ts).
    return new HttpSettleLink(new HttpLink({ url: t.url, token: t.token }))
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

/**
 * The link's value side as one settlement sees it. The link has one value handler; during a
 * swap two settlements hold the link, so each sets its handler on its view, and only the
 * active view's reaches the link: the old settlement closing (clearing its handler) leaves
 * the new one's in place.
 */
interface CarrierView {
  readonly view: Link & Channel
  activate(): void
}

const activeViews = new WeakMap<Link & Channel, object>()

function carrierView(link: Link & Channel): CarrierView {
  let handler: ValueHandler | undefined
  const view: Link & Channel = new Proxy(link, {
    get(target, key) {
      if (key === 'setValueHandler') {
        return (next: ValueHandler | undefined) => {
          handler = next
          if (activeViews.get(target) === view) target.setValueHandler(next)
        }
      }
      const value: unknown = Reflect.get(target, key, target)
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
    },
  })
  return {
    view,
    activate() {
      activeViews.set(link, view)
      link.setValueHandler(handler)
    },
  }
}

function isChannel(link: Link): link is Link & Channel {
  return typeof (link as Partial<Channel>).sendValue === 'function' && typeof (link as Partial<Channel>).setValueHandler === 'function'
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) === JSON.stringify(b, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))
}
