import { describe, expect, it } from 'vitest'
import { generateWallet, paymentChannelId } from '@stack/ledger-xrp'
import {
  ClaimChannelClosedError,
  ClaimExceedsDepositError,
  ClaimNotIncreasingError,
  ClaimSignatureError,
  ClaimWrongChannelError,
  generateClaimKeyPair,
  signClaim,
  verifyIncomingClaim,
  type XrpChannelState
} from '../src/index.js'

const alice = generateWallet('secp256k1').classicAddress
const bob = generateWallet('ed25519').classicAddress
const carol = generateWallet('ed25519').classicAddress

describe.each(['secp256k1', 'ed25519'] as const)('verifyIncomingClaim with %s keys', (algorithm) => {
  const keys = generateClaimKeyPair(algorithm)
  const channelId = paymentChannelId(alice, bob, 11)
  const channel: XrpChannelState = { channelId, account: alice, destination: bob, publicKey: keys.publicKey, amount: 1_000n, balance: 100n }
  const expected = { channel, destination: bob, account: alice, best: 0n }
  const claim = (amount: bigint, key = keys.privateKey, id = channelId) => ({ channelId: id, amount, signature: signClaim(key, id, amount) })

  it('accepts a claim above the balance and the best claim, returning its growth', () => {
    expect(verifyIncomingClaim(claim(250n), expected)).toBe(150n)
    expect(verifyIncomingClaim(claim(250n), { ...expected, best: 200n })).toBe(50n)
    expect(verifyIncomingClaim(claim(1_000n), expected)).toBe(900n)
  })

  it('refuses a claim on a channel it does not know, or not from the peer to us', () => {
    expect(() => verifyIncomingClaim(claim(250n), { ...expected, channel: undefined })).toThrow(ClaimWrongChannelError)
    const other = paymentChannelId(alice, bob, 12)
    expect(() => verifyIncomingClaim(claim(250n, keys.privateKey, other), expected)).toThrow(ClaimWrongChannelError)
    expect(() => verifyIncomingClaim(claim(250n), { ...expected, destination: carol })).toThrow(ClaimWrongChannelError)
    expect(() => verifyIncomingClaim(claim(250n), { ...expected, account: carol })).toThrow(ClaimWrongChannelError)
  })

  it('refuses a claim signed by another key or for another amount', () => {
    expect(() => verifyIncomingClaim(claim(250n, generateClaimKeyPair(algorithm).privateKey), expected)).toThrow(ClaimSignatureError)
    expect(() => verifyIncomingClaim({ ...claim(250n), amount: 251n }, expected)).toThrow(ClaimSignatureError)
  })

  it('refuses a claim that does not grow, or exceeds the channel, or on a closed channel', () => {
    expect(() => verifyIncomingClaim(claim(100n), expected)).toThrow(ClaimNotIncreasingError)
    expect(() => verifyIncomingClaim(claim(299n), { ...expected, best: 300n })).toThrow(ClaimNotIncreasingError)
    // The best claim again (a re-send after a lost acknowledgement): accepted, nothing to credit.
    expect(verifyIncomingClaim(claim(300n), { ...expected, best: 300n })).toBe(0n)
    expect(() => verifyIncomingClaim(claim(1_001n), expected)).toThrow(ClaimExceedsDepositError)
    expect(() => verifyIncomingClaim(claim(250n), { ...expected, channel: { ...channel, closed: true } })).toThrow(ClaimChannelClosedError)
  })
})
