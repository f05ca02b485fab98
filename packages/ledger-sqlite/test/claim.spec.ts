import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidAmountError, InvalidArgumentError } from '@stack/ledger-core'
import { CLAIM_DOMAIN, CLAIM_MESSAGE_LENGTH, claimMessage, generateClaimKeyPair, signClaim, verifyClaim } from '../src/index.js'

const channelId = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff'
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

describe('claim message', () => {
  it('is the domain prefix, the 32-byte channel id and the UInt64 amount big-endian: 68 bytes', () => {
    const message = claimMessage(channelId, 0x0102030405060708n)
    expect(message.length).toBe(CLAIM_MESSAGE_LENGTH)
    expect(CLAIM_MESSAGE_LENGTH).toBe(68)
    expect(hex(message)).toBe(Buffer.from(CLAIM_DOMAIN, 'ascii').toString('hex') + channelId + '0102030405060708')
    expect(Buffer.from(message.subarray(0, 28)).toString('ascii')).toBe('stack/ledger-sqlite/claim/v1')
  })

  it('carries the largest UInt64 amount', () => {
    expect(hex(claimMessage(channelId, 0xffff_ffff_ffff_ffffn)).slice(-16)).toBe('ffffffffffffffff')
  })

  it('refuses a channel id that is not 64 lowercase hex digits, and an amount that is not a positive UInt64', () => {
    for (const id of ['', 'abc', channelId.toUpperCase(), `${channelId}00`]) expect(() => claimMessage(id, 1n)).toThrow(InvalidArgumentError)
    for (const amount of [0n, -1n, 1n << 64n]) expect(() => claimMessage(channelId, amount)).toThrow(InvalidAmountError)
  })
})

describe('claim signatures (ed25519)', () => {
  const keys = generateClaimKeyPair()

  it('makes raw 32-byte keys and 64-byte signatures', () => {
    expect(keys.publicKey.length).toBe(32)
    expect(keys.privateKey.length).toBe(32)
    expect(signClaim(keys.privateKey, channelId, 5n).length).toBe(64)
  })

  it('verifies what it signs, and nothing else: another amount, channel or key', () => {
    const other = generateClaimKeyPair()
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: (1n << 64n) - 2n }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (amount, idBytes) => {
        const id = hex(idBytes)
        const signature = signClaim(keys.privateKey, id, amount)
        expect(verifyClaim(keys.publicKey, id, amount, signature)).toBe(true)
        expect(verifyClaim(keys.publicKey, id, amount + 1n, signature)).toBe(false)
        expect(verifyClaim(keys.publicKey, channelId === id ? hex(new Uint8Array(32)) : channelId, amount, signature)).toBe(false)
        expect(verifyClaim(other.publicKey, id, amount, signature)).toBe(false)
      }),
      { numRuns: 50 }
    )
  })

  it('answers false, never throws, for malformed signatures and keys', () => {
    const signature = signClaim(keys.privateKey, channelId, 5n)
    expect(verifyClaim(keys.publicKey, channelId, 5n, signature.subarray(0, 63))).toBe(false)
    expect(verifyClaim(keys.publicKey, channelId, 5n, new Uint8Array(64))).toBe(false)
    expect(verifyClaim(new Uint8Array(5), channelId, 5n, signature)).toBe(false)
    expect(verifyClaim(keys.publicKey, 'not-a-channel', 5n, signature)).toBe(false)
  })

  it('matches the RFC 8032 test vector 1 key (the seed gives the published public key)', () => {
    // RFC 8032 §7.1 TEST 1: secret key 9d61b19d…7f60, public key d75a9801…511a.
    const seed = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex')
    const publicKey = Buffer.from('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', 'hex')
    const signature = signClaim(seed, channelId, 42n)
    expect(verifyClaim(publicKey, channelId, 42n, signature)).toBe(true)
  })
})
