/**
 * `peers[].settlement`: how value moves to and from a peer, over its BTP link (TRANSFER). Three
 * payment channel kinds, where each TRANSFER carries a claim the receiver verifies and only its
 * proven growth is credited, and `trusted-transfer`, the operator's opt-in to credit plain
 * amounts. Amounts are the peer's asset's base units, which is why each chain-backed kind fixes
 * the asset scale (wei, drops). A peer without `settlement` never moves a balance by TRANSFER.
 */
import { isAbsolute, join as joinPath } from 'node:path'
import { MAX_UINT64 } from '@stack/ilp-core'
import { checkAddress, checkChannelId, checkDrops, checkPublicKey, walletFromSeed } from '@stack/ledger-xrp'
import { claimKeyPairFromSeed } from '@stack/channel-xrp'
import { DAY_MS, describe, type Checker, type Obj } from './config-checker.js'

export type SettlementConfig = SqliteSettlementConfig | EthereumSettlementConfig | XrpSettlementConfig | TrustedTransferSettlementConfig

/**
 * No proof: a TRANSFER's amount is credited as the peer states it, and we pay it the same way.
 * For a peer the operator trusts to report payments made elsewhere (a bank transfer, a ledger
 * we do not read); each credit is logged and counted (`ilp_connector_unproven_transfers_total`).
 */
export interface TrustedTransferSettlementConfig {
  kind: 'trusted-transfer'
}

/**
 * A payment channel on an embedded ledger-sqlite file that holds both our account and the
 * peer's (@stack/channel-sqlite).
 */
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

/** A channel of the PaymentChannel contract on an EVM chain (@stack/channel-ethereum), in wei. */
export interface EthereumSettlementConfig {
  kind: 'ethereum'
  /** The chain's JSON-RPC endpoint (http or https). */
  rpcUrl: string
  /** The deployed PaymentChannel contract. */
  contract: `0x${string}`
  /** Our account's key: pays gas, opens our channel, signs our claims, redeems the peer's. */
  privateKey: `0x${string}`
  /** The peer's address: receiver of our channel, sender of the channels we take claims on. */
  peerAddress: `0x${string}`
  /** Our claim store (SQLite); may be shared by several peers. */
  claims: string
  /** Our channel to the peer, opened on the first payment and topped up as needed; absent: we only receive. */
  funding?: { deposit: bigint; topUpAmount?: bigint; timeoutSeconds: bigint }
  /** Claim on chain (without closing) once this much wei is unredeemed on a channel; default: on shutdown and in a dispute. */
  redeemThreshold?: bigint
  /** How often we look for the peer starting a reclaim (we close with its best claim); well below its timeout. */
  watchIntervalMs: number
  /** How often a transaction's receipt is polled for. */
  pollingIntervalMs: number
}

/**
 * XRP Ledger payment channels (@stack/channel-xrp), in drops. No server is contacted: the
 * channels are declared here as the ledger shows them (created and funded by the operator), and
 * a redeeming PaymentChannelClaim is signed on request (admin API) for the operator to submit.
 */
export interface XrpSettlementConfig {
  kind: 'xrp'
  /** Our classic address, and the peer's. */
  account: string
  peerAccount: string
  /** Our wallet's seed: signs the PaymentChannelClaim that redeems; absent: claims are only kept. */
  secret?: string
  /** Our claim store (SQLite); may be shared by several peers. */
  claims: string
  /** Our channel to the peer: its id, the seed of the key pair it was created with, its Amount in drops. */
  outgoing?: { channelId: string; claimSecret: string; amount: bigint }
  /** The peer's channels to us, with the public key and Amount/Balance the ledger shows. */
  incoming: { channelId: string; publicKey: string; amount: bigint; balance: bigint }[]
}

const SETTLEMENT_KINDS = ['sqlite', 'ethereum', 'xrp', 'trusted-transfer'] as const
const HEX_ADDRESS = /^0x[0-9a-fA-F]{40}$/
const HEX_KEY = /^0x[0-9a-fA-F]{64}$/

export interface SettlementContext {
  /** Relative store and ledger files are taken from here. */
  configDir: string | undefined
  /** The peer's asset (amounts on the channel are its base units). */
  asset: { code: string; scale: number } | undefined
}

export function checkSettlement(c: Checker, value: unknown, path: string, context: SettlementContext): SettlementConfig | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return c.fail(path, `must be an object, got ${describe(value)}`)
  const kind = c.oneOf((value as Obj).kind, `${path}.kind`, SETTLEMENT_KINDS)
  const file = (s: Obj, key: string): string | undefined => {
    const f = c.string(s[key], `${path}.${key}`)
    return f === undefined || context.configDir === undefined || isAbsolute(f) ? f : joinPath(context.configDir, f)
  }
  if (kind === 'sqlite') return checkSqlite(c, value, path, file)
  if (kind === 'trusted-transfer') return c.object(value, path, ['kind']) === undefined ? undefined : { kind }
  // Wei and drops: a peer whose asset has another scale would be paid 10^k times too much or too little.
  const scale = kind === 'ethereum' ? 18 : 6
  if (kind !== undefined && context.asset !== undefined && context.asset.scale !== scale) {
    c.fail(path, `${kind} channels pay in ${kind === 'ethereum' ? 'wei' : 'drops'}: the peer's asset needs scale ${scale}, got ${context.asset.scale}`)
  }
  if (kind === 'xrp' && context.asset !== undefined && context.asset.code !== 'XRP') c.fail(path, `xrp channels pay XRP: the peer's asset code is ${context.asset.code}`)
  if (kind === 'ethereum') return checkEthereum(c, value, path, file)
  if (kind === 'xrp') return checkXrp(c, value, path, file)
  return undefined
}

type FileField = (s: Obj, key: string) => string | undefined

function checkSqlite(c: Checker, value: unknown, path: string, file: FileField): SqliteSettlementConfig | undefined {
  const s = c.object(value, path, [
    'kind', 'ledger', 'account', 'peerAccount', 'claims', 'deposit', 'topUpBelow', 'settleDelayMs', 'redeemThreshold', 'watchIntervalMs', 'idleRedeemMs',
  ])
  if (s === undefined) return undefined
  const ledger = file(s, 'ledger')
  const claims = file(s, 'claims')
  const account = c.string(s.account, `${path}.account`)
  const peerAccount = c.string(s.peerAccount, `${path}.peerAccount`)
  const watchIntervalMs = s.watchIntervalMs === undefined ? 1_000 : c.integer(s.watchIntervalMs, `${path}.watchIntervalMs`, 10, DAY_MS)
  let funding: Pick<SqliteSettlementConfig, 'deposit' | 'settleDelayMs' | 'topUpBelow'> | undefined = {}
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
  const settlement: SqliteSettlementConfig = { kind: 'sqlite', ledger, account, peerAccount, claims, ...funding, watchIntervalMs }
  if (s.redeemThreshold !== undefined) settlement.redeemThreshold = c.amount(s.redeemThreshold, `${path}.redeemThreshold`, 1n, MAX_UINT64) ?? 1n
  if (s.idleRedeemMs !== undefined) settlement.idleRedeemMs = c.integer(s.idleRedeemMs, `${path}.idleRedeemMs`, 1, 365 * DAY_MS) ?? DAY_MS
  return settlement
}

function checkEthereum(c: Checker, value: unknown, path: string, file: FileField): EthereumSettlementConfig | undefined {
  const s = c.object(value, path, [
    'kind', 'rpcUrl', 'contract', 'privateKey', 'peerAddress', 'claims', 'deposit', 'topUpAmount', 'timeoutSeconds', 'redeemThreshold', 'watchIntervalMs', 'pollingIntervalMs',
  ])
  if (s === undefined) return undefined
  const hex = (key: string, pattern: RegExp, what: string): `0x${string}` | undefined => {
    const text = c.string(s[key], `${path}.${key}`)
    if (text !== undefined && !pattern.test(text)) return c.fail(`${path}.${key}`, `must be ${what}`)
    return text as `0x${string}` | undefined
  }
  let rpcUrl = c.string(s.rpcUrl, `${path}.rpcUrl`)
  if (rpcUrl !== undefined && !/^https?:\/\/[^/]/.test(rpcUrl)) rpcUrl = c.fail(`${path}.rpcUrl`, `"${rpcUrl}" is not an http:// or https:// URL`)
  const contract = hex('contract', HEX_ADDRESS, 'an address (0x and 40 hex digits)')
  // Never echo a key back into a log: the message names the field only.
  const privateKey = hex('privateKey', HEX_KEY, '0x and 64 hex digits')
  const peerAddress = hex('peerAddress', HEX_ADDRESS, 'an address (0x and 40 hex digits)')
  const claims = file(s, 'claims')
  const watchIntervalMs = s.watchIntervalMs === undefined ? 10_000 : c.integer(s.watchIntervalMs, `${path}.watchIntervalMs`, 10, DAY_MS)
  const pollingIntervalMs = s.pollingIntervalMs === undefined ? 1_000 : c.integer(s.pollingIntervalMs, `${path}.pollingIntervalMs`, 10, 60_000)
  let funding: EthereumSettlementConfig['funding']
  if (s.deposit !== undefined) {
    const deposit = c.amount(s.deposit, `${path}.deposit`, 1n, MAX_UINT64)
    const timeoutSeconds = s.timeoutSeconds === undefined ? c.fail(`${path}.timeoutSeconds`, 'is needed with deposit') : c.amount(s.timeoutSeconds, `${path}.timeoutSeconds`, 1n, 10n * 365n * 86_400n)
    if (deposit !== undefined && timeoutSeconds !== undefined) {
      funding = { deposit, timeoutSeconds }
      if (s.topUpAmount !== undefined) funding.topUpAmount = c.amount(s.topUpAmount, `${path}.topUpAmount`, 1n, MAX_UINT64) ?? 1n
    }
  } else {
    for (const key of ['topUpAmount', 'timeoutSeconds']) if (s[key] !== undefined) c.fail(`${path}.${key}`, 'is only for a channel we open: needs deposit')
  }
  if (rpcUrl === undefined || contract === undefined || privateKey === undefined || peerAddress === undefined || claims === undefined) return undefined
  if (watchIntervalMs === undefined || pollingIntervalMs === undefined) return undefined
  const settlement: EthereumSettlementConfig = { kind: 'ethereum', rpcUrl, contract, privateKey, peerAddress, claims, watchIntervalMs, pollingIntervalMs }
  if (funding !== undefined) settlement.funding = funding
  if (s.redeemThreshold !== undefined) settlement.redeemThreshold = c.amount(s.redeemThreshold, `${path}.redeemThreshold`, 1n, MAX_UINT64) ?? 1n
  return settlement
}

function checkXrp(c: Checker, value: unknown, path: string, file: FileField): XrpSettlementConfig | undefined {
  const s = c.object(value, path, ['kind', 'account', 'peerAccount', 'secret', 'claims', 'outgoing', 'incoming'])
  if (s === undefined) return undefined
  /** Runs one of ledger-xrp's checks, recording its message at `field`. */
  const check = <T>(field: string, run: () => T): T | undefined => {
    try {
      return run()
    } catch (error) {
      return c.fail(field, error instanceof Error ? error.message : String(error))
    }
  }
  const classic = (key: string): string | undefined => {
    const text = c.string(s[key], `${path}.${key}`)
    return text === undefined ? undefined : check(`${path}.${key}`, () => checkAddress(key, text))
  }
  const account = classic('account')
  const peerAccount = classic('peerAccount')
  const claims = file(s, 'claims')
  let secret: string | undefined
  if (s.secret !== undefined) {
    secret = c.string(s.secret, `${path}.secret`)
    const wallet = secret === undefined ? undefined : derive(() => walletFromSeed(secret as string))
    if (wallet === undefined) secret = secret === undefined ? undefined : c.fail(`${path}.secret`, 'is not an XRP Ledger seed')
    else if (account !== undefined && wallet.classicAddress !== account) secret = c.fail(`${path}.secret`, `is the seed of ${wallet.classicAddress}, not of account ${account}`)
  }
  let outgoing: XrpSettlementConfig['outgoing']
  if (s.outgoing !== undefined) {
    const o = c.object(s.outgoing, `${path}.outgoing`, ['channelId', 'claimSecret', 'amount'])
    if (o !== undefined) {
      const channelId = channelIdOf(c, o.channelId, `${path}.outgoing.channelId`, check)
      let claimSecret = c.string(o.claimSecret, `${path}.outgoing.claimSecret`)
      if (claimSecret !== undefined && derive(() => claimKeyPairFromSeed(claimSecret as string)) === undefined) {
        claimSecret = c.fail(`${path}.outgoing.claimSecret`, 'is not an XRP Ledger seed')
      }
      const amount = dropsOf(c, o.amount, `${path}.outgoing.amount`, check)
      if (channelId !== undefined && claimSecret !== undefined && amount !== undefined) outgoing = { channelId, claimSecret, amount }
    }
  }
  const incoming: XrpSettlementConfig['incoming'] = []
  if (s.incoming !== undefined && !Array.isArray(s.incoming)) c.fail(`${path}.incoming`, `must be a list of channels, got ${describe(s.incoming)}`)
  else (s.incoming as unknown[] | undefined ?? []).forEach((entry, i) => {
    const at = `${path}.incoming[${i}]`
    const o = c.object(entry, at, ['channelId', 'publicKey', 'amount', 'balance'])
    if (o === undefined) return
    const channelId = channelIdOf(c, o.channelId, `${at}.channelId`, check)
    const key = c.string(o.publicKey, `${at}.publicKey`)
    const publicKey = key === undefined ? undefined : check(`${at}.publicKey`, () => checkPublicKey('publicKey', key))
    const amount = dropsOf(c, o.amount, `${at}.amount`, check)
    const balance = o.balance === undefined ? 0n : dropsOf(c, o.balance, `${at}.balance`, check)
    if (amount !== undefined && balance !== undefined && balance > amount) c.fail(`${at}.balance`, `must not exceed amount (${amount})`)
    else if (channelId !== undefined && publicKey !== undefined && amount !== undefined && balance !== undefined) {
      if (incoming.some((other) => other.channelId === channelId)) c.fail(`${at}.channelId`, `duplicate channel ${channelId}`)
      else incoming.push({ channelId, publicKey, amount, balance })
    }
  })
  if (account !== undefined && account === peerAccount) c.fail(`${path}.peerAccount`, 'must differ from account')
  if (account === undefined || peerAccount === undefined || claims === undefined) return undefined
  const settlement: XrpSettlementConfig = { kind: 'xrp', account, peerAccount, claims, incoming }
  if (secret !== undefined) settlement.secret = secret
  if (outgoing !== undefined) settlement.outgoing = outgoing
  return settlement
}

/** What a seed derives, or undefined: its error is not recorded, since it may quote the seed. */
function derive<T>(run: () => T): T | undefined {
  try {
    return run()
  } catch {
    return undefined
  }
}

type Check = <T>(field: string, run: () => T) => T | undefined

function channelIdOf(c: Checker, value: unknown, path: string, check: Check): string | undefined {
  const text = c.string(value, path)
  return text === undefined ? undefined : check(path, () => checkChannelId('channelId', text))
}

function dropsOf(c: Checker, value: unknown, path: string, check: Check): bigint | undefined {
  const drops = c.amount(value, path, 0n, MAX_UINT64)
  return drops === undefined ? undefined : check(path, () => (checkDrops('amount', drops), drops))
}
