import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { hashes } from 'xrpl'
import { generateWallet, InvalidTransactionFieldError, InvalidXrpAddressError, paymentChannelId } from '../src/index.js'

const addresses = Array.from({ length: 6 }, (_, i) => generateWallet(i % 2 === 0 ? 'ed25519' : 'secp256k1').classicAddress)

describe('paymentChannelId', () => {
  it('matches the channel id xrpl.js computes for a known create (its own test vector)', () => {
    const id = paymentChannelId('rDx69ebzbowuqztksVDmZXjizTd12BVr4x', 'rLFtVprxUEfsH54eCWKsZrEQzMDsx1wqso', 82)
    expect(id).toBe(hashes.hashPaymentChannel('rDx69ebzbowuqztksVDmZXjizTd12BVr4x', 'rLFtVprxUEfsH54eCWKsZrEQzMDsx1wqso', 82))
    expect(id).toBe('E35708503B3C3143FB522D749AAFCC296E8060F0FB371A9A56FAE0B1ED127366')
  })

  it('agrees with xrpl.js hashPaymentChannel for random accounts and sequences', () => {
    fc.assert(
      fc.property(fc.constantFrom(...addresses), fc.constantFrom(...addresses), fc.nat({ max: 0xffff_ffff }), (from, to, sequence) => {
        expect(paymentChannelId(from, to, sequence)).toBe(hashes.hashPaymentChannel(from, to, sequence))
      }),
      { numRuns: 1000 }
    )
  })

  it('refuses a bad address or sequence with a typed error', () => {
    const [a = '', b = ''] = addresses
    expect(() => paymentChannelId('rNotAnAddress', b, 1)).toThrow(InvalidXrpAddressError)
    expect(() => paymentChannelId(a, b, -1)).toThrow(InvalidTransactionFieldError)
    expect(() => paymentChannelId(a, b, 2 ** 32)).toThrow(InvalidTransactionFieldError)
    expect(() => paymentChannelId(a, b, 1.5)).toThrow(InvalidTransactionFieldError)
  })
})
