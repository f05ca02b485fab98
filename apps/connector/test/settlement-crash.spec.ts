import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import type { Channel } from '@stack/channel-core'
import { createCarrierPair, type MemoryCarrier } from '@stack/channel-core/compliance'
import { EthereumChannel, PaymentChannelContract, SqliteClaimStore as EthereumClaimStore } from '@stack/channel-ethereum'
import { SqliteChannel, SqliteClaimStore } from '@stack/channel-sqlite'
import { generateClaimKeyPair, MemoryChannelDirectory, SqliteClaimStore as XrpClaimStore, XrpClaimChannel } from '@stack/channel-xrp'
import { startEvmNode } from '@stack/evm-node'
import { Connector } from '@stack/ilp-connector'
import { EthereumLedger } from '@stack/ledger-ethereum'
import { SqliteLedger } from '@stack/ledger-sqlite'
import { generateWallet, paymentChannelId } from '@stack/ledger-xrp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SqliteBalanceStore } from '@stack/ilp-connector'
import { CrashPoints } from '@stack/crash-points'

// A pays B over a payment channel when it owes B THRESHOLD (ilp-core Connector, SqliteBalanceStore,
// the channel on its SqliteClaimStore: the real code, two "processes" in one). Either side may be
// killed right after any of its writes — to its claim store or its balance journal, or a commit
// of either — and restarted on its files. After every step the books must be the channels':
// each side's settled totals its channel's, and the two books apart by exactly what A does not
// know B got (a claim whose acceptance the kill lost; the next settlement covers it). In the end,
// after one more settlement, the books agree to the unit and B redeems all it was credited.

const THRESHOLD = 1_000n
const USD = { code: 'USD', scale: 2 }

type Side = 'a' | 'b'

/** One side's channel on its claim store, as the property needs it. */
interface Endpoint {
  readonly channel: Channel
  /** A: the cumulative amount B acknowledged on A's channel. B: the best claim it holds. (What the stores kept before they had totals.) */
  readonly onChannel: () => bigint
  readonly close: () => void
}

interface Pair {
  open(side: Side, file: string, carrier: MemoryCarrier): Endpoint
  /** What B is paid when it redeems all it holds, where that is done here. */
  redeem?(b: Channel): Promise<bigint>
  close?(): void
}

interface Kind {
  /** A fresh pair of accounts and a channel between them, for one run. */
  pair(): Promise<Pair>
  dispose?(): Promise<void>
}

type Step = { readonly owe: bigint; readonly crash: { readonly side: Side; readonly after: number } | undefined }

const step: fc.Arbitrary<Step> = fc.record({
  owe: fc.bigInt({ min: 1n, max: 3n * THRESHOLD }),
  crash: fc.option(fc.record({ side: fc.constantFrom<Side>('a', 'b'), after: fc.integer({ min: 1, max: 8 }) }), { nil: undefined, freq: 3 }),
})

/** Repairs seen at restarts, over all runs: each kind must have made the books take up a write of the channel's. */
const repairs = { a: 0, b: 0 }

async function property(kind: Kind, steps: readonly Step[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'settlement-crash-'))
  const pair = await kind.pair()
  const carriers = createCarrierPair()
  const nodes = {
    a: new Node('a', dir, (file) => pair.open('a', file, carriers[0])),
    b: new Node('b', dir, (file) => pair.open('b', file, carriers[1])),
  }
  const { a, b } = nodes
  const owe = (amount: bigint): void => {
    a.balances.reserve('b', amount).commit() // packets B fulfilled for A
    b.balances.reserve('a', -amount).commit()
  }
  const check = (): bigint => {
    const gap = b.endpoint.onChannel() - a.endpoint.onChannel()
    expect(gap).toBeGreaterThanOrEqual(0n)
    expect(a.balances.get('b').balance + b.balances.get('a').balance).toBe(gap)
    expect(a.balances.settled('b')).toEqual(a.endpoint.channel.totals?.())
    expect(b.balances.settled('a')).toEqual(b.endpoint.channel.totals?.())
    return gap
  }
  try {
    for (const s of steps) {
      owe(s.owe)
      if (s.crash !== undefined) nodes[s.crash.side].points.arm(s.crash.after)
      await a.connector.settle('b')
      for (const node of [a, b]) node.restartIfDead()
      check()
    }
    // One more settlement covers a claim whose acceptance was lost: it must be larger than that
    // claim's growth, else B refuses it as not increasing (the books grow as packets flow).
    for (let amount = THRESHOLD, settled = false; !settled; amount *= 2n) {
      expect(amount).toBeLessThan(THRESHOLD << 20n)
      owe(amount)
      const before = a.connector.counters().settlement.sent
      await a.connector.settle('b')
      settled = a.connector.counters().settlement.sent > before
    }
    expect(check()).toBe(0n)
    const sent = a.balances.settled('b')?.sent ?? 0n
    expect(a.endpoint.channel.totals?.()).toEqual({ sent, received: 0n })
    expect(b.endpoint.channel.totals?.()).toEqual({ sent: 0n, received: sent })
    if (pair.redeem !== undefined) expect(await pair.redeem(b.endpoint.channel)).toBe(sent)
    for (const node of [a, b]) node.balances.audit()
  } finally {
    a.stop()
    b.stop()
    pair.close?.()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** One side: its balance store and claim store files, its channel, its connector; killed at its crash points, restarted on its files. */
class Node {
  readonly points: CrashPoints
  readonly #files: { balances: string; claims: string }
  balances!: SqliteBalanceStore
  endpoint!: Endpoint
  connector!: Connector

  constructor(
    readonly name: Side,
    dir: string,
    readonly open: (file: string) => Endpoint,
  ) {
    this.#files = { balances: join(dir, `${name}.balances`), claims: join(dir, `${name}.claims`) }
    this.points = new CrashPoints(Object.values(this.#files))
    this.start()
  }

  start(): void {
    const peer = this.name === 'a' ? 'b' : 'a'
    this.balances = SqliteBalanceStore.open(this.#files.balances)
    this.endpoint = this.open(this.#files.claims)
    this.connector = new Connector({
      address: `test.${this.name}`,
      routes: { nextHop: () => undefined },
      balances: this.balances,
      logger: { warn: (message) => void (message.startsWith('settlement totals applied') && repairs[this.name]++) },
    })
    // At start, the books take what the channel's totals hold beyond them (Settlement.reconcile).
    this.connector.addPeer({ id: peer, relation: 'peer', asset: USD, channel: this.endpoint.channel, ...(this.name === 'a' ? { settleThreshold: THRESHOLD, settleTo: 0n } : {}) })
  }

  restartIfDead(): void {
    this.points.disarm()
    if (!this.points.dead) return
    this.stop()
    this.points.restart()
    this.start()
  }

  stop(): void {
    this.balances.close()
    this.endpoint.close()
  }
}

const sqlite: Kind = {
  async pair() {
    const dir = mkdtempSync(join(tmpdir(), 'settlement-crash-ledger-'))
    const file = join(dir, 'usd.ledger')
    const setup = SqliteLedger.create(file, { asset: USD })
    for (const id of ['conn-a', 'conn-b']) await setup.createAccount(id)
    await setup.mint({ account: 'conn-a', amount: 1_000_000_000n })
    setup.close()
    // Each side its own connection to the ledger file, as two processes have.
    const ledgers = { a: SqliteLedger.open(file), b: SqliteLedger.open(file) }
    return {
      open(side, claims, carrier) {
        const [account, peerAccount] = side === 'a' ? ['conn-a', 'conn-b'] : ['conn-b', 'conn-a']
        const store = SqliteClaimStore.open(claims, { account, peerAccount })
        const channel = new SqliteChannel({
          ledger: ledgers[side],
          account,
          peerAccount,
          carrier,
          store,
          ...(side === 'a' ? { funding: { deposit: 100_000_000n, settleDelayMs: 86_400_000 } } : {}),
        })
        const onChannel = (): bigint =>
          side === 'a' ? (store.getOutgoing()?.sent ?? 0n) : store.listIncoming().reduce((sum, claim) => sum + claim.amount, 0n)
        return { channel, onChannel, close: () => store.close() }
      },
      async redeem(b) {
        const paid = await (b as SqliteChannel).redeem()
        expect(await ledgers.b.getBalance('conn-b')).toBe(paid)
        return paid
      },
      close() {
        expect(ledgers.a.audit().ok).toBe(true)
        ledgers.a.close()
        ledgers.b.close()
        rmSync(dir, { recursive: true, force: true })
      },
    }
  },
}

const xrp: Kind = {
  async pair() {
    const [payer, payee] = [generateWallet(), generateWallet()]
    const keys = generateClaimKeyPair()
    const channelId = paymentChannelId(payer.classicAddress, payee.classicAddress, 7)
    // The channel as the ledger shows it; no server here (channel-xrp).
    const directory = new MemoryChannelDirectory()
    directory.set({ channelId, account: payer.classicAddress, destination: payee.classicAddress, publicKey: keys.publicKey, amount: 10n ** 12n, balance: 0n })
    return {
      open(side, claims, carrier) {
        const [account, peerAccount] = side === 'a' ? [payer.classicAddress, payee.classicAddress] : [payee.classicAddress, payer.classicAddress]
        const store = XrpClaimStore.open(claims, { account, peerAccount })
        const channel = new XrpClaimChannel({ account, peerAccount, carrier, store, directory, ...(side === 'a' ? { outgoing: { channelId, keys } } : {}) })
        const onChannel = (): bigint => (side === 'a' ? (store.getOutgoing()?.sentOn.get(channelId) ?? 0n) : (store.getIncoming(channelId)?.amount ?? 0n))
        return { channel, onChannel, close: () => store.close() }
      },
    }
  },
}

let chain: { ledgers: Record<Side, EthereumLedger>; contract: PaymentChannelContract; stop(): Promise<void> } | undefined

/** Wei `address` paid for gas in the blocks after `since`. */
async function gasPaid(ledger: EthereumLedger, address: string, since: bigint): Promise<bigint> {
  let paid = 0n
  for (let n = since + 1n, last = await ledger.publicClient.getBlockNumber({ cacheTime: 0 }); n <= last; n++) {
    for (const hash of (await ledger.publicClient.getBlock({ blockNumber: n })).transactions) {
      const receipt = await ledger.publicClient.getTransactionReceipt({ hash })
      if (receipt.from.toLowerCase() === address.toLowerCase()) paid += receipt.gasUsed * receipt.effectiveGasPrice
    }
  }
  return paid
}

const ethereum: Kind = {
  async pair() {
    if (chain === undefined) {
      const node = await startEvmNode({ accounts: 2, chainId: 1341 })
      const connect = (side: Side, key: `0x${string}`): Promise<EthereumLedger> => EthereumLedger.connect({ connection: { rpcUrl: node.rpcUrl }, accounts: { [side]: { privateKey: key } }, pollingIntervalMs: 20 })
      const ledgers = { a: await connect('a', node.keys[0]!), b: await connect('b', node.keys[1]!) }
      const { contract } = await PaymentChannelContract.deploy(ledgers.a, 'a')
      chain = { ledgers, contract, stop: () => node.stop() }
    }
    const { ledgers, contract } = chain
    const address = { a: ledgers.a.addressOf('a'), b: ledgers.b.addressOf('b') }
    return {
      open(side, claims, carrier) {
        const peer = side === 'a' ? 'b' : 'a'
        const store = EthereumClaimStore.open(claims, { chainId: ledgers[side].chainId, contract: contract.address, account: address[side], peer: address[peer] })
        const channel = new EthereumChannel({
          ledger: ledgers[side],
          contract: contract.address,
          account: side,
          peerAddress: address[peer],
          carrier,
          store,
          ...(side === 'a' ? { funding: { deposit: 10n ** 15n, timeoutSeconds: 3_600n } } : {}),
        })
        const onChannel = (): bigint => (side === 'a' ? (store.getOutgoing()?.sent ?? 0n) : store.listIncoming().reduce((sum, claim) => sum + claim.amount, 0n))
        return { channel, onChannel, close: () => store.close() }
      },
      // B is paid on chain what it redeems, less its gas, to the wei; the contract holds that much less.
      async redeem(b) {
        const since = await ledgers.b.publicClient.getBlockNumber({ cacheTime: 0 })
        const [before, held] = [await ledgers.b.getBalance('b'), await ledgers.b.getAddressBalance(contract.address)]
        const paid = await (b as EthereumChannel).redeem()
        expect(await ledgers.b.getBalance('b')).toBe(before + paid - (await gasPaid(ledgers.b, address.b, since)))
        expect(await ledgers.b.getAddressBalance(contract.address)).toBe(held - paid)
        return paid
      },
    }
  },
  dispose: async () => chain?.stop(),
}

describe.each([
  ['sqlite', sqlite, 40],
  ['xrp', xrp, 40],
  ['ethereum', ethereum, 12],
] as const)('settlement over %s channels, either side killed after any write', (name, kind, numRuns) => {
  beforeAll(() => {
    repairs.a = repairs.b = 0
  })
  afterAll(async () => {
    await kind.dispose?.()
  })

  it('keeps every book equal to its channel: nothing paid twice, nothing forgotten', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), (steps) => property(kind, steps)),
      { numRuns },
    )
    if (process.env.SETTLEMENT_CRASH_LOG !== undefined) console.log(name, { repairs })
    // The kills did land between a claim's write and the books': restarts repaired both sides.
    expect(repairs.a, `${name}: restarts that applied A's sent total`).toBeGreaterThan(0)
    expect(repairs.b, `${name}: restarts that applied B's received total`).toBeGreaterThan(0)
  }, 120_000)
})
