import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { encodeForSigningClaim, signPaymentChannelClaim, verifyPaymentChannelClaim } from 'xrpl'
import { dropsToXrp, generateWallet, MAX_DROPS, type KeyAlgorithm } from '@stack/ledger-xrp'
import { claimKeyPairFromSeed, claimSigningData, generateClaimKeyPair, signClaim, verifyClaim } from '../src/index.js'

// Claims in the XRP Ledger's own format, checked against xrpl.js 5.3.0's own claim signing and
// verification, both ways, for both key types, over random channel ids and drop amounts.
const channelIds = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => Buffer.from(bytes).toString('hex').toUpperCase())
const drops = fc.oneof(fc.bigInt({ min: 0n, max: MAX_DROPS }), fc.constantFrom(0n, 1n, 999_999n, 1_000_000n, MAX_DROPS))
const algorithms: KeyAlgorithm[] = ['secp256k1', 'ed25519']

describe('claim signing data', () => {
  it('is CLM\\0, the channel id and the UInt64 drops, as xrpl.js encodes it', () => {
    fc.assert(
      fc.property(channelIds, drops, (channelId, amount) => {
        const ours = Buffer.from(claimSigningData(channelId, amount)).toString('hex').toUpperCase()
        // xrpl.js 5.3.0 types this parameter as a PaymentChannelClaim transaction, but hands it
        // to ripple-binary-codec, which reads `{ channel, amount }` (as signPaymentChannelClaim does).
        expect(ours).toBe(encodeForSigningClaim({ channel: channelId, amount: amount.toString() } as unknown as Parameters<typeof encodeForSigningClaim>[0]))
        expect(ours.slice(0, 8)).toBe('434C4D00')
      }),
      { numRuns: 5000 }
    )
  })

  it('matches a fixed vector', () => {
    const channelId = '5DB01B7FFED6B67E6B0414DED11E051D2EE2B7619CE0EAA6286D67A3A4D5BDB3'
    expect(Buffer.from(claimSigningData(channelId, 1_000_000n)).toString('hex').toUpperCase()).toBe(`434C4D00${channelId}00000000000F4240`)
  })
})

describe.each(algorithms)('%s claims against xrpl.js', (algorithm) => {
  const keys = generateClaimKeyPair(algorithm)
  const other = generateClaimKeyPair(algorithm)

  it('signs exactly what xrpl.js signs, and each verifies the other', () => {
    fc.assert(
      fc.property(channelIds, drops, (channelId, amount) => {
        const ours = signClaim(keys.privateKey, channelId, amount)
        const theirs = signPaymentChannelClaim(channelId, dropsToXrp(amount), keys.privateKey)
        // Both schemes are deterministic (ed25519; RFC 6979 for secp256k1): the same bytes.
        expect(ours).toBe(theirs.toUpperCase())
        expect(verifyPaymentChannelClaim(channelId, dropsToXrp(amount), ours, keys.publicKey)).toBe(true)
        expect(verifyClaim(keys.publicKey, channelId, amount, theirs)).toBe(true)
      }),
      { numRuns: 1000 }
    )
  })

  it('rejects forgeries: another key, another channel, another amount, flipped bits', () => {
    fc.assert(
      fc.property(channelIds, channelIds, drops, fc.bigInt({ min: 1n, max: MAX_DROPS }), fc.nat(), (channelId, otherChannel, amount, delta, bit) => {
        fc.pre(channelId !== otherChannel)
        const signature = signClaim(keys.privateKey, channelId, amount)
        const otherAmount = (amount + delta) % (MAX_DROPS + 1n)
        expect(verifyClaim(other.publicKey, channelId, amount, signature)).toBe(false)
        expect(verifyClaim(keys.publicKey, otherChannel, amount, signature)).toBe(false)
        if (otherAmount !== amount) expect(verifyClaim(keys.publicKey, channelId, otherAmount, signature)).toBe(false)
        const bytes = Buffer.from(signature, 'hex')
        const index = bit % (bytes.length * 8)
        bytes[index >> 3] = (bytes[index >> 3] ?? 0) ^ (1 << (index & 7))
        const flipped = bytes.toString('hex').toUpperCase()
        expect(verifyClaim(keys.publicKey, channelId, amount, flipped)).toBe(false)
        // xrpl.js agrees (it throws on a signature that no longer parses: a refusal too).
        let theirs: boolean
        try {
          theirs = verifyPaymentChannelClaim(channelId, dropsToXrp(amount), flipped, keys.publicKey)
        } catch {
          theirs = false
        }
        expect(theirs).toBe(false)
        expect(verifyPaymentChannelClaim(channelId, dropsToXrp(amount), signature, other.publicKey)).toBe(false)
      }),
      { numRuns: 300 }
    )
  })

  it('answers false, not an exception, to malformed keys, ids, amounts and signatures', () => {
    const channelId = 'AB'.repeat(32)
    const signature = signClaim(keys.privateKey, channelId, 5n)
    expect(verifyClaim('nonsense', channelId, 5n, signature)).toBe(false)
    expect(verifyClaim(keys.publicKey, 'AB', 5n, signature)).toBe(false)
    expect(verifyClaim(keys.publicKey, channelId, -1n, signature)).toBe(false)
    expect(verifyClaim(keys.publicKey, channelId, MAX_DROPS + 1n, signature)).toBe(false)
    expect(verifyClaim(keys.publicKey, channelId, 5n, 'zz')).toBe(false)
    expect(verifyClaim(keys.publicKey, channelId, 5n, '')).toBe(false)
    expect(verifyClaim(keys.publicKey, channelId, 5n, '00'.repeat(70))).toBe(false)
  })
})

describe('claim keys from a seed', () => {
  it.each(algorithms)('are the %s keys of an xrpl.js wallet from the same seed, and sign claims it accepts', (algorithm) => {
    for (let i = 0; i < 20; i++) {
      const wallet = generateWallet(algorithm)
      const keys = claimKeyPairFromSeed(wallet.seed as string)
      expect(keys).toEqual({ algorithm, publicKey: wallet.publicKey, privateKey: wallet.privateKey })
      const channelId = 'C1'.repeat(32)
      expect(verifyPaymentChannelClaim(channelId, dropsToXrp(1_234n), signClaim(keys.privateKey, channelId, 1_234n), wallet.publicKey)).toBe(true)
    }
  })

  it('refuses what is not a seed', () => {
    expect(() => claimKeyPairFromSeed('sNotASeed')).toThrow()
  })
})
