/**
 * The `ethereum` settlement kind (a connector's `peers[].settlement`): a channel of the
 * PaymentChannel contract on an EVM chain, in wei. One JSON-RPC connection per URL is shared by
 * the node's peers (holding each key once: one nonce sequence per account); each peer's channel
 * is watched for the peer starting a reclaim.
 */
import { DAY_MS, InvalidChannelOptionError, MAX_UINT64, type SettlementPlugin } from '@stack/channel-core'
import { EthereumLedger } from '@stack/ledger-ethereum'
import { privateKeyToAddress } from 'viem/accounts'
import { EthereumChannel } from './ethereum-channel.js'
import type { ChannelFunding } from './ethereum-scheme.js'
import { SqliteClaimStore } from './sqlite-claim-store.js'

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
  funding?: ChannelFunding
  /** Claim on chain (without closing) once this much wei is unredeemed on a channel; default: on shutdown and in a dispute. */
  redeemThreshold?: bigint
  /** How often we look for the peer starting a reclaim (we close with its best claim); well below its timeout. */
  watchIntervalMs: number
  /** How often a transaction's receipt is polled for. */
  pollingIntervalMs: number
}

const FIELDS = ['kind', 'rpcUrl', 'contract', 'privateKey', 'peerAddress', 'claims', 'deposit', 'topUpAmount', 'timeoutSeconds', 'redeemThreshold', 'watchIntervalMs', 'pollingIntervalMs']
const HEX_ADDRESS = /^0x[0-9a-fA-F]{40}$/
const HEX_KEY = /^0x[0-9a-fA-F]{64}$/
/** Wei: a peer whose asset had another scale would be paid 10^k times too much or too little. */
const WEI_SCALE = 18

export const ethereumSettlement: SettlementPlugin<EthereumSettlementConfig> = {
  kind: 'ethereum',

  check(section, { checker: c, path, asset, file }) {
    if (asset !== undefined && asset.scale !== WEI_SCALE) c.fail(path, `ethereum channels pay in wei: the peer's asset needs scale ${WEI_SCALE}, got ${asset.scale}`)
    const s = c.object(section, path, FIELDS)
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
    const claims = file(s.claims, `${path}.claims`)
    const watchIntervalMs = s.watchIntervalMs === undefined ? 10_000 : c.integer(s.watchIntervalMs, `${path}.watchIntervalMs`, 10, DAY_MS)
    const pollingIntervalMs = s.pollingIntervalMs === undefined ? 1_000 : c.integer(s.pollingIntervalMs, `${path}.pollingIntervalMs`, 10, 60_000)
    let funding: ChannelFunding | undefined
    if (s.deposit !== undefined) {
      const deposit = c.amount(s.deposit, `${path}.deposit`, 1n, MAX_UINT64)
      const timeoutSeconds = s.timeoutSeconds === undefined ? c.fail(`${path}.timeoutSeconds`, 'is needed with deposit') : c.amount(s.timeoutSeconds, `${path}.timeoutSeconds`, 1n, 10n * 365n * 86_400n)
      if (deposit !== undefined && timeoutSeconds !== undefined) {
        const topUpAmount = s.topUpAmount === undefined ? undefined : c.amount(s.topUpAmount, `${path}.topUpAmount`, 1n, MAX_UINT64) ?? 1n
        funding = topUpAmount === undefined ? { deposit, timeoutSeconds } : { deposit, topUpAmount, timeoutSeconds }
      }
    } else {
      for (const key of ['topUpAmount', 'timeoutSeconds']) if (s[key] !== undefined) c.fail(`${path}.${key}`, 'is only for a channel we open: needs deposit')
    }
    if (rpcUrl === undefined || contract === undefined || privateKey === undefined || peerAddress === undefined || claims === undefined) return undefined
    if (watchIntervalMs === undefined || pollingIntervalMs === undefined) return undefined
    const config: EthereumSettlementConfig = { kind: 'ethereum', rpcUrl, contract, privateKey, peerAddress, claims, watchIntervalMs, pollingIntervalMs }
    if (funding !== undefined) config.funding = funding
    if (s.redeemThreshold !== undefined) config.redeemThreshold = c.amount(s.redeemThreshold, `${path}.redeemThreshold`, 1n, MAX_UINT64) ?? 1n
    return config
  },

  async open(config, { peerId, carrier, now, logger, shared }) {
    const ledger = await shared.use(`rpc:${config.rpcUrl}`, () => EthereumLedger.connect({ connection: { rpcUrl: config.rpcUrl }, pollingIntervalMs: config.pollingIntervalMs }))
    const address = privateKeyToAddress(config.privateKey)
    const account = address.toLowerCase()
    if (!(await ledger.listAccounts()).some((known) => known.id === account)) await ledger.importAccount(account, { privateKey: config.privateKey })
    const code = await ledger.publicClient.getCode({ address: config.contract })
    if (code === undefined || code === '0x') throw new InvalidChannelOptionError(`peer ${peerId}: settlement.contract`, config.contract, `no contract at ${config.contract} on chain ${ledger.chainId} (${config.rpcUrl})`)
    const store = SqliteClaimStore.open(config.claims, { chainId: ledger.chainId, contract: config.contract, account: address, peer: config.peerAddress })
    const channel = new EthereumChannel({
      ledger,
      contract: config.contract,
      account,
      peerAddress: config.peerAddress,
      carrier,
      store,
      ...(config.funding === undefined ? {} : { funding: config.funding }),
      ...(config.redeemThreshold === undefined ? {} : { redeemThreshold: config.redeemThreshold }),
      // The dispute watcher: a peer that starts a reclaim must find its channel closed with our best claim.
      watch: { intervalMs: config.watchIntervalMs },
      now,
      logger,
    })
    void channel.start()
    return {
      channel,
      summary: () => ({ address, contract: config.contract, ...channel.summary() }),
      close: async () => {
        try {
          await channel.stop() // redeems what the peer paid us, on chain
        } finally {
          store.close()
        }
      }
    }
  }
}
