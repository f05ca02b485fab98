import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bytesToHex, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import {
  CLAIM_PROOF_LENGTH,
  ClaimChannelClosedError,
  ClaimExceedsDepositError,
  ClaimNotIncreasingError,
  ClaimRefusedError,
  ClaimSignatureError,
  ClaimWrongChannelError,
  claimTypedData,
  decodeClaimProof,
  encodeClaimProof,
  MalformedClaimError,
  signClaim,
  verifyClaim
} from '../src/index.js'
import { Chain, ETHER, Pair } from './fixtures/chain.js'

describe('claim proof codec', () => {
  const hex = (bytes: number): fc.Arbitrary<Hex> => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => bytesToHex(b))

  it('round-trips every claim', () => {
    fc.assert(
      fc.property(hex(32), fc.bigInt(1n, (1n << 256n) - 1n), hex(65), (channelId, amount, signature) => {
        const bytes = encodeClaimProof({ channelId, amount, signature })
        expect(bytes).toHaveLength(CLAIM_PROOF_LENGTH)
        expect(decodeClaimProof(bytes)).toEqual({ channelId, amount, signature })
      })
    )
  })

  it('decodes any bytes to a claim or a MalformedClaimError, never anything else', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ minLength: 130, maxLength: 130 })), (bytes) => {
        try {
          const claim = decodeClaimProof(bytes)
          expect(encodeClaimProof(claim)).toEqual(bytes)
        } catch (error) {
          expect(error).toBeInstanceOf(MalformedClaimError)
        }
      })
    )
  })

  it('names the field that is wrong', () => {
    const good = encodeClaimProof({ channelId: `0x${'11'.repeat(32)}`, amount: 5n, signature: `0x${'22'.repeat(65)}` })
    expect(() => decodeClaimProof(good.subarray(1))).toThrow(expect.objectContaining({ field: 'length' }))
    expect(() => decodeClaimProof(Uint8Array.of(2, ...good.subarray(1)))).toThrow(expect.objectContaining({ field: 'version' }))
    const zero = good.slice()
    zero.fill(0, 33, 65)
    expect(() => decodeClaimProof(zero)).toThrow(expect.objectContaining({ field: 'amount' }))
    expect(() => encodeClaimProof({ channelId: '0x12', amount: 5n, signature: `0x${'22'.repeat(65)}` })).toThrow(expect.objectContaining({ field: 'channelId' }))
    expect(() => encodeClaimProof({ channelId: `0x${'11'.repeat(32)}`, amount: 0n, signature: `0x${'22'.repeat(65)}` })).toThrow(expect.objectContaining({ field: 'amount' }))
    expect(() => encodeClaimProof({ channelId: `0x${'11'.repeat(32)}`, amount: 1n, signature: '0x22' })).toThrow(expect.objectContaining({ field: 'signature' }))
  })
})

describe('incoming claims: forgeries and refusals, off-chain', () => {
  let chain: Chain
  beforeAll(async () => {
    chain = await Chain.start()
  })
  afterAll(async () => {
    await chain.stop()
  })

  /** Bob's value handler fed a proof directly, as a peer (or an attacker) on the carrier would. */
  const deliver = (pair: Pair, proof: Uint8Array, amount = 1n): Promise<void> => {
    const handler = pair.carriers[1].handler
    if (handler === undefined) throw new Error('bob has no handler')
    return Promise.resolve(handler({ amount, proof }))
  }

  it('verifies a genuine claim and rejects it for another amount, channel, contract, chain or signer', async () => {
    const domain = { chainId: chain.alice.chainId, verifyingContract: chain.address }
    const alice = chain.alice.addressOf('alice')
    const channelId: Hex = `0x${'ab'.repeat(32)}`
    const signature = await signClaim(chain.alice, 'alice', domain, channelId, 1_000n)
    expect(await verifyClaim(domain, channelId, 1_000n, signature, alice)).toBe(true)
    expect(await verifyClaim(domain, channelId, 1_001n, signature, alice)).toBe(false)
    expect(await verifyClaim(domain, `0x${'cd'.repeat(32)}`, 1_000n, signature, alice)).toBe(false)
    expect(await verifyClaim({ ...domain, verifyingContract: alice }, channelId, 1_000n, signature, alice)).toBe(false)
    expect(await verifyClaim({ ...domain, chainId: 1 }, channelId, 1_000n, signature, alice)).toBe(false)
    expect(await verifyClaim(domain, channelId, 1_000n, signature, chain.bob.addressOf('bob'))).toBe(false)
    expect(await verifyClaim(domain, channelId, 1_000n, `0x${'00'.repeat(65)}`, alice)).toBe(false)
  })

  it('refuses forged, replayed, excessive and foreign claims with a named error, crediting nothing', async () => {
    const pair = new Pair(chain, { alice: { funding: { deposit: 10_000n, timeoutSeconds: 60n } } })
    await pair.alice.sendValue(100n)
    const genuine = decodeClaimProof(pair.carriers[0].sent[0] as Uint8Array)
    const domain = { chainId: chain.alice.chainId, verifyingContract: chain.address }
    const mallory = privateKeyToAccount(generatePrivateKey())
    const forged = await mallory.signTypedData(claimTypedData(domain, genuine.channelId, 5_000n))
    await expect(deliver(pair, encodeClaimProof({ ...genuine, amount: 5_000n, signature: forged }))).rejects.toBeInstanceOf(ClaimSignatureError)
    // The genuine signature over another amount.
    await expect(deliver(pair, encodeClaimProof({ ...genuine, amount: 5_000n }))).rejects.toBeInstanceOf(ClaimSignatureError)
    // An older claim is refused; the claim held, delivered again, is acknowledged and credits nothing.
    await pair.alice.sendValue(50n)
    await expect(deliver(pair, pair.carriers[0].sent[0] as Uint8Array)).rejects.toBeInstanceOf(ClaimNotIncreasingError)
    await deliver(pair, pair.carriers[0].sent[1] as Uint8Array)
    // Signed by alice, but above the deposit.
    const tooMuch = await signClaim(chain.alice, 'alice', domain, genuine.channelId, 10_001n)
    await expect(deliver(pair, encodeClaimProof({ ...genuine, amount: 10_001n, signature: tooMuch }))).rejects.toBeInstanceOf(ClaimExceedsDepositError)
    // A channel the contract does not know.
    await expect(deliver(pair, encodeClaimProof({ ...genuine, channelId: `0x${'00'.repeat(32)}` }))).rejects.toBeInstanceOf(ClaimWrongChannelError)
    await expect(deliver(pair, new Uint8Array(10))).rejects.toBeInstanceOf(MalformedClaimError)
    expect(pair.creditedTotal).toBe(150n)

    // A channel from alice to mallory's address is not bob's to take claims on.
    const { channelId: other } = await chain.as(chain.alice).open({ from: 'alice', receiver: chain.mallory.addressOf('mallory'), deposit: 1_000n, timeoutSeconds: 1n })
    const otherSig = await signClaim(chain.alice, 'alice', domain, other, 10n)
    await expect(deliver(pair, encodeClaimProof({ channelId: other, amount: 10n, signature: otherSig }))).rejects.toMatchObject({ name: 'ClaimWrongChannelError', field: 'receiver' })

    // Forgeries are refused on chain too.
    const bobContract = chain.as(chain.bob)
    await expect(bobContract.close('bob', genuine.channelId, 5_000n, forged)).rejects.toMatchObject({ errorName: 'InvalidSignature' })
    // The genuine best claim is accepted on chain.
    expect(await pair.bob.settle()).toBe(150n)
    await expect(deliver(pair, encodeClaimProof({ ...genuine, amount: 200n, signature: await signClaim(chain.alice, 'alice', domain, genuine.channelId, 200n) }))).rejects.toBeInstanceOf(ClaimRefusedError)
  })

  it('refuses a claim on a channel closed on chain', async () => {
    const pair = new Pair(chain, { alice: { funding: { deposit: ETHER, timeoutSeconds: 0n } } })
    await pair.alice.sendValue(10n)
    const { channelId } = decodeClaimProof(pair.carriers[0].sent[0] as Uint8Array)
    await pair.alice.startReclaim()
    await pair.alice.reclaim()
    const domain = { chainId: chain.alice.chainId, verifyingContract: chain.address }
    const late = encodeClaimProof({ channelId, amount: ETHER, signature: await signClaim(chain.alice, 'alice', domain, channelId, ETHER) })
    await expect(deliver(pair, late)).rejects.toBeInstanceOf(ClaimChannelClosedError)
  })
})
