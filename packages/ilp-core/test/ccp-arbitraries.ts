import fc from 'fast-check'
import { CcpMode, CcpPropertyFlag, type CcpRoute, type CcpRouteControlRequest, type CcpRouteProperty, type CcpRouteUpdateRequest } from '../src/ccp/codec.js'
import { address, bytes32 } from './arbitraries.js'

export const routingTableId = fc
  .uint8Array({ minLength: 16, maxLength: 16 })
  .map((bytes) => Buffer.from(bytes).toString('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5'))

export const uint32 = fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 0xffff_ffff }))

export const controlRequest: fc.Arbitrary<CcpRouteControlRequest> = fc.record({
  mode: fc.constantFrom(CcpMode.Idle, CcpMode.Sync),
  lastKnownRoutingTableId: routingTableId,
  lastKnownEpoch: uint32,
  features: fc.array(fc.string({ unit: 'grapheme', maxLength: 20 }), { maxLength: 4 }),
})

/**
 * Properties in the form ilp-protocol-ccp writes them: a mandatory property is always
 * transitive, only an optional transitive one may be partial, and UTF-8 values are text.
 */
export const canonicalProperty: fc.Arbitrary<CcpRouteProperty> = fc
  .record({
    optional: fc.boolean(),
    transitive: fc.boolean(),
    partial: fc.boolean(),
    utf8: fc.boolean(),
    id: fc.integer({ min: 0, max: 0xffff }),
    text: fc.string({ unit: 'grapheme', maxLength: 30 }),
    bytes: fc.uint8Array({ maxLength: 40 }),
  })
  .map(({ optional, transitive, partial, utf8, id, text, bytes }) => {
    let meta = 0
    if (optional) {
      meta |= CcpPropertyFlag.Optional
      if (transitive) meta |= CcpPropertyFlag.Transitive | (partial ? CcpPropertyFlag.Partial : 0)
    } else {
      meta |= CcpPropertyFlag.Transitive
    }
    if (utf8) meta |= CcpPropertyFlag.Utf8
    return { meta, id, value: utf8 ? new Uint8Array(Buffer.from(text, 'utf8')) : bytes }
  })

/** Any meta byte, any value: what our codec round-trips but the reference normalises. */
export const rawProperty: fc.Arbitrary<CcpRouteProperty> = fc.record({
  meta: fc.integer({ min: 0, max: 255 }),
  id: fc.integer({ min: 0, max: 0xffff }),
  value: fc.uint8Array({ maxLength: 300 }),
})

const route = (property: fc.Arbitrary<CcpRouteProperty>, hops = 5, props = 3): fc.Arbitrary<CcpRoute> =>
  fc.record({
    prefix: address,
    path: fc.array(address, { maxLength: hops }),
    auth: bytes32,
    props: fc.array(property, { maxLength: props }),
  })

export const updateRequest = (property = canonicalProperty): fc.Arbitrary<CcpRouteUpdateRequest> =>
  fc.record({
    routingTableId,
    currentEpochIndex: uint32,
    fromEpochIndex: uint32,
    toEpochIndex: uint32,
    holdDownTime: uint32,
    speaker: address,
    // Now and then past 127 routes, so the count takes a two-byte var-uint.
    newRoutes: fc.oneof(
      { weight: 30, arbitrary: fc.array(route(property), { maxLength: 4 }) },
      { weight: 1, arbitrary: fc.array(route(property, 1, 0), { minLength: 128, maxLength: 130 }) },
    ),
    withdrawnRoutes: fc.array(address, { maxLength: 6 }),
  })
