import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MAX_DROPS } from '@stack/ledger-xrp'
import { CLAIM_PROOF_VERSION, decodeClaimProof, encodeClaimProof, generateClaimKeyPair, MalformedClaimError, signClaim } from '../src/index.js'

const claims = fc.record({
  channelId: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => Buffer.from(bytes).toString('hex').toUpperCase()),
  amount: fc.bigInt({ min: 1n, max: MAX_DROPS }),
  signature: fc.uint8Array({ minLength: 8, maxLength: 72 }).map((bytes) => Buffer.from(bytes).toString('hex').toUpperCase())
})

describe('claim proof', () => {
  it('round-trips every claim', () => {
    fc.assert(
      fc.property(claims, (claim) => {
        expect(decodeClaimProof(encodeClaimProof(claim))).toEqual(claim)
      }),
      { numRuns: 2000 }
    )
  })

  it('carries real secp256k1 (DER) and ed25519 signatures', () => {
    for (const algorithm of ['secp256k1', 'ed25519'] as const) {
      const keys = generateClaimKeyPair(algorithm)
      const claim = { channelId: 'CD'.repeat(32), amount: 77n, signature: signClaim(keys.privateKey, 'CD'.repeat(32), 77n) }
      expect(decodeClaimProof(encodeClaimProof(claim))).toEqual(claim)
    }
  })

  it('refuses to encode a claim with a field out of range', () => {
    const good = { channelId: 'AB'.repeat(32), amount: 1n, signature: 'CD'.repeat(64) }
    expect(() => encodeClaimProof({ ...good, channelId: 'AB' })).toThrow(MalformedClaimError)
    expect(() => encodeClaimProof({ ...good, amount: 0n })).toThrow(MalformedClaimError)
    expect(() => encodeClaimProof({ ...good, amount: MAX_DROPS + 1n })).toThrow(MalformedClaimError)
    expect(() => encodeClaimProof({ ...good, signature: 'CD'.repeat(73) })).toThrow(MalformedClaimError)
    expect(() => encodeClaimProof({ ...good, signature: 'XYZ' })).toThrow(MalformedClaimError)
  })

  it('names the field of a malformed proof', () => {
    const proof = encodeClaimProof({ channelId: 'AB'.repeat(32), amount: 5n, signature: 'CD'.repeat(64) })
    const cases: [Uint8Array, string][] = [
      [proof.subarray(0, 20), 'length'],
      [Uint8Array.from([CLAIM_PROOF_VERSION + 1, ...proof.subarray(1)]), 'version'],
      [withBytes(proof, 33, new Uint8Array(8)), 'amount'],
      [withBytes(proof, 33, Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])), 'amount'],
      [withBytes(proof, 41, Uint8Array.from([73])), 'signature'],
      [withBytes(proof, 41, Uint8Array.from([63])), 'length'],
      [Uint8Array.from([...proof, 0]), 'length']
    ]
    for (const [bytes, field] of cases) {
      expect(() => decodeClaimProof(bytes)).toThrow(MalformedClaimError)
      try {
        decodeClaimProof(bytes)
      } catch (error) {
        expect((error as MalformedClaimError).field).toBe(field)
      }
    }
  })

  it('decodes any bytes to a claim or a MalformedClaimError, never anything else', () => {
    const seeds = fc.oneof(
      fc.uint8Array({ maxLength: 130 }),
      fc.tuple(claims, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([claim, at, byte]) => {
        const bytes = encodeClaimProof(claim)
        bytes[at % bytes.length] = byte
        return bytes
      })
    )
    fc.assert(
      fc.property(seeds, (bytes) => {
        try {
          const claim = decodeClaimProof(bytes)
          expect(encodeClaimProof(claim)).toEqual(bytes)
        } catch (error) {
          expect(error).toBeInstanceOf(MalformedClaimError)
        }
      }),
      { numRuns: 3000 }
    )
  })
})

function withBytes(bytes: Uint8Array, at: number, replacement: Uint8Array): Uint8Array {
  const copy = bytes.slice()
  copy.set(replacement, at)
  return copy
}
