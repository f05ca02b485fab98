import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MAX_UINT64 } from '@stack/channel-core'
import { CLAIM_PROOF_LENGTH, decodeClaimProof, encodeClaimProof, MalformedClaimError } from '../src/index.js'

const claimArbitrary = fc.record({
  channelId: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => Buffer.from(bytes).toString('hex')),
  amount: fc.bigInt({ min: 1n, max: MAX_UINT64 }),
  signature: fc.uint8Array({ minLength: 64, maxLength: 64 })
})

function refusal(bytes: Uint8Array): MalformedClaimError {
  try {
    decodeClaimProof(bytes)
  } catch (error) {
    if (error instanceof MalformedClaimError) return error
    throw error
  }
  throw new Error('decoded')
}

describe('claim proof codec', () => {
  it('encodes a fixed 105-byte layout', () => {
    const bytes = encodeClaimProof({ channelId: 'ab'.repeat(32), amount: 0x0102n, signature: new Uint8Array(64).fill(7) })
    expect(bytes.length).toBe(CLAIM_PROOF_LENGTH)
    expect(bytes[0]).toBe(1)
    expect(bytes[1]).toBe(0xab)
    expect([...bytes.subarray(33, 41)]).toEqual([0, 0, 0, 0, 0, 0, 1, 2])
    expect(bytes[41]).toBe(7)
  })

  it('round-trips every claim', () => {
    fc.assert(
      fc.property(claimArbitrary, (claim) => {
        expect(decodeClaimProof(encodeClaimProof(claim))).toEqual(claim)
      })
    )
  })

  it('decodes from a view into a larger buffer', () => {
    const claim = { channelId: '0f'.repeat(32), amount: 99n, signature: new Uint8Array(64).fill(1) }
    const big = new Uint8Array(200)
    big.set(encodeClaimProof(claim), 50)
    expect(decodeClaimProof(big.subarray(50, 50 + CLAIM_PROOF_LENGTH))).toEqual(claim)
  })

  it('refuses any other bytes with MalformedClaimError only', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          decodeClaimProof(bytes)
        } catch (error) {
          expect(error).toBeInstanceOf(MalformedClaimError)
        }
      })
    )
  })

  it('names the field that is wrong', () => {
    const good = encodeClaimProof({ channelId: 'ab'.repeat(32), amount: 5n, signature: new Uint8Array(64) })
    expect(refusal(new Uint8Array(0)).field).toBe('length')
    expect(refusal(good.subarray(0, 104)).field).toBe('length')
    expect(refusal(Uint8Array.of(...good, 0)).field).toBe('length')
    const version = good.slice()
    version[0] = 2
    expect(refusal(version).field).toBe('version')
    const zero = good.slice()
    zero.fill(0, 33, 41)
    expect(refusal(zero).field).toBe('amount')
  })

  it('refuses to encode a claim out of range', () => {
    const signature = new Uint8Array(64)
    expect(() => encodeClaimProof({ channelId: 'AB'.repeat(32), amount: 1n, signature })).toThrow(MalformedClaimError)
    expect(() => encodeClaimProof({ channelId: 'ab'.repeat(32), amount: 0n, signature })).toThrow(MalformedClaimError)
    expect(() => encodeClaimProof({ channelId: 'ab'.repeat(32), amount: MAX_UINT64 + 1n, signature })).toThrow(MalformedClaimError)
    expect(() => encodeClaimProof({ channelId: 'ab'.repeat(32), amount: 1n, signature: new Uint8Array(63) })).toThrow(MalformedClaimError)
  })
})
