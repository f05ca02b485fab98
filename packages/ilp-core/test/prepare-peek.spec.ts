import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { encodePrepare, isPrepareTo, PEER_PROTOCOL_CONDITION } from '../src/index.js'

// The peek a link runs on every packet to pick out a peer protocol's Prepares, against the decoder's answer.

const prepare = (destination: string, data = new Uint8Array(0)): Uint8Array =>
  encodePrepare({ amount: 5n, destination, executionCondition: PEER_PROTOCOL_CONDITION, expiresAt: new Date(Date.now() + 10_000), data })

describe('isPrepareTo', () => {
  it('says what decoding the destination says', () => {
    const segment = fc.stringMatching(/^[a-z]{1,8}$/)
    const destination = fc.oneof(
      fc.constantFrom('peer.settle', 'peer.route.control', 'peer.route.update', 'peer.settlement', 'peer.config', 'peer.routes'),
      fc.tuple(fc.constantFrom('test', 'peer', 'g'), fc.array(segment, { minLength: 1, maxLength: 40 })).map(([scheme, parts]) => [scheme, ...parts].join('.')),
      fc.tuple(fc.constantFrom('peer.settle', 'peer.route'), segment).map(([head, tail]) => `${head}${tail}`),
    )
    fc.assert(
      fc.property(destination, fc.constantFrom('peer.settle', 'peer.route'), fc.uint8Array({ maxLength: 300 }), (to, prefix, data) => {
        const expected = to === prefix || to.startsWith(`${prefix}.`)
        expect(isPrepareTo(prepare(to, data), prefix)).toBe(expected && to.length < 128)
      }),
    )
    expect(isPrepareTo(new Uint8Array([13, 0]), 'peer.settle')).toBe(false)
    expect(isPrepareTo(prepare('peer.settle').subarray(0, 60), 'peer.settle')).toBe(false)
  })
})
