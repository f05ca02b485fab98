/**
 * The `sqlite` settlement kind (a connector's `peers[].settlement`): a payment channel on an
 * embedded ledger-sqlite file that holds both our account and the peer's. Ledger files and claim
 * stores are opened once per node and shared by the peers that name the same file.
 */
import { DAY_MS, MAX_UINT64, type SettlementPlugin } from '@stack/channel-core'
import { SqliteLedger } from '@stack/ledger-sqlite'
import { SqliteChannel } from './sqlite-channel.js'
import { SqliteClaimStore } from './sqlite-claim-store.js'

export interface SqliteSettlementConfig {
  kind: 'sqlite'
  /** The shared ledger file (one per asset). */
  ledger: string
  /** Our account on it, and the peer's. */
  account: string
  peerAccount: string
  /** Our claim store (key, amount sent, best claims held); may be shared by several peers. */
  claims: string
  /** Deposit of the channel we open on demand, and when to top it up; absent: we only receive. */
  deposit?: bigint
  topUpBelow?: bigint
  /** Settle delay of the channels we open (needed with deposit): the peer's time to redeem once we ask to close. */
  settleDelayMs?: number
  /** Redeem incoming claims once this much is unredeemed (default: on close, when idle, in a dispute). */
  redeemThreshold?: bigint
  /** How often we look for the peer closing its channel; well below its settle delay. */
  watchIntervalMs: number
  /** Redeem a claim when the peer sent nothing newer for this long (it may have vanished). */
  idleRedeemMs?: number
}

const FIELDS = ['kind', 'ledger', 'account', 'peerAccount', 'claims', 'deposit', 'topUpBelow', 'settleDelayMs', 'redeemThreshold', 'watchIntervalMs', 'idleRedeemMs']

export const sqliteSettlement: SettlementPlugin<SqliteSettlementConfig> = {
  kind: 'sqlite',

  check(section, { checker: c, path, file }) {
    const s = c.object(section, path, FIELDS)
    if (s === undefined) return undefined
    const ledger = file(s.ledger, `${path}.ledger`)
    const claims = file(s.claims, `${path}.claims`)
    const account = c.string(s.account, `${path}.account`)
    const peerAccount = c.string(s.peerAccount, `${path}.peerAccount`)
    const watchIntervalMs = s.watchIntervalMs === undefined ? 1_000 : c.integer(s.watchIntervalMs, `${path}.watchIntervalMs`, 10, DAY_MS)
    let funding: { deposit?: bigint; settleDelayMs?: number; topUpBelow?: bigint } | undefined = {}
    if (s.deposit !== undefined) {
      const deposit = c.amount(s.deposit, `${path}.deposit`, 1n, MAX_UINT64)
      const settleDelayMs = s.settleDelayMs === undefined ? c.fail(`${path}.settleDelayMs`, 'is needed with deposit') : c.integer(s.settleDelayMs, `${path}.settleDelayMs`, 0, 365 * DAY_MS)
      funding = deposit === undefined || settleDelayMs === undefined ? undefined : { deposit, settleDelayMs }
      if (funding !== undefined && s.topUpBelow !== undefined) funding.topUpBelow = c.amount(s.topUpBelow, `${path}.topUpBelow`, 0n, MAX_UINT64) ?? 0n
    } else {
      for (const key of ['settleDelayMs', 'topUpBelow']) if (s[key] !== undefined) c.fail(`${path}.${key}`, 'is only for a channel we open: needs deposit')
    }
    if (ledger === undefined || claims === undefined || account === undefined || peerAccount === undefined) return undefined
    if (funding === undefined || watchIntervalMs === undefined) return undefined
    const config: SqliteSettlementConfig = { kind: 'sqlite', ledger, account, peerAccount, claims, ...funding, watchIntervalMs }
    if (s.redeemThreshold !== undefined) config.redeemThreshold = c.amount(s.redeemThreshold, `${path}.redeemThreshold`, 1n, MAX_UINT64) ?? 1n
    if (s.idleRedeemMs !== undefined) config.idleRedeemMs = c.integer(s.idleRedeemMs, `${path}.idleRedeemMs`, 1, 365 * DAY_MS) ?? DAY_MS
    return config
  },

  open(config, { carrier, now, logger, shared }) {
    const ledger = shared.use(`ledger:${config.ledger}`, () => SqliteLedger.open(config.ledger, { now }), (opened) => opened.close())
    const store = SqliteClaimStore.open(config.claims, { account: config.account, peerAccount: config.peerAccount })
    const channel = new SqliteChannel({
      ledger,
      account: config.account,
      peerAccount: config.peerAccount,
      carrier,
      store,
      now,
      ...(config.deposit === undefined || config.settleDelayMs === undefined
        ? {}
        : { funding: { deposit: config.deposit, settleDelayMs: config.settleDelayMs, ...(config.topUpBelow === undefined ? {} : { topUpBelow: config.topUpBelow }) } }),
      ...(config.redeemThreshold === undefined ? {} : { redeemThreshold: config.redeemThreshold }),
      watch: { intervalMs: config.watchIntervalMs, ...(config.idleRedeemMs === undefined ? {} : { idleRedeemMs: config.idleRedeemMs }) },
      logger,
    })
    void channel.start() // the watcher
    const close = async (): Promise<void> => {
      try {
        await channel.stop() // redeems what the peer paid us
      } finally {
        store.close()
      }
    }
    return Promise.resolve({ channel, summary: () => channel.summary(), close })
  },
}
