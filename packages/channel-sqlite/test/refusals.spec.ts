import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { generateClaimKeyPair, signClaim } from '@stack/ledger-sqlite'
import {
  ClaimChannelClosedError,
  ClaimExceedsDepositError,
  ClaimNotIncreasingError,
  ClaimRefusedError,
  ClaimSignatureError,
  ClaimWrongChannelError,
  encodeClaimProof,
  MalformedClaimError,
  NoValueHandlerError
} from '../src/index.js'
import { Pair } from './fixtures/harness.js'

// Each refusal: a typed error reaches the sender, Bob's handler is not called, and Bob's
// stored best claim is what it was.
describe('a payee refuses', () => {
  let pair: Pair
  let channelId: string

  beforeEach(async () => {
    pair = await Pair.create()
    await pair.alice.sendValue(100n) // opens alice → bob with 10 000
    channelId = pair.alice.summary().outgoing?.channelId ?? ''
    pair.credited.length = 0
  })
  afterEach(async () => {
    await pair.dispose()
  })

  async function expectRefused(proof: Uint8Array, type: abstract new (...args: never[]) => ClaimRefusedError): Promise<ClaimRefusedError> {
    const before = pair.bob.summary()
    const error: unknown = await pair.carriers[0].sendValue(1n, { proof }).then(
      () => undefined,
      (reason: unknown) => reason
    )
    expect(error).toBeInstanceOf(type)
    expect(error).toBeInstanceOf(ClaimRefusedError)
    expect(pair.credited).toEqual([])
    expect(pair.bob.summary()).toEqual(before)
    return error as ClaimRefusedError
  }

  function aliceKey(): Uint8Array {
    return pair.aliceStore.getOutgoing()?.keys.privateKey ?? new Uint8Array(32)
  }

  it('a claim signed by another key (forged)', async () => {
    const forger = generateClaimKeyPair()
    await expectRefused(encodeClaimProof({ channelId, amount: 500n, signature: signClaim(forger.privateKey, channelId, 500n) }), ClaimSignatureError)
  })

  it('a signature made for another amount', async () => {
    await expectRefused(encodeClaimProof({ channelId, amount: 900n, signature: signClaim(aliceKey(), channelId, 500n) }), ClaimSignatureError)
  })

  it('a claim on a channel the ledger does not know', async () => {
    const other = 'cd'.repeat(32)
    const error = await expectRefused(encodeClaimProof({ channelId: other, amount: 500n, signature: signClaim(aliceKey(), other, 500n) }), ClaimWrongChannelError)
    expect((error as ClaimWrongChannelError).field).toBe('channelId')
  })

  it('a claim on alice’s channel to carol (wrong receiver)', async () => {
    const keys = generateClaimKeyPair()
    const toCarol = await pair.ledger.createChannel({ idempotencyKey: 'carol', sender: 'alice', receiver: 'carol', amount: 1_000n, publicKey: keys.publicKey, settleDelayMs: 1_000 })
    const error = await expectRefused(encodeClaimProof({ channelId: toCarol.id, amount: 500n, signature: signClaim(keys.privateKey, toCarol.id, 500n) }), ClaimWrongChannelError)
    expect((error as ClaimWrongChannelError).field).toBe('receiver')
  })

  it('a claim on carol’s channel to bob (wrong sender)', async () => {
    await pair.ledger.mint({ account: 'carol', amount: 5_000n })
    const keys = generateClaimKeyPair()
    const fromCarol = await pair.ledger.createChannel({ idempotencyKey: 'c2b', sender: 'carol', receiver: 'bob', amount: 1_000n, publicKey: keys.publicKey, settleDelayMs: 1_000 })
    const error = await expectRefused(encodeClaimProof({ channelId: fromCarol.id, amount: 500n, signature: signClaim(keys.privateKey, fromCarol.id, 500n) }), ClaimWrongChannelError)
    expect((error as ClaimWrongChannelError).field).toBe('sender')
    expect((error as ClaimWrongChannelError).actual).toBe('carol')
  })

  it('a replayed older claim; the claim it holds, delivered again, is acknowledged and credits nothing', async () => {
    await pair.alice.sendValue(50n)
    pair.credited.length = 0
    const [first, last] = pair.carriers[0].sent
    await expectRefused(first ?? new Uint8Array(0), ClaimNotIncreasingError)
    const before = pair.bob.summary()
    await pair.carriers[0].sendValue(1n, { proof: last ?? new Uint8Array(0) })
    expect(pair.credited).toEqual([])
    expect(pair.bob.summary()).toEqual(before)
    expect(pair.bob.totals()).toEqual({ sent: 0n, received: 150n })
  })

  it('a lower claim, correctly signed', async () => {
    await pair.alice.sendValue(400n) // best is now 500
    pair.credited.length = 0
    const error = await expectRefused(encodeClaimProof({ channelId, amount: 300n, signature: signClaim(aliceKey(), channelId, 300n) }), ClaimNotIncreasingError)
    expect((error as ClaimNotIncreasingError).best).toBe(500n)
  })

  it('a claim below what bob already redeemed, even with no stored claim', async () => {
    await pair.bob.redeem()
    pair.bobStore.deleteIncoming(channelId) // lost store: the ledger's `claimed` is the floor
    await expectRefused(encodeClaimProof({ channelId, amount: 100n, signature: signClaim(aliceKey(), channelId, 100n) }), ClaimNotIncreasingError)
  })

  it('a claim above the deposit', async () => {
    const error = await expectRefused(encodeClaimProof({ channelId, amount: 10_001n, signature: signClaim(aliceKey(), channelId, 10_001n) }), ClaimExceedsDepositError)
    expect((error as ClaimExceedsDepositError).deposit).toBe(10_000n)
  })

  it('a claim after the channel closed', async () => {
    await pair.alice.requestClose()
    pair.clock.t += 60_000 // the settle delay is over
    await expectRefused(encodeClaimProof({ channelId, amount: 200n, signature: signClaim(aliceKey(), channelId, 200n) }), ClaimChannelClosedError)
    await pair.ledger.closeChannel(channelId)
    await expectRefused(encodeClaimProof({ channelId, amount: 300n, signature: signClaim(aliceKey(), channelId, 300n) }), ClaimChannelClosedError)
  })

  it('bytes that are not a claim', async () => {
    await expectRefused(new Uint8Array(0), MalformedClaimError)
    await expectRefused(new Uint8Array(105), MalformedClaimError)
  })

  it('value when no handler is set', async () => {
    pair.bob.setValueHandler(undefined)
    await expectRefused(encodeClaimProof({ channelId, amount: 200n, signature: signClaim(aliceKey(), channelId, 200n) }), NoValueHandlerError)
  })

  it('and keeps nothing when its own handler refuses, so the next claim credits it all', async () => {
    pair.bob.setValueHandler(() => {
      throw new Error('over the limit')
    })
    await expect(pair.alice.sendValue(50n)).rejects.toThrow('over the limit')
    expect(pair.bob.summary().incoming[0]?.best).toBe(100n)
    pair.bob.setValueHandler((value) => void pair.credited.push(value))
    await pair.alice.sendValue(70n)
    expect(pair.credited.map((value) => value.amount)).toEqual([70n])
    expect(pair.bob.summary().incoming[0]?.best).toBe(170n)
  })
})
