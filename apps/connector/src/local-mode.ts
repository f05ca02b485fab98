import { createHash, timingSafeEqual } from 'node:crypto'
import type { BtpServer, BtpServerLink } from '@stack/channel-btp'
import { describeValue, type Channel, type ConfigChecker, type ConfigObject } from '@stack/channel-core'
import { MAX_UINT64, type Asset } from '@stack/ilp-core'
import type { NodePeer } from '@stack/ilp-connector'
import type { Logger } from 'pino'
import { isLoopback, type ListenersConfig } from './config-listen.js'
import { checkSettlement, type SettlementConfig, type SettlementContext } from './settlement-config.js'

/**
 * Local mode (config `local`), as `moneyd local` does it: any BTP client on loopback gets a
 * child account when it first logs in, so `stack pay`, `stack receive` and interledgerjs
 * clients need no per-user configuration. The account is the BTP username, or, without one
 * (`btp+ws://:secret@…`, as moneyd clients dial), `local-` and a hash of the token: the same
 * secret comes back to the same account and, with a SQLite store, the same balance. A username
 * is held by the token of its first login until the node restarts. Names never collide with
 * peers: a peer's name (configured, added by the admin API, even removed) is never a local
 * account's, and the admin API refuses a peer named as a local account (409).
 *
 * `local.settlement` (kind sqlite only) lets each local account settle on an embedded ledger, as
 * `stack pay --ledger` does: the section is a peer's `settlement` without `peerAccount`, which
 * is the local account's name (its account on that ledger).
 */

export interface LocalConfig {
  /** Credit each local account gets (its minBalance); unset: none, it can only receive. */
  minBalance?: bigint
  maxPacketAmount?: bigint
  /** Each account's settlement, for `settlementFor`; absent: their TRANSFERs are refused. */
  settlement?: SettlementConfig
}

/** The peerAccount the section is checked with: every account's name passes the same checks. */
const ANY_ACCOUNT = 'local-account'

/** The local account's settlement: the section with the account's name as its ledger account. */
export function settlementFor(config: LocalConfig, id: string): SettlementConfig | undefined {
  return config.settlement === undefined ? undefined : Object.assign({}, config.settlement, { peerAccount: id })
}

export function checkLocal(c: ConfigChecker, value: unknown, listen: ListenersConfig, context: SettlementContext): LocalConfig | undefined {
  const l = value === null ? {} : c.object(value, 'local', ['minBalance', 'maxPacketAmount', 'settlement'])
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
  if (l.settlement !== undefined) {
    const section = l.settlement as ConfigObject
    if (typeof section !== 'object' || section === null || Array.isArray(section)) c.fail('local.settlement', `must be an object, got ${describeValue(section)}`)
    // Only an embedded ledger names a peer's account by a name we can take from the login.
    else if (section.kind !== 'sqlite') c.fail('local.settlement.kind', `must be sqlite (each local account settles on the ledger as the account of its name), got ${describeValue(section.kind)}`)
    else if (section.peerAccount !== undefined) c.fail('local.settlement.peerAccount', "is each local account's name: leave it out")
    else {
      const settlement = checkSettlement(c, { ...section, peerAccount: ANY_ACCOUNT }, 'local.settlement', context)
      if (settlement !== undefined) local.settlement = settlement
    }
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

  /**
   * From now on each new local account is added to `node` as a child at its first login, with
   * the channel `open` gives it (its settlement; undefined: none, TRANSFERs refused). An account
   * whose settlement cannot open is logged and its client sent away; it may log in again.
   */
  start(server: BtpServer, node: { addPeer(peer: NodePeer): void }, asset: Asset, logger: Logger, open: (id: string, link: BtpServerLink) => Promise<Channel | undefined>): void {
    this.#started = true
    server.onConnection((link, account) => {
      if (this.taken(account) || this.#added.has(account)) return
      this.#added.add(account)
      open(account, link).then(
        (channel) => {
          node.addPeer({
            id: account,
            relation: 'child',
            asset,
            link,
            dial: false,
            ...(channel === undefined ? {} : { channel }),
            ...(this.config.minBalance === undefined ? {} : { minBalance: this.config.minBalance }),
            ...(this.config.maxPacketAmount === undefined ? {} : { maxPacketAmount: this.config.maxPacketAmount }),
          })
          logger.info({ peer: account, settles: channel !== undefined }, 'local account added')
        },
        (error: unknown) => {
          this.#added.delete(account)
          logger.error({ peer: account, err: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }, 'local account refused: its settlement could not open')
          void link.close()
        },
      )
    })
  }
}
