import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import Database from 'better-sqlite3'
import { getAddress, toHex, type Address, type Hex } from 'viem'
import type { EthereumLedger } from '@stack/ledger-ethereum'
import {
  decodeClaimProof,
  InvalidChannelOptionError,
  MemoryClaimStore,
  paymentChannelAbi,
  SqliteClaimStore,
  type ClaimStore as AnyClaimStore,
  type ClaimStoreScope,
  type EthereumOutgoingState as OutgoingState,
  type IncomingClaim as AnyIncomingClaim
} from '../src/index.js'
import { Chain, Pair } from './fixtures/chain.js'

const MAX_UINT256 = (1n << 256n) - 1n

const address = (n: number): Address => getAddress(`0x${n.toString(16).padStart(40, 'a')}`)
const channelId = (n: number): Hex => `0x${n.toString(16).padStart(64, '0')}`
const signature = (n: number): Hex => `0x${n.toString(16).padStart(130, '1')}`

const scope: ClaimStoreScope = { chainId: 1337, contract: address(1), account: address(2), peer: address(3) }

type ClaimStore = AnyClaimStore<Hex, OutgoingState>
type IncomingClaim = AnyIncomingClaim<Hex>
const claim = (n: number, amount: bigint): IncomingClaim => ({ channelId: channelId(n), amount, signature: signature(n), receivedAt: 1_700_000_000_000 + n })
/** Our channel forgotten (reclaimed): the engine's state without a channel. */
const NONE: OutgoingState = { channelId: undefined, deposit: 0n, sent: 0n, carry: 0n }

/** What a ClaimStore shows through its interface, for the ids it may hold (no channel: as if none was ever stored). */
function observe(store: ClaimStore, ids: readonly Hex[]): unknown {
  const outgoing = store.getOutgoing()
  return { outgoing: outgoing?.channelId === undefined ? undefined : outgoing, incoming: store.listIncoming(), byId: ids.map((id) => store.getIncoming(id)), totals: store.getTotals() }
}

let dir: string
let open: SqliteClaimStore[] = []
let files = 0

/** A store on a file of this suite's temp directory, closed after the test. */
function openStore(file: string, storeScope: ClaimStoreScope = scope): SqliteClaimStore {
  const store = SqliteClaimStore.open(file === ':memory:' ? file : join(dir, file), storeScope)
  open.push(store)
  return store
}

function closeStore(store: SqliteClaimStore): void {
  store.close()
  open = open.filter((s) => s !== store)
}

function freshFile(): string {
  return `claims-${++files}.sqlite`
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'channel-ethereum-claims-'))
})
afterEach(() => {
  for (const store of open) store.close()
  open = []
})
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

describe('SqliteClaimStore', () => {
  it('round-trips the outgoing state: absent, stored, replaced, forgotten', () => {
    const store = openStore(freshFile())
    expect(store.getOutgoing()).toBeUndefined()
    const state: OutgoingState = { channelId: channelId(7), deposit: 10n ** 18n, sent: 12_345n, carry: 0n }
    store.putOutgoing(state)
    expect(store.getOutgoing()).toEqual(state)
    const next: OutgoingState = { channelId: channelId(8), deposit: MAX_UINT256, sent: MAX_UINT256 - 1n, carry: 0n }
    store.putOutgoing(next)
    expect(store.getOutgoing()).toEqual(next)
    store.putOutgoing(NONE)
    expect(store.getOutgoing()).toBeUndefined()
    store.putOutgoing(NONE) // forgetting nothing is not an error
    expect(store.getOutgoing()).toBeUndefined()
  })

  it('round-trips incoming claims: stored, replaced in place, listed in first-stored order, deleted', () => {
    const store = openStore(freshFile())
    expect(store.listIncoming()).toEqual([])
    expect(store.getIncoming(channelId(1))).toBeUndefined()
    store.putIncoming(claim(1, 100n))
    store.putIncoming(claim(2, MAX_UINT256))
    store.putIncoming(claim(3, 1n))
    expect(store.getIncoming(channelId(2))).toEqual(claim(2, MAX_UINT256))
    const better = { ...claim(1, 250n), signature: signature(99) }
    store.putIncoming(better)
    expect(store.getIncoming(channelId(1))).toEqual(better)
    expect(store.listIncoming()).toEqual([better, claim(2, MAX_UINT256), claim(3, 1n)])
    store.deleteIncoming(channelId(2))
    store.deleteIncoming(channelId(9)) // absent: nothing happens
    expect(store.getIncoming(channelId(2))).toBeUndefined()
    store.putIncoming(claim(2, 5n))
    expect(store.listIncoming()).toEqual([better, claim(3, 1n), claim(2, 5n)])
  })

  it('gives the same state after the file is closed and reopened', () => {
    const file = freshFile()
    const store = openStore(file)
    const state: OutgoingState = { channelId: channelId(4), deposit: 1_000n, sent: 900n, carry: 0n }
    store.putOutgoing(state)
    store.putIncoming(claim(5, 77n))
    store.putIncoming(claim(6, 88n))
    store.deleteIncoming(channelId(5))
    closeStore(store)
    const reopened = openStore(file)
    expect(reopened.getOutgoing()).toEqual(state)
    expect(reopened.listIncoming()).toEqual([claim(6, 88n)])
    expect(reopened.getIncoming(channelId(6))).toEqual(claim(6, 88n))
  })

  it('opens a file written before claims had an arrival time: its claims kept, counted as arrived at 0', () => {
    const file = freshFile()
    const old = new Database(join(dir, file))
    old.exec(`CREATE TABLE eth_incoming (chain_id INTEGER NOT NULL, contract TEXT NOT NULL, account TEXT NOT NULL, peer TEXT NOT NULL,
      channel_id TEXT NOT NULL, sender TEXT NOT NULL, amount TEXT NOT NULL, signature TEXT NOT NULL, PRIMARY KEY (chain_id, contract, account, peer, channel_id))`)
    const lower = { chainId: scope.chainId, contract: scope.contract.toLowerCase(), account: scope.account.toLowerCase(), peer: scope.peer.toLowerCase() }
    old.prepare('INSERT INTO eth_incoming VALUES (@chainId, @contract, @account, @peer, @channelId, @peer, @amount, @signature)').run({ ...lower, channelId: channelId(1), amount: '500', signature: signature(1) })
    old.close()
    const store = openStore(file)
    expect(store.listIncoming()).toEqual([{ ...claim(1, 500n), receivedAt: 0 }])
    store.putIncoming(claim(1, 600n))
    expect(store.getIncoming(channelId(1))).toEqual(claim(1, 600n))
  })

  it('refuses a state with carry, which this scheme never makes and this store does not keep', () => {
    const store = openStore(freshFile())
    expect(() => store.putOutgoing({ channelId: channelId(1), deposit: 10n, sent: 1n, carry: 1n }, 1n)).toThrow(InvalidChannelOptionError)
    expect(observe(store, [channelId(1)])).toEqual({ outgoing: undefined, incoming: [], byId: [undefined], totals: { sent: 0n, received: 0n } })
  })

  it('works in memory', () => {
    const store = openStore(':memory:')
    store.putIncoming(claim(1, 1n))
    expect(store.listIncoming()).toEqual([claim(1, 1n)])
  })

  it('isolates the scopes that share one file: another peer, account, contract or chain sees nothing of ours', () => {
    const file = freshFile()
    const others: ClaimStoreScope[] = [
      { ...scope, peer: address(4) },
      { ...scope, account: address(4) },
      { ...scope, contract: address(4) },
      { ...scope, chainId: 1 },
      // Roles swapped: the peer's own view of the same channels is another scope.
      { ...scope, account: scope.peer, peer: scope.account }
    ]
    const ours = openStore(file)
    const theirs = others.map((other) => openStore(file, other))
    ours.putOutgoing({ channelId: channelId(1), deposit: 10n, sent: 1n, carry: 0n })
    ours.putIncoming(claim(2, 2n))
    for (const store of theirs) {
      expect(store.getOutgoing()).toBeUndefined()
      expect(store.listIncoming()).toEqual([])
      expect(store.getIncoming(channelId(2))).toBeUndefined()
    }
    // The same channel id under another scope is another row: writes and deletes stay apart.
    theirs.forEach((store, i) => {
      store.putOutgoing({ channelId: channelId(1), deposit: 100n + BigInt(i), sent: 0n, carry: 0n })
      store.putIncoming(claim(2, 1_000n + BigInt(i)))
    })
    theirs[0]?.deleteIncoming(channelId(2))
    theirs[1]?.putOutgoing(NONE)
    expect(ours.getOutgoing()).toEqual({ channelId: channelId(1), deposit: 10n, sent: 1n, carry: 0n })
    expect(ours.listIncoming()).toEqual([claim(2, 2n)])
    expect(theirs[2]?.listIncoming()).toEqual([claim(2, 1_002n)])
    expect(theirs[3]?.getOutgoing()).toEqual({ channelId: channelId(1), deposit: 103n, sent: 0n, carry: 0n })
  })

  it('compares a scope’s addresses case-insensitively', () => {
    const file = freshFile()
    openStore(file).putIncoming(claim(1, 42n))
    const lower = openStore(file, { ...scope, contract: scope.contract.toLowerCase() as Address, account: scope.account.toLowerCase() as Address, peer: scope.peer.toLowerCase() as Address })
    expect(lower.listIncoming()).toEqual([claim(1, 42n)])
  })

  it('refuses a bad scope with InvalidChannelOptionError, before touching the file', () => {
    const bad: [string, unknown][] = [
      ['chainId', 0],
      ['chainId', -1],
      ['chainId', 1.5],
      ['chainId', 2 ** 53],
      ['chainId', Number.NaN],
      ['chainId', '1'],
      ['chainId', 1n],
      ['contract', 'nope'],
      ['contract', '0x1234'],
      ['contract', undefined],
      ['account', `0x${'A'.repeat(39)}b`], // mixed case with a wrong checksum
      ['peer', ''],
      ['peer', 42]
    ]
    for (const [field, value] of bad) {
      const file = join(dir, freshFile())
      const attempt = (): SqliteClaimStore => SqliteClaimStore.open(file, { ...scope, [field]: value } as ClaimStoreScope)
      expect(attempt, `${field} = ${String(value)}`).toThrow(InvalidChannelOptionError)
      expect(thrownBy(attempt)).toMatchObject({ field: `scope.${field}` })
      expect(existsSync(file)).toBe(false)
    }
    expect(() => SqliteClaimStore.open(':memory:', undefined as unknown as ClaimStoreScope)).toThrow(InvalidChannelOptionError)
  })

  it('behaves as MemoryClaimStore under any sequence of writes, on two scopes of one file, and after reopening', () => {
    // Two ids that differ only in case are two keys to MemoryClaimStore: to this store too.
    const ids = [channelId(1), channelId(2), channelId(0xabc), `0x${channelId(0xabc).slice(2).toUpperCase()}` as Hex]
    const amount = fc.bigInt({ min: 0n, max: MAX_UINT256 })
    const hex = (length: number) => fc.uint8Array({ minLength: length, maxLength: length }).map((bytes) => toHex(bytes))
    const outgoing = fc.record({ channelId: fc.constantFrom(...ids), deposit: amount, sent: amount, carry: fc.constant(0n) })
    const incoming = fc.record({ channelId: fc.constantFrom(...ids), amount, signature: hex(65), receivedAt: fc.nat() })
    // A write may carry the new total of its direction (channel-core ChannelTotals), or not.
    const total = fc.option(amount, { nil: undefined })
    const operation = fc.tuple(
      fc.integer({ min: 0, max: 1 }), // which scope
      fc.oneof(
        fc.tuple(outgoing, total).map(([state, sent]) => (store: ClaimStore) => store.putOutgoing(state, sent)),
        total.map((sent) => (store: ClaimStore) => store.putOutgoing(NONE, sent)),
        fc.tuple(incoming, total).map(([value, received]) => (store: ClaimStore) => store.putIncoming(value, received)),
        incoming.map((value) => (store: ClaimStore) => store.putIncoming(value)),
        fc.tuple(fc.constantFrom(...ids), total).map(([id, received]) => (store: ClaimStore) => store.deleteIncoming(id, received))
      )
    )
    const scopes: ClaimStoreScope[] = [scope, { ...scope, peer: address(5) }]
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 40 }), (operations) => {
        const file = freshFile()
        const models = scopes.map(() => new MemoryClaimStore<Hex, OutgoingState>())
        const stores = scopes.map((s) => openStore(file, s))
        for (const [which, apply] of operations) {
          apply(models[which] as ClaimStore)
          apply(stores[which] as ClaimStore)
        }
        stores.forEach((store, i) => expect(observe(store, ids)).toEqual(observe(models[i] as ClaimStore, ids)))
        for (const store of stores) closeStore(store)
        const reopened = scopes.map((s) => openStore(file, s))
        reopened.forEach((store, i) => expect(observe(store, ids)).toEqual(observe(models[i] as ClaimStore, ids)))
        for (const store of reopened) closeStore(store)
      }),
      { numRuns: 60 }
    )
  })
})

function thrownBy(f: () => unknown): unknown {
  try {
    f()
  } catch (error) {
    return error
  }
  throw new Error('did not throw')
}

/** Gas fees paid by `from` in blocks after `after`. */
async function feesPaid(ledger: EthereumLedger, from: Address, after: bigint): Promise<bigint> {
  const client = ledger.publicClient
  let fees = 0n
  const last = await client.getBlockNumber()
  for (let number = after + 1n; number <= last; number++) {
    const block = await client.getBlock({ blockNumber: number, includeTransactions: true })
    for (const tx of block.transactions) {
      if (tx.from.toLowerCase() !== from.toLowerCase()) continue
      const receipt = await client.getTransactionReceipt({ hash: tx.hash })
      fees += receipt.gasUsed * receipt.effectiveGasPrice
    }
  }
  return fees
}

describe('EthereumChannel on SqliteClaimStore', () => {
  let chain: Chain
  beforeAll(async () => {
    chain = await Chain.start()
  })
  afterAll(async () => {
    await chain.stop()
  })

  it('carries on after both ends restart: the same channel, the cumulative amount continued, only the growth credited, settled with the best claim, value conserved', async () => {
    const aliceAddress = chain.alice.addressOf('alice')
    const bobAddress = chain.bob.addressOf('bob')
    const aliceScope: ClaimStoreScope = { chainId: chain.alice.chainId, contract: chain.address, account: aliceAddress, peer: bobAddress }
    const bobScope: ClaimStoreScope = { chainId: chain.bob.chainId, contract: chain.address, account: bobAddress, peer: aliceAddress }
    const aliceFile = freshFile()
    const bobFile = freshFile()
    const funding = { deposit: 1_000_000n, timeoutSeconds: 600n }
    const startBlock = await chain.alice.publicClient.getBlockNumber()
    const aliceBefore = await chain.alice.getBalance('alice')
    const bobBefore = await chain.bob.getBalance('bob')

    const before = new Pair(chain, { alice: { funding, store: openStore(aliceFile, aliceScope) }, bob: { store: openStore(bobFile, bobScope) } })
    for (const amount of [100_000n, 200_000n, 300_000n]) await before.alice.sendValue(amount)
    expect(before.credited.map((value) => value.amount)).toEqual([100_000n, 200_000n, 300_000n])
    const { channelId: opened } = decodeClaimProof(before.carriers[0].sent[0] as Uint8Array)

    // Both ends stop without closing or redeeming anything (as a crash would), and come back
    // as new endpoints on the reopened files (addresses given in another case), on a new link.
    before.carriers[0].setValueHandler(undefined)
    before.carriers[1].setValueHandler(undefined)
    for (const store of [...open]) closeStore(store)
    const lower = (s: ClaimStoreScope): ClaimStoreScope => ({ ...s, contract: s.contract.toLowerCase() as Address, account: s.account.toLowerCase() as Address, peer: s.peer.toLowerCase() as Address })
    const aliceStore = openStore(aliceFile, lower(aliceScope))
    const bobStore = openStore(bobFile, lower(bobScope))
    expect(aliceStore.getOutgoing()).toEqual({ channelId: opened, deposit: 1_000_000n, sent: 600_000n, carry: 0n })
    expect(bobStore.listIncoming().map((c) => [c.channelId, c.amount])).toEqual([[opened, 600_000n]])

    const after = new Pair(chain, { alice: { funding, store: aliceStore }, bob: { store: bobStore } })
    await after.alice.sendValue(250_000n)
    await after.alice.sendValue(450_000n) // needs 1 300 000 of the 1 000 000 locked: tops up the same channel
    expect(after.credited.map((value) => value.amount)).toEqual([250_000n, 450_000n])
    expect(after.carriers[0].sent.map((proof) => decodeClaimProof(proof))).toMatchObject([
      { channelId: opened, amount: 850_000n },
      { channelId: opened, amount: 1_300_000n }
    ])
    expect(await after.alice.outgoingChannel()).toMatchObject({ id: opened, deposit: 2_000_000n, claimed: 0n, closed: false })
    const openings = await chain.alice.publicClient.getContractEvents({ address: chain.address, abi: paymentChannelAbi, eventName: 'ChannelOpened', fromBlock: startBlock + 1n })
    expect(openings).toHaveLength(1)

    expect(await after.bob.settle()).toBe(1_300_000n)
    expect(await after.alice.outgoingChannel()).toMatchObject({ claimed: 1_300_000n, closed: true })
    expect(bobStore.listIncoming()).toEqual([])

    // Conservation: alice's ether went to bob (the claims) and to gas (her open and top-up),
    // bob's came from alice less his gas (the close), the contract keeps nothing.
    const aliceFees = await feesPaid(chain.alice, aliceAddress, startBlock)
    const bobFees = await feesPaid(chain.bob, bobAddress, startBlock)
    const aliceSpent = aliceBefore - (await chain.alice.getBalance('alice')) - aliceFees
    const bobGained = (await chain.bob.getBalance('bob')) - bobBefore + bobFees
    expect(aliceSpent).toBe(1_300_000n)
    expect(bobGained).toBe(aliceSpent)
    expect(await chain.alice.getAddressBalance(chain.address)).toBe(0n)
  })
  it('opens a new channel after a restart when the stored one was closed while it was down', async () => {
    const aliceScope: ClaimStoreScope = { chainId: chain.alice.chainId, contract: chain.address, account: chain.alice.addressOf('alice'), peer: chain.bob.addressOf('bob') }
    const bobScope: ClaimStoreScope = { chainId: chain.bob.chainId, contract: chain.address, account: chain.bob.addressOf('bob'), peer: chain.alice.addressOf('alice') }
    const aliceFile = freshFile()
    const bobFile = freshFile()
    const funding = { deposit: 1_000_000n, timeoutSeconds: 600n }
    const aliceStore = openStore(aliceFile, aliceScope)
    const bobStore = openStore(bobFile, bobScope)
    const before = new Pair(chain, { alice: { funding, store: aliceStore }, bob: { store: bobStore } })
    await before.alice.sendValue(100_000n)
    const { channelId: first } = decodeClaimProof(before.carriers[0].sent[0] as Uint8Array)
    // Alice goes down; meanwhile bob closes her channel with the best claim (an operator's
    // reclaim would close it too). Her store still names that channel.
    before.carriers[0].setValueHandler(undefined)
    closeStore(aliceStore)
    expect(await before.bob.settle()).toBe(100_000n)
    before.carriers[1].setValueHandler(undefined)

    const after = new Pair(chain, { alice: { funding, store: openStore(aliceFile, aliceScope) }, bob: { store: bobStore } })
    await after.alice.sendValue(50_000n)
    const claim = decodeClaimProof(after.carriers[0].sent[0] as Uint8Array)
    expect(claim.channelId).not.toBe(first)
    expect(claim.amount).toBe(50_000n)
    expect(after.credited.map((value) => value.amount)).toEqual([50_000n])
  })
})
