import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { decode, verifyPaymentChannelClaim } from 'xrpl'
import { dropsToXrp, generateWallet, paymentChannelId, type KeyAlgorithm } from '@stack/ledger-xrp'
import { createCarrierPair } from '@stack/channel-core/compliance'
import {
  ClaimNotIncreasingError,
  generateClaimKeyPair,
  InvalidChannelOptionError,
  MemoryChannelDirectory,
  MemoryClaimStore,
  SqliteClaimStore,
  XrpClaimChannel,
  XrpScheme,
  type ClaimStore as AnyClaimStore,
  type ClaimStoreScope,
  type IncomingClaim as AnyIncomingClaim,
  type XrpOutgoingState
} from '../src/index.js'

type ClaimStore = AnyClaimStore<string, XrpOutgoingState>
type IncomingClaim = AnyIncomingClaim<string>

const dir = mkdtempSync(join(tmpdir(), 'channel-xrp-claims-'))
let files = 0
const freshFile = (): string => join(dir, `claims-${++files}.sqlite`)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const alice = generateWallet('ed25519').classicAddress
const bob = generateWallet('secp256k1').classicAddress
const carol = generateWallet('ed25519').classicAddress
const aliceWithBob: ClaimStoreScope = { account: alice, peerAccount: bob }
const aliceWithCarol: ClaimStoreScope = { account: alice, peerAccount: carol }

const channelIds = ['A', 'B', 'C', 'D'].map((digit) => digit.repeat(64))
const [one, two, three] = channelIds as [string, string, string]
const claim = (channelId: string, amount: bigint, receivedAt = 1_700_000_000_000): IncomingClaim => ({
  channelId,
  amount,
  signature: `30${amount.toString(16).toUpperCase().padStart(16, '0')}`,
  receivedAt
})

// The payer's state on `channelId` as the scheme reads it from the store, and a payment accepted on it.
const onChannel = (channelId: string) => new XrpScheme(alice, bob, new MemoryChannelDirectory(), { channelId, keys: generateClaimKeyPair() })
const getSent = (store: ClaimStore, channelId: string): bigint => onChannel(channelId).outgoing(store.getOutgoing()).sent
function putSent(store: ClaimStore, channelId: string, sent: bigint, total?: bigint): void {
  store.putOutgoing({ ...onChannel(channelId).outgoing(store.getOutgoing()), sent }, total)
}

/** Everything a ClaimStore lets a caller see, for the channel ids we use. */
function observe(store: ClaimStore) {
  return {
    sent: channelIds.map((id) => getSent(store, id)),
    incoming: channelIds.map((id) => store.getIncoming(id)),
    list: store.listIncoming(),
    totals: store.getTotals()
  }
}

describe('SqliteClaimStore', () => {
  it('round-trips sent amounts and incoming claims through every method', () => {
    const store = SqliteClaimStore.open(freshFile(), aliceWithBob)
    expect(getSent(store, one)).toBe(0n)
    putSent(store, one, 250n)
    putSent(store, one, 10n ** 17n) // above 2^53: kept exactly, as decimal text
    putSent(store, two, 1n)
    expect([getSent(store, one), getSent(store, two), getSent(store, three)]).toEqual([10n ** 17n, 1n, 0n])

    expect(store.getIncoming(one)).toBeUndefined()
    expect(store.listIncoming()).toEqual([])
    store.putIncoming(claim(one, 100n))
    store.putIncoming(claim(two, 18_446_744_073_709_551_615n, 5))
    store.putIncoming(claim(one, 300n, 7)) // a better claim replaces the best one, keeping its place in the list
    expect(store.getIncoming(one)).toEqual(claim(one, 300n, 7))
    expect(store.getIncoming(two)).toEqual(claim(two, 18_446_744_073_709_551_615n, 5))
    expect(store.listIncoming()).toEqual([claim(one, 300n, 7), claim(two, 18_446_744_073_709_551_615n, 5)])
    store.deleteIncoming(one)
    store.deleteIncoming(three) // nothing there: no error
    expect(store.getIncoming(one)).toBeUndefined()
    expect(store.listIncoming()).toEqual([claim(two, 18_446_744_073_709_551_615n, 5)])
    store.close()
  })

  it('keeps channel ids uppercase, whatever case they are given in', () => {
    const store = SqliteClaimStore.open(':memory:', aliceWithBob)
    putSent(store, one.toLowerCase(), 5n)
    store.putIncoming(claim('ab'.repeat(32), 9n))
    expect(getSent(store, one)).toBe(5n)
    expect(store.getIncoming('AB'.repeat(32))).toEqual(claim('AB'.repeat(32), 9n))
    expect(store.listIncoming().map((c) => c.channelId)).toEqual(['AB'.repeat(32)])
    store.deleteIncoming('AB'.repeat(32))
    expect(store.getIncoming('ab'.repeat(32))).toBeUndefined()
    store.close()
  })

  it('gives the same state back after it is closed and reopened', () => {
    const file = freshFile()
    const store = SqliteClaimStore.open(file, aliceWithBob)
    putSent(store, one, 4_251n)
    store.putIncoming(claim(two, 700n, 11))
    store.putIncoming(claim(three, 1n, 12))
    store.deleteIncoming(three)
    const before = observe(store)
    store.close()
    const reopened = SqliteClaimStore.open(file, aliceWithBob)
    expect(observe(reopened)).toEqual(before)
    expect(getSent(reopened, one)).toBe(4_251n)
    expect(reopened.listIncoming()).toEqual([claim(two, 700n, 11)])
    reopened.close()
  })

  it('keeps two scopes in one file apart, each open at the same time', () => {
    const file = freshFile()
    const withBob = SqliteClaimStore.open(file, aliceWithBob)
    const withCarol = SqliteClaimStore.open(file, aliceWithCarol)
    const bobSide = SqliteClaimStore.open(file, { account: bob, peerAccount: alice })
    putSent(withBob, one, 10n)
    withBob.putIncoming(claim(two, 20n))
    withCarol.putIncoming(claim(three, 30n))
    // Even the same channel id (a misconfiguration) does not cross scopes.
    putSent(withCarol, one, 99n)
    withCarol.putIncoming(claim(two, 40n))
    expect(getSent(withBob, one)).toBe(10n)
    expect(withBob.listIncoming()).toEqual([claim(two, 20n)])
    expect(withBob.getIncoming(three)).toBeUndefined()
    expect(getSent(withCarol, one)).toBe(99n)
    expect(withCarol.listIncoming()).toEqual([claim(three, 30n), claim(two, 40n)])
    expect(observe(bobSide)).toEqual(observe(new MemoryClaimStore<string, XrpOutgoingState>()))
    withCarol.deleteIncoming(two)
    expect(withBob.getIncoming(two)).toEqual(claim(two, 20n))
    for (const store of [withBob, withCarol, bobSide]) store.close()
    const reopened = SqliteClaimStore.open(file, aliceWithCarol)
    expect(reopened.listIncoming()).toEqual([claim(three, 30n)])
    reopened.close()
  })

  it('refuses a scope that is not two different classic addresses, before touching the file', () => {
    const file = freshFile()
    const refused: ClaimStoreScope[] = [
      { account: 'nobody', peerAccount: bob },
      { account: alice, peerAccount: '' },
      { account: alice, peerAccount: alice.toLowerCase() },
      { account: alice, peerAccount: 'X7AcgcsBL6XDcUb289X4mJ8djcdyKaB5hJDWMArnXr61cqZ' }, // an X-address
      { account: alice, peerAccount: alice }
    ]
    for (const scope of refused) expect(() => SqliteClaimStore.open(file, scope)).toThrow(InvalidChannelOptionError)
    expect(existsSync(file)).toBe(false)
  })

  it('refuses a receivedAt that is not an integer rather than storing it rounded', () => {
    const store = SqliteClaimStore.open(':memory:', aliceWithBob)
    expect(() => store.putIncoming(claim(one, 1n, 1.5))).toThrow()
    expect(store.getIncoming(one)).toBeUndefined()
    store.close()
  })
})

describe('SqliteClaimStore against MemoryClaimStore', () => {
  const scopes = [aliceWithBob, aliceWithCarol] as const
  const channelId = fc.constantFrom(...channelIds)
  const scope = fc.constantFrom(0, 1)
  // A write may carry the new total of its direction (channel-core ChannelTotals), or not.
  const total = fc.option(fc.bigInt({ min: 0n, max: 10n ** 20n }), { nil: undefined })
  const operation = fc.oneof(
    fc.record({ kind: fc.constant('putSent' as const), scope, channelId, amount: fc.bigInt({ min: 0n, max: 10n ** 17n }), total }),
    fc.record({
      kind: fc.constant('putIncoming' as const),
      scope,
      total,
      claim: fc.record({
        channelId,
        amount: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        signature: fc.uint8Array({ minLength: 8, maxLength: 72 }).map((bytes) => Buffer.from(bytes).toString('hex').toUpperCase()),
        receivedAt: fc.maxSafeNat()
      })
    }),
    fc.record({ kind: fc.constant('deleteIncoming' as const), scope, channelId, total })
  )

  it('shows the same state after any sequence of puts and deletes, also after reopening', () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 40 }), (operations) => {
        const file = freshFile()
        const memory = scopes.map(() => new MemoryClaimStore<string, XrpOutgoingState>())
        const sqlite = scopes.map((s) => SqliteClaimStore.open(file, s))
        try {
          for (const op of operations) {
            for (const store of [memory[op.scope], sqlite[op.scope]] as ClaimStore[]) {
              if (op.kind === 'putSent') putSent(store, op.channelId, op.amount, op.total)
              else if (op.kind === 'putIncoming') store.putIncoming(op.claim, op.total)
              else store.deleteIncoming(op.channelId, op.total)
            }
          }
          for (const i of [0, 1]) expect(observe(sqlite[i] as SqliteClaimStore)).toEqual(observe(memory[i] as ClaimStore))
        } finally {
          for (const store of sqlite) store.close()
        }
        const reopened = scopes.map((s) => SqliteClaimStore.open(file, s))
        try {
          for (const i of [0, 1]) expect(observe(reopened[i] as SqliteClaimStore)).toEqual(observe(memory[i] as ClaimStore))
        } finally {
          for (const store of reopened) store.close()
        }
      }),
      { numRuns: 100 }
    )
  })
})

describe.each(['secp256k1', 'ed25519'] as const)('XrpClaimChannel on SqliteClaimStore across a restart (%s claims)', (algorithm: KeyAlgorithm) => {
  function setup() {
    const aliceWallet = generateWallet(algorithm)
    const bobWallet = generateWallet(algorithm === 'ed25519' ? 'secp256k1' : 'ed25519')
    const keys = generateClaimKeyPair(algorithm)
    const channelId = paymentChannelId(aliceWallet.classicAddress, bobWallet.classicAddress, 3)
    const directory = new MemoryChannelDirectory()
    directory.set({ channelId, account: aliceWallet.classicAddress, destination: bobWallet.classicAddress, publicKey: keys.publicKey, amount: 10_000n, balance: 0n })
    const files = { alice: freshFile(), bob: freshFile() }
    const paid: bigint[] = []
    const credited: bigint[] = []
    /** Both endpoints as a process starting up: stores opened from their files, a new link between them. */
    const start = () => {
      const aliceStore = SqliteClaimStore.open(files.alice, { account: aliceWallet.classicAddress, peerAccount: bobWallet.classicAddress })
      const bobStore = SqliteClaimStore.open(files.bob, { account: bobWallet.classicAddress, peerAccount: aliceWallet.classicAddress })
      const [a, b] = createCarrierPair()
      const payer = new XrpClaimChannel({
        account: aliceWallet.classicAddress,
        peerAccount: bobWallet.classicAddress,
        carrier: a,
        store: aliceStore,
        directory,
        outgoing: { channelId, keys }
      })
      const payee = new XrpClaimChannel({ account: bobWallet.classicAddress, peerAccount: aliceWallet.classicAddress, carrier: b, store: bobStore, directory, wallet: bobWallet })
      payee.setValueHandler(({ amount }) => void credited.push(amount))
      const pay = async (amount: bigint) => {
        await payer.sendValue(amount)
        paid.push(amount)
      }
      const stop = async () => {
        await payer.stop()
        await payee.stop()
        aliceStore.close()
        bobStore.close()
      }
      return { a, b, payer, payee, pay, stop }
    }
    return { bobWallet, keys, channelId, paid, credited, start }
  }
  const sum = (values: readonly bigint[]) => values.reduce((total, value) => total + value, 0n)

  it('continues the cumulative claim, credits only the growth, and redeems the total', async () => {
    const { bobWallet, keys, channelId, paid, credited, start } = setup()
    const before = start()
    await before.pay(300n)
    await before.pay(200n)
    const [older, best] = before.a.sent as [Uint8Array, Uint8Array]
    await before.stop()

    const after = start()
    expect(after.payer.summary().outgoing).toEqual({ channelId, sent: 500n })
    expect(after.payee.summary().incoming).toMatchObject([{ channelId, best: 500n }])
    // The payee remembers its best claim: replayed on the new link, an older one is refused and
    // the best one itself is taken as a re-send, crediting nothing.
    await expect(after.a.sendValue(300n, { proof: older })).rejects.toBeInstanceOf(ClaimNotIncreasingError)
    await after.a.sendValue(200n, { proof: best })
    expect(credited).toEqual([300n, 200n])
    await after.pay(50n)
    await after.pay(7n)

    expect(credited).toEqual([300n, 200n, 50n, 7n])
    expect(sum(paid)).toBe(557n)
    expect(sum(credited)).toBe(557n)
    expect(after.payer.summary().outgoing).toEqual({ channelId, sent: 557n })
    expect(after.payee.summary().incoming).toMatchObject([{ channelId, best: 557n }])
    const redemption = await after.payee.redemption(channelId, { fee: 12n, sequence: 4 })
    expect(redemption.balance).toBe(557n)
    const tx = decode(redemption.txBlob)
    expect(tx).toMatchObject({ TransactionType: 'PaymentChannelClaim', Account: bobWallet.classicAddress, Channel: channelId, Balance: '557', Amount: '557' })
    expect(verifyPaymentChannelClaim(channelId, dropsToXrp(557n), tx.Signature as string, keys.publicKey)).toBe(true)
    await after.stop()
  })

  it('settles a payment whose acknowledgement was lost before the restart exactly once', async () => {
    const { channelId, paid, credited, start } = setup()
    const before = start()
    await before.pay(100n)
    before.a.loseAcks = true
    await expect(before.pay(40n)).rejects.toThrow() // the payee holds 140 and credited 40; the payer never heard
    await before.stop()

    const after = start()
    expect(after.payer.summary().outgoing).toEqual({ channelId, sent: 100n })
    expect(after.payee.summary().incoming).toMatchObject([{ channelId, best: 140n }])
    await after.pay(40n) // re-signs 140: accepted, nothing credited twice
    await after.pay(60n)

    expect(credited).toEqual([100n, 40n, 60n])
    expect(paid).toEqual([100n, 40n, 60n])
    expect(sum(paid)).toBe(sum(credited))
    expect(after.payer.summary().outgoing).toEqual({ channelId, sent: 200n })
    expect((await after.payee.redemption(channelId, { fee: 12n, sequence: 1 })).balance).toBe(200n)
    await after.stop()
  })
})
