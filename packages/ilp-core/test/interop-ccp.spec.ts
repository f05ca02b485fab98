import fc from 'fast-check'
import * as reference from 'ilp-protocol-ccp'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  CcpMode,
  CcpPropertyFlag,
  type CcpRouteControlRequest,
  decodeRouteControlRequest,
  decodeRouteUpdateRequest,
  encodeRouteControlRequest,
  encodeRouteUpdateRequest,
  type CcpRouteUpdateRequest,
} from '../src/ccp/codec.js'
import { CCP_REQUEST_LIFETIME_MS, ccpFulfill, readRouteControlPrepare, readRouteUpdatePrepare, routeControlPrepare, routeUpdatePrepare } from '../src/ccp/messages.js'
import { PEER_PROTOCOL_CONDITION } from '../src/peer-protocol.js'
import { encodeFulfill } from '../src/packet/fulfill.js'
import { decodePrepare, encodePrepare } from '../src/packet/prepare.js'
import { controlRequest, updateRequest } from './ccp-arbitraries.js'
import { controlVector, heartbeatVector, updateVector } from './ccp-vectors.js'

// Both directions against the published ilp-protocol-ccp (1.2.3), over thousands of
// random messages, plus our known-answer vectors through its serializers.

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')

/** Our update in the reference's shape: props split into flags, UTF-8 values as text. */
function toReference(update: CcpRouteUpdateRequest): reference.CcpRouteUpdateRequest {
  return {
    ...update,
    newRoutes: update.newRoutes.map((route) => ({
      prefix: route.prefix,
      path: route.path,
      auth: Buffer.from(route.auth),
      props: route.props.map(({ meta, id, value }): reference.CcpRouteProp => {
        const flags = {
          isOptional: (meta & CcpPropertyFlag.Optional) !== 0,
          isTransitive: (meta & CcpPropertyFlag.Transitive) !== 0,
          isPartial: (meta & CcpPropertyFlag.Partial) !== 0,
          id,
        }
        return (meta & CcpPropertyFlag.Utf8) !== 0
          ? { ...flags, isUtf8: true, value: Buffer.from(value).toString('utf8') }
          : { ...flags, isUtf8: false, value: Buffer.from(value) }
      }),
    })),
  }
}

/** The two Mode enums carry the same numbers (0 idle, 1 sync). */
const controlToReference = (request: CcpRouteControlRequest): reference.CcpRouteControlRequest => ({
  ...request,
  mode: request.mode === CcpMode.Sync ? reference.Mode.MODE_SYNC : reference.Mode.MODE_IDLE,
})
const controlFromReference = (request: reference.CcpRouteControlRequest): CcpRouteControlRequest => ({
  ...request,
  mode: request.mode === reference.Mode.MODE_SYNC ? CcpMode.Sync : CcpMode.Idle,
})

const NOW = Date.parse('2021-03-04T05:06:07.089Z')

describe('interop with ilp-protocol-ccp', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(NOW)
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('agrees with our known-answer vectors', () => {
    expect(hex(reference.serializeCcpRouteControlRequestPayload(controlToReference(controlVector.value)))).toBe(controlVector.hex)
    expect(hex(reference.serializeCcpRouteUpdateRequestPayload(toReference(updateVector.value)))).toBe(updateVector.hex)
    expect(hex(reference.serializeCcpRouteUpdateRequestPayload(toReference(heartbeatVector.value)))).toBe(heartbeatVector.hex)
    expect(reference.deserializeCcpRouteUpdateRequestPayload(Buffer.from(heartbeatVector.hex, 'hex'))).toEqual(heartbeatVector.value)
  })

  it('has the same condition, and the same Fulfill for an accepted request', () => {
    expect(hex(PEER_PROTOCOL_CONDITION)).toBe(hex(reference.PEER_PROTOCOL_CONDITION))
    expect(hex(encodeFulfill(ccpFulfill()))).toBe(hex(reference.serializeCcpResponse()))
    expect(() => reference.deserializeCcpResponse(encodeFulfill(ccpFulfill()))).not.toThrow()
  })

  it('encodes route control requests byte for byte as it does, Prepare included, and each decodes the other', () => {
    fc.assert(
      fc.property(controlRequest, (request) => {
        const theirs = reference.serializeCcpRouteControlRequest(controlToReference(request))
        const ours = encodePrepare(routeControlPrepare(request, new Date(NOW + CCP_REQUEST_LIFETIME_MS)))
        expect(hex(ours)).toBe(hex(theirs))
        expect(readRouteControlPrepare(decodePrepare(theirs))).toEqual(request)
        expect(reference.deserializeCcpRouteControlRequest(ours)).toEqual(controlToReference(request))
        expect(decodeRouteControlRequest(reference.serializeCcpRouteControlRequestPayload(controlToReference(request)))).toEqual(request)
        expect(hex(encodeRouteControlRequest(controlFromReference(reference.deserializeCcpRouteControlRequestPayload(Buffer.from(encodeRouteControlRequest(request))))))).toBe(
          hex(encodeRouteControlRequest(request)),
        )
      }),
      { numRuns: 2000 },
    )
  })

  it('encodes route update requests byte for byte as it does, Prepare included, and each decodes the other', () => {
    fc.assert(
      fc.property(updateRequest(), (request) => {
        const payload = encodeRouteUpdateRequest(request)
        fc.pre(payload.length <= 32767)
        const theirs = reference.serializeCcpRouteUpdateRequest(toReference(request))
        const ours = encodePrepare(routeUpdatePrepare(request, new Date(NOW + CCP_REQUEST_LIFETIME_MS)))
        expect(hex(ours)).toBe(hex(theirs))
        // Their decode of our bytes is the request in their shape…
        expect(reference.deserializeCcpRouteUpdateRequest(ours)).toEqual(toReference(request))
        // …and ours of theirs is the request, every byte of every property kept.
        const decoded = readRouteUpdatePrepare(decodePrepare(theirs))
        expect(hex(encodeRouteUpdateRequest(decoded))).toBe(hex(payload))
        expect(toReference(decoded)).toEqual(toReference(request))
      }),
      { numRuns: 2000 },
    )
  })

  it('decodes arbitrary bytes to the same value as it does whenever both succeed', () => {
    const seeds = [updateVector.hex, heartbeatVector.hex].map((h) => new Uint8Array(Buffer.from(h, 'hex')))
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }), (seed, edits) => {
        const bytes = seed.slice()
        for (const [at, value] of edits) bytes[at % bytes.length] = value
        let ours: CcpRouteUpdateRequest
        let theirs: reference.CcpRouteUpdateRequest
        try {
          ours = decodeRouteUpdateRequest(bytes)
          theirs = reference.deserializeCcpRouteUpdateRequestPayload(Buffer.from(bytes))
        } catch {
          return
        }
        // The reference reads property flags into booleans; compare through its shape.
        expect(toReference(ours).routingTableId).toBe(theirs.routingTableId)
        expect({ ...toReference(ours), newRoutes: toReference(ours).newRoutes.map((r) => ({ ...r, props: [] })) }).toEqual({
          ...theirs,
          newRoutes: theirs.newRoutes.map((r) => ({ ...r, props: [] })),
        })
      }),
      { numRuns: 2000 },
    )
  })
})
