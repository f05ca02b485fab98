import { createHash, timingSafeEqual } from 'node:crypto'
import type { BtpServer, BtpServerLink } from '@stack/channel-btp'
import { MAX_UINT64, type Asset } from '@stack/ilp-core'
import type { NodePeer } from '@stack/ilp-connector'
import type { Logger } from 'pino'
import type { ConfigChecker } from '@stack/channel-core'
import { isLoopback, type ListenersConfig } from './config-listen.js'

/**
 * Local mode (config `local`), as `moneyd local` does it: any BTP client on loopback gets a
 * child account when it first logs in, so `stack pay`, `stack receive` and interledgerjs
 * clients need no per-user configuration. The account is the BTP username, or, without one
 * (`btp+ws://:secret@…`, as moneyd clients dial), `local-` and a hash of the token: the same
 * secret comes back to the same account and, with a SQLite store, the same balance. A username
 * is held by the token of its first login until the node restarts. Names never collide with
 * peers: a peer's name (configured, added by the admin API, even removed) is never a local
 * account's, and the admin API refuses a peer named as a local account (409).
 */

export interface LocalConfig {
  /** Credit each local account gets (its minBalance); unset: none, it can only receive. */
  minBalance?: bigint
  maxPacketAmount?: bigint
}

export function checkLocal(c: ConfigChecker, value: unknown, listen: ListenersConfig): LocalConfig | undefined {
  const l = value === null ? {} : c.object(value, 'local', ['minBalance', 'maxPacketAmount'])
  if (l === undefined) return undefined
  if (listen.btp === undefined) c.fail('local', 'needs listen.btp: local clients log in over BTP')
  // Accounts for whoever dials: only for this machine's programs.
  else if (!isLoopback(listen.btp.host)) c.fail('local', `gives an account to anyone who dials, so listen.btp.host must be loopback, got "${listen.btp.host}"`)
  const local: LocalConfig = {}
  if (l.minBalance !== undefined) {
    const min = c.amount(l.minBalance, 'local.minBalance', -MAX_UINT64, 0n)
    if (min !== undefined) local.minBalance = min
  }
  if (l.maxPacketAmount !== undefined) {
    const max = c.amount(l.maxPacketAmount, 'local.maxPacketAmount', 0n, MAX_UINT64)
    if (max !== undefined) local.maxPacketAmount = max
  }
  return local
}

const digest = (token: Uint8Array): Buffer => createHash('sha256').update(token).digest()

export class LocalAccounts {
  readonly #tokens = new Map<string, Buffer>()
  readonly #added = new Set<string>()
  #started = false

  /** `taken`: whether a peer has (or had) the id, so no local client may. */
  constructor(private readonly config: LocalConfig, private readonly taken: (id: string) => boolean) {}

  /** Whether a local client has logged in (or is logging in) with this name. */
  has(id: string): boolean {
    return this.#tokens.has(id) || this.#added.has(id)
  }

  /** The BtpServer authenticator's fallback for a login no configured peer matched. */
  authenticate(username: string, token: Uint8Array): string | undefined {
    if (!this.#started) return undefined // the node is not up yet: the client retries
    const hash = digest(token)
    const id = username === '' ? `local-${hash.toString('hex').slice(0, 16)}` : username
    if (this.taken(id) || !/^[A-Za-z0-9_~-]{1,64}$/.test(id)) return undefined
    const first = this.#tokens.get(id)
    if (first === undefined) this.#tokens.set(id, hash)
    else if (!timingSafeEqual(first, hash)) return undefined
    return id
  }

  /** From now on each new local account is added to `node` as a child at its first login. */
  start(server: BtpServer, node: { addPeer(peer: NodePeer): void }, asset: Asset, logger: Logger, onAdded: (id: string, link: BtpServerLink) => void): void {
    this.#started = true
    server.onConnection((link, account) => {
      if (this.taken(account) || this.#added.has(account)) return
      this.#added.add(account)
      onAdded(account, link)
      node.addPeer({
        id: account,
        relation: 'child',
        asset,
        link,
        dial: false,
        ...(this.config.minBalance === undefined ? {} : { minBalance: this.config.minBalance }),
        ...(this.config.maxPacketAmount === undefined ? {} : { maxPacketAmount: this.config.maxPacketAmount }),
      })
      logger.info({ peer: account }, 'local account added')
    })
  }
}
