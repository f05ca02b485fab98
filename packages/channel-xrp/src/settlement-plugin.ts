/**
 * The `xrp` settlement kind (a connector's `peers[].settlement`): XRP Ledger payment channels, in
 * drops. No server is contacted: the channels are declared in the section as the ledger shows
 * them (created and funded by the operator), and the PaymentChannelClaim that redeems the best
 * claim held is signed on request (the admin request `redemption`) for the operator to submit.
 */
import { describeValue, MAX_UINT64, type ConfigChecker, type SettlementPlugin, type SettlementRequestResult } from '@stack/channel-core'
import { LedgerError } from '@stack/ledger-core'
import { checkAddress, checkChannelId, checkDrops, checkPublicKey, walletFromSeed } from '@stack/ledger-xrp'
import { MemoryChannelDirectory } from './channel-state.js'
import { claimKeyPairFromSeed } from './claim.js'
import { InvalidChannelOptionError, NothingToRedeemError } from './errors.js'
import { SqliteClaimStore } from './sqlite-claim-store.js'
import { XrpClaimChannel, type RedemptionFields } from './xrp-channel.js'
import type { XrpOutgoingChannel } from './xrp-scheme.js'

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

/** Drops: a peer whose asset had another scale would be paid 10^k times too much or too little. */
const DROPS_SCALE = 6
const REDEMPTION_USAGE = 'expected JSON {"fee": "<drops>", "sequence": <n>, "lastLedgerSequence"?: <n>, "close"?: bool, "channelId"?: "<64 hex>"}'

export const xrpSettlement: SettlementPlugin<XrpSettlementConfig> = {
  kind: 'xrp',
  requests: ['redemption'],

  check(section, { checker: c, path, asset, file }) {
    if (asset !== undefined && asset.scale !== DROPS_SCALE) c.fail(path, `xrp channels pay in drops: the peer's asset needs scale ${DROPS_SCALE}, got ${asset.scale}`)
    if (asset !== undefined && asset.code !== 'XRP') c.fail(path, `xrp channels pay XRP: the peer's asset code is ${asset.code}`)
    const s = c.object(section, path, ['kind', 'account', 'peerAccount', 'secret', 'claims', 'outgoing', 'incoming'])
    if (s === undefined) return undefined
    /** Runs one of ledger-xrp's checks, recording its message at `field`. */
    const check: Check = (field, run) => {
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
    const claims = file(s.claims, `${path}.claims`)
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
    if (s.incoming !== undefined && !Array.isArray(s.incoming)) c.fail(`${path}.incoming`, `must be a list of channels, got ${describeValue(s.incoming)}`)
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
    const config: XrpSettlementConfig = { kind: 'xrp', account, peerAccount, claims, incoming }
    if (secret !== undefined) config.secret = secret
    if (outgoing !== undefined) config.outgoing = outgoing
    return config
  },

  open(config, { peerId, carrier, now, logger }) {
    // The channels as the ledger shows them, from the config: no server is asked.
    const directory = new MemoryChannelDirectory()
    let outgoing: XrpOutgoingChannel | undefined
    if (config.outgoing !== undefined) {
      const { channelId, claimSecret, amount } = config.outgoing
      outgoing = { channelId, keys: claimKeyPairFromSeed(claimSecret) }
      directory.set({ channelId, account: config.account, destination: config.peerAccount, publicKey: outgoing.keys.publicKey, amount, balance: 0n })
    }
    for (const incoming of config.incoming) directory.set({ ...incoming, account: config.peerAccount, destination: config.account })
    const store = SqliteClaimStore.open(config.claims, { account: config.account, peerAccount: config.peerAccount })
    const channel = new XrpClaimChannel({
      account: config.account,
      peerAccount: config.peerAccount,
      carrier,
      store,
      directory,
      now,
      logger,
      ...(outgoing === undefined ? {} : { outgoing }),
      ...(config.secret === undefined ? {} : { wallet: walletFromSeed(config.secret) })
    })
    /**
     * A signed PaymentChannelClaim redeeming the best claim we hold from the peer, for the
     * operator to submit. `channelId` may be left out when we hold claims on one channel only.
     */
    const redemption = async (body: unknown): Promise<SettlementRequestResult> => {
      const request = redemptionRequest(body)
      if (request === undefined) return { status: 'invalid', error: REDEMPTION_USAGE }
      let channelId = request.channelId
      if (channelId === undefined) {
        const held = channel.summary().incoming
        if (held.length !== 1) return { status: 'refused', error: `we hold claims on ${held.length} channels of ${peerId}: name the channelId` }
        channelId = held[0]?.channelId as string
      }
      try {
        const signed = await channel.redemption(channelId, request)
        logger.info('signed an XRP redemption', { channelId: signed.channelId, balance: signed.balance.toString(), hash: signed.hash })
        return { status: 'ok', body: signed }
      } catch (error) {
        // Nothing to redeem, no key, a bad field: the caller's to fix.
        if (!(error instanceof NothingToRedeemError || error instanceof InvalidChannelOptionError || error instanceof LedgerError)) throw error
        return { status: 'refused', error: `${error.name}: ${error.message}` }
      }
    }
    const close = async (): Promise<void> => {
      try {
        await channel.stop() // the claims stay in the store, for a redemption after a restart
      } finally {
        store.close()
      }
    }
    return Promise.resolve({ channel, summary: () => channel.summary(), close, requests: { redemption } })
  }
}

type Check = <T>(field: string, run: () => T) => T | undefined

/** What a seed derives, or undefined: its error is not recorded, since it may quote the seed. */
function derive<T>(run: () => T): T | undefined {
  try {
    return run()
  } catch {
    return undefined
  }
}

function channelIdOf(c: ConfigChecker, value: unknown, path: string, check: Check): string | undefined {
  const text = c.string(value, path)
  return text === undefined ? undefined : check(path, () => checkChannelId('channelId', text))
}

function dropsOf(c: ConfigChecker, value: unknown, path: string, check: Check): bigint | undefined {
  const drops = c.amount(value, path, 0n, MAX_UINT64)
  return drops === undefined ? undefined : check(path, () => (checkDrops('amount', drops), drops))
}

/** The body of a redemption request, or undefined when it is not one. */
function redemptionRequest(body: unknown): (RedemptionFields & { channelId?: string }) | undefined {
  if (typeof body !== 'object' || body === null) return undefined
  const { fee, sequence, lastLedgerSequence, close, channelId } = body as Record<string, unknown>
  const uint32 = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffff_ffff
  if (!(typeof fee === 'string' && /^\d{1,17}$/.test(fee)) || !uint32(sequence)) return undefined
  if ((lastLedgerSequence !== undefined && !uint32(lastLedgerSequence)) || (close !== undefined && typeof close !== 'boolean')) return undefined
  if (channelId !== undefined && typeof channelId !== 'string') return undefined
  return {
    fee: BigInt(fee),
    sequence,
    ...(lastLedgerSequence === undefined ? {} : { lastLedgerSequence }),
    ...(close === undefined ? {} : { close }),
    ...(channelId === undefined ? {} : { channelId })
  }
}
