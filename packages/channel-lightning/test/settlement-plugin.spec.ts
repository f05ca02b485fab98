import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigChecker, SharedResourcePool, type ConfigObject, type OpenedSettlement } from '@stack/channel-core'
import { regtestNetwork } from '@stack/bitcoin-regtest'
import { BitcoinLedger, BitcoinRpc } from '@stack/ledger-bitcoin'
import { PeerNodeMismatchError, createLightningSettlement, encodeSettlementMessage, type LightningBitcoin, type LightningSettlementConfig } from '../src/index.js'
import { carrierPair, rpcOf, scriptOf, startRegtest, until, type Regtest } from './fixture.js'

// The settlement kind as the connector opens it: a section checked, a node started per data
// directory with the app's Bitcoin side (ledger-bitcoin here), a channel opened to the peer, settlement.
let chain: Regtest
const dir = mkdtempSync(join(tmpdir(), 'ln-plugin-'))
const ledgers: BitcoinLedger[] = []
const bitcoin: LightningBitcoin = {
  chain: (rpc) => new BitcoinRpc(rpc),
  async wallet(source, { seedFile, journal }) {
    if (!existsSync(seedFile)) writeFileSync(seedFile, randomBytes(32).toString('hex'))
    const seed = Buffer.from(readFileSync(seedFile, 'utf8'), 'hex')
    const ledger = await BitcoinLedger.open({ rpc: source as BitcoinRpc, network: regtestNetwork, seed, statePath: journal, dustRelayFee: 0n })
    ledgers.push(ledger)
    await ledger.createAccount('funds')
    await ledger.createAccount('sweep')
    await chain.fund(ledger.address('funds'), 2_000_000)
    await chain.mine(1)
    return {
      wallet: { fundingTransaction: async (script, sats) => (await ledger.buildTransaction({ from: 'funds', outputs: [{ script, value: sats }] })).tx },
      sweepScript: scriptOf(ledger.address('sweep')),
      close: () => ledger.close()
    }
  }
}
const plugin = createLightningSettlement(bitcoin)
const pools = [new SharedResourcePool(), new SharedResourcePool()]

beforeAll(async () => {
  chain = await startRegtest()
})
afterAll(async () => {
  for (const pool of pools) await pool.close(() => undefined)
  await chain?.stop()
  rmSync(dir, { recursive: true, force: true })
})

function check(section: ConfigObject): { config: LightningSettlementConfig | undefined; issues: string[] } {
  const checker = new ConfigChecker()
  const config = plugin.check(section, { checker, path: 'peers[0].settlement', asset: { code: 'BTC', scale: 8 }, file: (v) => (typeof v === 'string' ? join(dir, v) : undefined) })
  return { config, issues: checker.issues.map((i) => `${i.path}: ${i.message}`) }
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  await new Promise((resolve) => server.close(resolve))
  return port
}

describe('the lightning settlement kind', () => {
  it('refuses a bad section, naming each field', () => {
    const { config, issues } = check({ kind: 'lightning', dataDir: 'a', rpc: { url: 'x' }, wallet: {}, peerNodeId: 'zz', peerPort: 1, extra: 1 })
    expect(config).toBeUndefined()
    expect(issues).toEqual(expect.arrayContaining([
      expect.stringContaining('peers[0].settlement.extra'),
      expect.stringContaining('peers[0].settlement.rpc.user'),
      expect.stringContaining('peers[0].settlement.peerNodeId'),
      expect.stringContaining('peers[0].settlement.peerPort')
    ]))
  })

  it('opens both sides from sections that name no node id (each learns the other’s from its hello), funds a channel on the chain and settles', async () => {
    const rpc = { url: chain.rpcUrl, user: chain.rpcUser, password: chain.rpcPassword }
    const wallet = (name: string) => ({ seedFile: `${name}.seed`, journal: `${name}.jsonl` })
    const [toBob, toAlice] = carrierPair()
    const bobPort = await freePort()
    const components = (peerId: string, carrier: typeof toBob, pool: SharedResourcePool) =>
      ({ peerId, carrier, now: Date.now, logger: { info: () => undefined, warn: () => undefined }, shared: pool.scope('lightning') })
    const bobConfig = check({ kind: 'lightning', dataDir: 'bob', rpc, wallet: wallet('bob'), listenPort: bobPort, minimumDepth: 1 })
    expect(bobConfig.issues).toEqual([])
    const bob = await plugin.open(bobConfig.config!, components('alice', toAlice, pools[1]!))
    const aliceConfig = check({ kind: 'lightning', dataDir: 'alice', rpc, wallet: wallet('alice'), peerHost: '127.0.0.1', peerPort: bobPort, channelSats: '500000', minimumDepth: 1 })
    expect(aliceConfig.issues).toEqual([])
    const alice = await plugin.open(aliceConfig.config!, components('bob', toBob, pools[0]!))
    const view = (s: OpenedSettlement) => s.summary() as { node: string; peer: string | null; channels: { usable: boolean }[] }
    // Alice dials bob's node once his hello named it, and proposes the channel.
    await until('the hellos', () => view(alice).peer === view(bob).node && view(bob).peer === view(alice).node)
    await until('the funding', async () => (await rpcOf(chain).getRawMempool()).length > 0)
    await chain.mine(1)
    await until('the channel', () => view(alice).channels[0]?.usable === true && view(bob).channels[0]?.usable === true)
    const credited: bigint[] = []
    bob.channel.setValueHandler(({ amount }) => void credited.push(amount))
    alice.channel.setValueHandler(() => undefined)
    await alice.channel.sendValue(12_345n)
    expect(credited).toEqual([12_345n])
    expect(bob.channel.totals?.()).toEqual({ sent: 0n, received: 12_345n })
    expect(alice.channel.totals?.()).toEqual({ sent: 12_345n, received: 0n })
    expect(ledgers.length).toBe(2)
    // The node id is pinned: a hello naming another node is refused, nothing changes.
    const other = encodeSettlementMessage({ type: 'hello', nodeId: '02' + '11'.repeat(32) })
    await expect(toBob.sendValue(0n, { proof: other })).rejects.toBeInstanceOf(PeerNodeMismatchError)
    expect(view(bob).peer).toBe(view(alice).node)
    await alice.close()
    await bob.close()
  })
})
