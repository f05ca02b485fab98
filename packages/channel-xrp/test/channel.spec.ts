import { describe, expect, it } from 'vitest'
import { decode, verifyPaymentChannelClaim, verifySignature } from 'xrpl'
import { dropsToXrp, generateWallet, paymentChannelId, type KeyAlgorithm } from '@stack/ledger-xrp'
import {
  ChannelShutDownError,
  ClaimExceedsDepositError,
  ClaimNotIncreasingError,
  ClaimSignatureError,
  DepositExhaustedError,
  generateClaimKeyPair,
  InvalidChannelOptionError,
  MemoryChannelDirectory,
  MemoryClaimStore,
  NoOutgoingChannelError,
  NothingToRedeemError,
  NoValueHandlerError,
  signClaim,
  XrpClaimChannel,
  decodeClaimProof,
  encodeClaimProof,
  type XrpOutgoingState
} from '../src/index.js'
import { createCarrierPair } from '@stack/channel-core/compliance'

function setup(algorithm: KeyAlgorithm, amount = 10_000n) {
  const aliceWallet = generateWallet(algorithm)
  const bobWallet = generateWallet(algorithm === 'ed25519' ? 'secp256k1' : 'ed25519')
  const keys = generateClaimKeyPair(algorithm)
  const channelId = paymentChannelId(aliceWallet.classicAddress, bobWallet.classicAddress, 5)
  const directory = new MemoryChannelDirectory()
  directory.set({ channelId, account: aliceWallet.classicAddress, destination: bobWallet.classicAddress, publicKey: keys.publicKey, amount, balance: 0n })
  const [a, b] = createCarrierPair()
  const alice = new XrpClaimChannel({
    account: aliceWallet.classicAddress,
    peerAccount: bobWallet.classicAddress,
    carrier: a,
    store: new MemoryClaimStore<string, XrpOutgoingState>(),
    directory,
    outgoing: { channelId, keys }
  })
  const bobStore = new MemoryClaimStore<string, XrpOutgoingState>()
  const bob = new XrpClaimChannel({ account: bobWallet.classicAddress, peerAccount: aliceWallet.classicAddress, carrier: b, store: bobStore, directory, wallet: bobWallet })
  const received: bigint[] = []
  bob.setValueHandler(({ amount: value }) => void received.push(value))
  return { aliceWallet, bobWallet, keys, channelId, directory, a, b, alice, bob, bobStore, received }
}

describe.each(['secp256k1', 'ed25519'] as const)('XrpClaimChannel with %s claims', (algorithm) => {
  it('pays with growing cumulative claims and credits each payment exactly', async () => {
    const { alice, bob, channelId, received } = setup(algorithm)
    for (const value of [1n, 250n, 4_000n]) await alice.sendValue(value)
    expect(received).toEqual([1n, 250n, 4_000n])
    expect(alice.summary().outgoing).toEqual({ channelId, sent: 4_251n })
    expect(bob.summary().incoming).toMatchObject([{ channelId, best: 4_251n }])
  })

  it('signs a PaymentChannelClaim for the best claim that xrpl.js decodes and verifies', async () => {
    const { alice, bob, bobWallet, keys, channelId } = setup(algorithm)
    await alice.sendValue(700n)
    await alice.sendValue(300n)
    const redemption = await bob.redemption(channelId, { fee: 12n, sequence: 9, lastLedgerSequence: 123_456, close: true })
    expect(redemption.balance).toBe(1_000n)
    const tx = decode(redemption.txBlob)
    expect(tx).toMatchObject({
      TransactionType: 'PaymentChannelClaim',
      Account: bobWallet.classicAddress,
      Channel: channelId,
      Balance: '1000',
      Amount: '1000',
      PublicKey: keys.publicKey,
      Fee: '12',
      Sequence: 9,
      LastLedgerSequence: 123_456,
      Flags: 0x0002_0000,
      SigningPubKey: bobWallet.publicKey
    })
    expect(verifySignature(redemption.txBlob)).toBe(true)
    // The claim inside is what the ledger checks: xrpl.js accepts it for this channel and amount.
    expect(verifyPaymentChannelClaim(channelId, dropsToXrp(1_000n), tx.Signature as string, keys.publicKey)).toBe(true)
  })

  it('refuses a replayed or older claim, and credits only the growth after a lost acknowledgement', async () => {
    const { alice, bob, a, b, received } = setup(algorithm)
    await alice.sendValue(100n)
    await alice.sendValue(20n)
    const first = a.sent[0] as Uint8Array
    await expect(b.handler?.({ amount: 100n, proof: first })).rejects.toBeInstanceOf(ClaimNotIncreasingError)
    a.loseAcks = true
    await expect(alice.sendValue(50n)).rejects.toThrow()
    a.loseAcks = false
    // The totals: bob has the 50, alice does not know it.
    expect([alice.totals(), bob.totals()]).toEqual([{ sent: 120n, received: 0n }, { sent: 0n, received: 170n }])
    await alice.sendValue(50n) // re-signs 150 cumulative: the peer holds it already, accepts, credits nothing
    expect(received).toEqual([100n, 20n, 50n])
    await alice.sendValue(10n)
    expect(received).toEqual([100n, 20n, 50n, 10n])
    expect(alice.summary().outgoing?.sent).toBe(180n)
    expect([alice.totals(), bob.totals()]).toEqual([{ sent: 180n, received: 0n }, { sent: 0n, received: 180n }])
  })

  it('refuses a forged claim and one above the channel amount, crediting nothing', async () => {
    const { alice, a, b, channelId, received } = setup(algorithm)
    await alice.sendValue(100n)
    const claim = decodeClaimProof(a.sent[0] as Uint8Array)
    const forged = encodeClaimProof({ ...claim, amount: 5_000n })
    await expect(b.handler?.({ amount: 4_900n, proof: forged })).rejects.toBeInstanceOf(ClaimSignatureError)
    const stranger = generateClaimKeyPair(algorithm)
    const wrongKey = encodeClaimProof({ channelId, amount: 200n, signature: signClaim(stranger.privateKey, channelId, 200n) })
    await expect(b.handler?.({ amount: 100n, proof: wrongKey })).rejects.toBeInstanceOf(ClaimSignatureError)
    await expect(alice.sendValue(9_901n)).rejects.toBeInstanceOf(DepositExhaustedError)
    expect(received).toEqual([100n])
  })

  it('puts the previous best claim back when the value handler refuses', async () => {
    const { alice, bob, channelId } = setup(algorithm)
    await alice.sendValue(10n)
    bob.setValueHandler(() => {
      throw new Error('no thanks')
    })
    await expect(alice.sendValue(5n)).rejects.toThrow('no thanks')
    expect(bob.summary().incoming).toMatchObject([{ channelId, best: 10n }])
    expect([alice.totals(), bob.totals()]).toEqual([{ sent: 10n, received: 0n }, { sent: 0n, received: 10n }])
    bob.setValueHandler(undefined)
    await expect(alice.sendValue(5n)).rejects.toBeInstanceOf(NoValueHandlerError)
  })
})

describe('XrpClaimChannel edges', () => {
  it('refuses amounts that are not UInt64, and pays nothing for 0', async () => {
    const { alice, received } = setup('ed25519')
    await expect(alice.sendValue(-1n)).rejects.toThrow()
    await expect(alice.sendValue(1n << 64n)).rejects.toThrow()
    await alice.sendValue(0n)
    expect(received).toEqual([])
  })

  it('refuses a claim above what the channel holds as the directory knows it (after a top-up it passes)', async () => {
    const { alice, directory, channelId, aliceWallet, bobWallet, keys, received } = setup('secp256k1', 100n)
    await expect(alice.sendValue(101n)).rejects.toBeInstanceOf(DepositExhaustedError)
    directory.set({ channelId, account: aliceWallet.classicAddress, destination: bobWallet.classicAddress, publicKey: keys.publicKey, amount: 200n, balance: 0n })
    await alice.sendValue(101n)
    expect(received).toEqual([101n])
  })

  it('has nothing to redeem before a claim or once the ledger paid it out', async () => {
    const { alice, bob, directory, channelId, aliceWallet, bobWallet, keys } = setup('ed25519')
    await expect(bob.redemption(channelId, { fee: 10n, sequence: 1 })).rejects.toBeInstanceOf(NothingToRedeemError)
    await alice.sendValue(40n)
    directory.set({ channelId, account: aliceWallet.classicAddress, destination: bobWallet.classicAddress, publicKey: keys.publicKey, amount: 10_000n, balance: 40n })
    await expect(bob.redemption(channelId, { fee: 10n, sequence: 1 })).rejects.toBeInstanceOf(NothingToRedeemError)
    await expect(alice.redemption(channelId, { fee: 10n, sequence: 1 })).rejects.toBeInstanceOf(InvalidChannelOptionError)
  })

  it('pays nothing without an outgoing channel, and nothing after close', async () => {
    const { bob, alice } = setup('ed25519')
    await expect(bob.sendValue(1n)).rejects.toBeInstanceOf(NoOutgoingChannelError)
    await alice.stop()
    await expect(alice.sendValue(1n)).rejects.toBeInstanceOf(ChannelShutDownError)
  })

  it('refuses options that cannot work', () => {
    const [a] = createCarrierPair()
    const wallet = generateWallet('ed25519')
    const base = { account: wallet.classicAddress, peerAccount: generateWallet('ed25519').classicAddress, carrier: a, store: new MemoryClaimStore<string, XrpOutgoingState>(), directory: new MemoryChannelDirectory() }
    expect(() => new XrpClaimChannel({ ...base, account: 'nobody' })).toThrow(InvalidChannelOptionError)
    expect(() => new XrpClaimChannel({ ...base, peerAccount: base.account })).toThrow(InvalidChannelOptionError)
    expect(() => new XrpClaimChannel({ ...base, wallet: generateWallet('ed25519') })).toThrow(InvalidChannelOptionError)
    expect(() => new XrpClaimChannel({ ...base, outgoing: { channelId: 'AB', keys: generateClaimKeyPair() } })).toThrow(InvalidChannelOptionError)
    expect(() => new XrpClaimChannel({ ...base, wallet })).not.toThrow()
  })
})

it('refuses a claim above the channel amount even when signed by the right key', async () => {
  const { b, channelId, keys } = setup('ed25519', 50n)
  const proof = encodeClaimProof({ channelId, amount: 51n, signature: signClaim(keys.privateKey, channelId, 51n) })
  await expect(b.handler?.({ amount: 51n, proof })).rejects.toBeInstanceOf(ClaimExceedsDepositError)
})
