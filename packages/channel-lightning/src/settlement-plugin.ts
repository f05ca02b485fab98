/**
 * The `lightning` settlement kind (a connector's `peers[].settlement`): one LDK node per data
 * directory (shared by the peers that name it), a LightningChannel per peer. The Bitcoin side (a
 * JSON-RPC client, the wallet that funds channels and receives sweeps) is given to
 * `createLightningSettlement`; `lightningSettlement` (bitcoin-side.ts) gives it ledger-bitcoin's.
 */
import type { SettlementPlugin } from '@stack/channel-core'
import { MAX_UINT64 } from '@stack/channel-core'
import type { ChainSource } from './chain.js'
import { LightningChannel } from './lightning-channel.js'
import { LightningNode, type FundingWallet } from './lightning-node.js'
import { NODE_ID } from './settlement-message.js'

export interface LightningSettlementConfig {
  kind: 'lightning'
  /** The node's state directory (seed, channels, the settlement books). */
  dataDir: string
  rpc: { url: string; user: string; password: string }
  /** The wallet that funds our channels and receives our sweeps: its seed's file and its journal (the app's wallet reads them). */
  wallet: WalletFiles
  /** The peer's Lightning node id (33 bytes, hex); absent: learned from the peer's hello over the link (then pinned). */
  peerNodeId?: string
  /** Where to reach the peer's node; absent: the peer connects to us. */
  peerHost?: string
  peerPort?: number
  /** The port our node accepts peers on (loopback). */
  listenPort?: number
  /** Open a channel of this many sats to the peer when there is none. */
  channelSats?: bigint
  minimumDepth?: number
  /** Millisatoshis per unit of the peer's asset (BTC at scale s: 10^(11−s)). */
  msatPerUnit: bigint
}

export interface WalletFiles {
  readonly seedFile: string
  readonly journal: string
}

/** What the app provides: the Bitcoin node's client and the wallet of a node. */
export interface LightningBitcoin {
  chain(rpc: LightningSettlementConfig['rpc']): ChainSource
  wallet(chain: ChainSource, files: WalletFiles): Promise<{ wallet: FundingWallet; sweepScript: Uint8Array; close?(): void | Promise<void> }>
}

const FIELDS = ['kind', 'dataDir', 'rpc', 'wallet', 'peerNodeId', 'peerHost', 'peerPort', 'listenPort', 'channelSats', 'minimumDepth']

export function createLightningSettlement(bitcoin: LightningBitcoin): SettlementPlugin<LightningSettlementConfig> {
  return {
    kind: 'lightning',

    check(section, { checker: c, path, file, asset }) {
      const s = c.object(section, path, FIELDS)
      if (s === undefined) return undefined
      const dataDir = file(s.dataDir, `${path}.dataDir`)
      const rpcSection = c.object(s.rpc, `${path}.rpc`, ['url', 'user', 'password'])
      const rpc = rpcSection && {
        url: c.string(rpcSection.url, `${path}.rpc.url`),
        user: c.string(rpcSection.user, `${path}.rpc.user`),
        password: c.string(rpcSection.password, `${path}.rpc.password`)
      }
      const walletSection = c.object(s.wallet, `${path}.wallet`, ['seedFile', 'journal'])
      const seedFile = walletSection && file(walletSection.seedFile, `${path}.wallet.seedFile`)
      const journal = walletSection && file(walletSection.journal, `${path}.wallet.journal`)
      const wallet = seedFile === undefined || journal === undefined ? undefined : { seedFile, journal }
      const peerNodeId = s.peerNodeId === undefined ? undefined : c.string(s.peerNodeId, `${path}.peerNodeId`)
      if (peerNodeId !== undefined && !NODE_ID.test(peerNodeId)) c.fail(`${path}.peerNodeId`, 'is not a compressed public key in hex')
      let msatPerUnit: bigint | undefined
      if (asset !== undefined) {
        if (asset.code !== 'BTC' || asset.scale > 11) c.fail(path, `settles BTC at a scale of 11 (msat) or less, not ${asset.code} at ${asset.scale}`)
        else msatPerUnit = 10n ** BigInt(11 - asset.scale)
      }
      const config: Partial<LightningSettlementConfig> = { kind: 'lightning', dataDir, wallet, msatPerUnit }
      if (s.peerNodeId !== undefined) config.peerNodeId = peerNodeId
      if (s.peerHost !== undefined) config.peerHost = c.string(s.peerHost, `${path}.peerHost`)
      if (s.peerPort !== undefined) config.peerPort = c.integer(s.peerPort, `${path}.peerPort`, 1, 65_535)
      if ((s.peerHost === undefined) !== (s.peerPort === undefined)) c.fail(`${path}.peerPort`, 'goes with peerHost')
      if (s.listenPort !== undefined) config.listenPort = c.integer(s.listenPort, `${path}.listenPort`, 0, 65_535)
      if (s.channelSats !== undefined) config.channelSats = c.amount(s.channelSats, `${path}.channelSats`, 20_000n, MAX_UINT64)
      if (s.minimumDepth !== undefined) config.minimumDepth = c.integer(s.minimumDepth, `${path}.minimumDepth`, 1, 144)
      if (rpc === undefined || rpc.url === undefined || rpc.user === undefined || rpc.password === undefined) return undefined
      if (dataDir === undefined || msatPerUnit === undefined || wallet === undefined) return undefined
      if (Object.values(config).some((value) => value === undefined)) return undefined
      return { ...config, rpc: { url: rpc.url, user: rpc.user, password: rpc.password } } as LightningSettlementConfig
    },

    async open(config, { carrier, shared, peerId }) {
      const node = await shared.use(`node:${config.dataDir}`, async () => {
        const chain = bitcoin.chain(config.rpc)
        const { wallet, sweepScript, close } = await bitcoin.wallet(chain, config.wallet)
        const started = await LightningNode.start({
          dataDir: config.dataDir,
          chain,
          wallet,
          sweepScript,
          ...(config.minimumDepth === undefined ? {} : { minimumDepth: config.minimumDepth })
        })
        await started.listen(config.listenPort ?? 0)
        return { started, close }
      }, async (opened) => {
        const { started, close } = await opened
        await started.stop()
        await close?.()
      })
      // The books are the connector peer's: they stay its whether the section names the peer's node or learns it.
      const channel = new LightningChannel({
        node: node.started, carrier, msatPerUnit: config.msatPerUnit, books: `peer-${Buffer.from(peerId).toString('hex')}`,
        ...(config.peerNodeId === undefined ? {} : { peerNodeId: config.peerNodeId })
      })
      const keeper = config.peerHost === undefined || config.peerPort === undefined
        ? undefined
        : keepConnected(node.started, () => channel.peerNodeId, config.peerHost, config.peerPort, config.channelSats)
      return {
        channel,
        summary: () => channel.summary(),
        close: async () => {
          keeper?.stop()
          await channel.stop()
        }
      }
    }
  }
}

const RECONNECT_MS = 2_000

/**
 * Keeps our node connected to the peer's (LDK does not dial again by itself): whatever started
 * first, whichever restarts, the connection comes back. Once connected, opens a channel of
 * `channelSats` if there is none with the peer (funded later by the wallet).
 */
function keepConnected(node: LightningNode, peerOf: () => string | undefined, host: string, port: number, channelSats: bigint | undefined): { stop(): void } {
  let dialing = false
  const tick = (): void => {
    // Not known yet: the peer's hello brings it.
    const peer = peerOf()
    if (peer === undefined) return
    if (node.connectedPeers().includes(peer)) {
      if (channelSats === undefined || node.channels().some((c) => c.counterparty === peer)) return
      try {
        node.openChannel(peer, channelSats)
      } catch {
        // LDK refused now (the peer's init not done): the next tick tries again.
      }
      return
    }
    if (dialing) return
    dialing = true
    // Refused or cut: the next tick dials again.
    node.connect(peer, host, port).catch(() => undefined).finally(() => (dialing = false))
  }
  tick()
  const timer = setInterval(tick, RECONNECT_MS)
  timer.unref()
  return { stop: () => clearInterval(timer) }
}
