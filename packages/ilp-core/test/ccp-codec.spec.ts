import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  decodeRouteControlRequest,
  decodeRouteUpdateRequest,
  encodeRouteControlRequest,
  encodeRouteUpdateRequest,
} from '../src/ccp/codec.js'
import { CCP_CONTROL_DESTINATION, readRouteControlPrepare, readRouteUpdatePrepare, routeControlPrepare, routeUpdatePrepare } from '../src/ccp/messages.js'
import { PEER_PROTOCOL_CONDITION, PEER_PROTOCOL_FULFILLMENT } from '../src/peer-protocol.js'
import { IlpCodecError, InvalidFieldError, TruncatedPacketError } from '../src/packet/codec-errors.js'
import { decodePrepare, encodePrepare } from '../src/packet/prepare.js'
import { controlRequest, rawProperty, updateRequest } from './ccp-arbitraries.js'
import { controlVector, heartbeatVector, updateVector } from './ccp-vectors.js'

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')
const fromHex = (text: string) => new Uint8Array(Buffer.from(text, 'hex'))
const latin1Hex = (text: string) => Buffer.from(text, 'latin1').toString('hex')

/** Decoded values hold Buffer-backed views; compare them as plain data. */
const plain = (value: unknown) => JSON.parse(JSON.stringify(value, (_k, v: unknown) => (v instanceof Uint8Array ? hex(v) : v)))

function decodesOrFailsTyped(decode: (bytes: Uint8Array) => unknown, bytes: Uint8Array): void {
  try {
    decode(bytes)
  } catch (error) {
    expect(error).toBeInstanceOf(IlpCodecError)
  }
}

describe('CCP codec: known answers', () => {
  it('encodes and decodes the route control vector', () => {
    expect(hex(encodeRouteControlRequest(controlVector.value))).toBe(controlVector.hex)
    expect(decodeRouteControlRequest(fromHex(controlVector.hex))).toEqual(controlVector.value)
  })

  it('encodes and decodes the route update vector', () => {
    expect(hex(encodeRouteUpdateRequest(updateVector.value))).toBe(updateVector.hex)
    expect(plain(decodeRouteUpdateRequest(fromHex(updateVector.hex)))).toEqual(plain(updateVector.value))
  })

  it('encodes and decodes the heartbeat vector with UInt32 maxima', () => {
    expect(hex(encodeRouteUpdateRequest(heartbeatVector.value))).toBe(heartbeatVector.hex)
    expect(decodeRouteUpdateRequest(fromHex(heartbeatVector.hex))).toEqual(heartbeatVector.value)
  })

  it('uses the peer-protocol condition: SHA-256 of 32 zero bytes', () => {
    expect(PEER_PROTOCOL_FULFILLMENT).toEqual(new Uint8Array(32))
    expect(Buffer.from(PEER_PROTOCOL_CONDITION).toString('base64')).toBe('Zmh6rfhivXdsj8GLjp+OIAiXFIVu4jOzkCpZHQ1fKSU=')
  })

  it('reads route prefixes and hops as the ASN.1 Address type, leaving RFC 0015 to the receiver per route', () => {
    // A bare scheme, another scheme, '' and a hop without a scheme: each an Address, none a valid ILP address.
    const route = { ...updateVector.value.newRoutes[0]!, props: [] }
    const odd = {
      ...updateVector.value,
      newRoutes: [{ ...route, prefix: 'test' }, { ...route, prefix: 'g.x' }, { ...route, prefix: '' }, { ...route, path: ['nope'] }],
      withdrawnRoutes: ['g', ''],
    }
    expect(decodeRouteUpdateRequest(encodeRouteUpdateRequest(odd))).toEqual(odd)
  })

  it('ignores bytes after the last field, as the draft asks', () => {
    expect(decodeRouteControlRequest(fromHex(controlVector.hex + 'abcd'))).toEqual(controlVector.value)
  })
})

describe('CCP codec: bad input is a typed error naming the field', () => {
  const cases: [string, () => unknown, string][] = [
    ['a truncated table id', () => decodeRouteControlRequest(fromHex('01c0ffee')), 'ccp.control.lastKnownRoutingTableId'],
    ['an unknown mode', () => decodeRouteControlRequest(fromHex('02' + controlVector.hex.slice(2))), 'ccp.control.mode'],
    ['a non-canonical count', () => decodeRouteControlRequest(fromHex(controlVector.hex.slice(0, 42) + '020001' + '0178')), 'ccp.control.features'],
    ['a count of zero bytes', () => decodeRouteControlRequest(fromHex(controlVector.hex.slice(0, 42) + '00')), 'ccp.control.features'],
    ['a count beyond the input', () => decodeRouteControlRequest(fromHex(controlVector.hex.slice(0, 42) + '0405f5e100')), 'ccp.control.features'],
    ['invalid UTF-8 in a feature', () => decodeRouteControlRequest(fromHex(controlVector.hex.slice(0, 42) + '010101ff')), 'ccp.control.features[0]'],
    ['a speaker that is not an address', () => decodeRouteUpdateRequest(fromHex(heartbeatVector.hex.slice(0, 64) + '03672e2e' + '01000100')), 'ccp.update.speaker'],
    ['a truncated route auth', () => decodeRouteUpdateRequest(fromHex(updateVector.hex.slice(0, 160))), 'ccp.update.newRoutes[0].auth'],
    ['an encoder given a bad UUID', () => encodeRouteControlRequest({ ...controlVector.value, lastKnownRoutingTableId: 'nope' }), 'ccp.control.lastKnownRoutingTableId'],
    ['an encoder given a negative epoch', () => encodeRouteUpdateRequest({ ...heartbeatVector.value, fromEpochIndex: -1 }), 'ccp.update.fromEpochIndex'],
    ['an encoder given 2^32', () => encodeRouteUpdateRequest({ ...heartbeatVector.value, holdDownTime: 2 ** 32 }), 'ccp.update.holdDownTime'],
    ['an encoder given a short auth', () => encodeRouteUpdateRequest({ ...updateVector.value, newRoutes: [{ ...updateVector.value.newRoutes[0]!, auth: new Uint8Array(31) }] }), 'ccp.update.newRoutes[0].auth'],
    ['an encoder given a path hop with a space', () => encodeRouteUpdateRequest({ ...updateVector.value, newRoutes: [{ ...updateVector.value.newRoutes[0]!, path: ['test.a', 'test.b c'] }] }), 'ccp.update.newRoutes[0].path[1]'],
    ['a prefix with a character outside the Address type', () => decodeRouteUpdateRequest(fromHex(updateVector.hex.replace(latin1Hex('\x06test.b'), latin1Hex('\x06test.\xe9')))), 'ccp.update.newRoutes[0].prefix'],
  ]
  it.each(cases)('refuses %s', (_name, run, field) => {
    expect(run).toThrow(IlpCodecError)
    try {
      run()
    } catch (error) {
      expect((error as IlpCodecError).field).toBe(field)
    }
  })

  it('reports truncation as TruncatedPacketError and bad values as InvalidFieldError', () => {
    expect(() => decodeRouteUpdateRequest(fromHex(updateVector.hex.slice(0, 40)))).toThrow(TruncatedPacketError)
    expect(() => decodeRouteControlRequest(fromHex('05'))).toThrow(InvalidFieldError)
  })

  it('checks the address and condition of the carrying Prepare', () => {
    const prepare = routeControlPrepare(controlVector.value, new Date(0))
    expect(() => readRouteUpdatePrepare(prepare)).toThrow(/prepare.destination/)
    expect(() => readRouteControlPrepare({ ...prepare, executionCondition: new Uint8Array(32) })).toThrow(/executionCondition/)
    expect(readRouteControlPrepare(decodePrepare(encodePrepare(prepare)))).toEqual(controlVector.value)
    expect(prepare.destination).toBe(CCP_CONTROL_DESTINATION)
    expect(prepare.amount).toBe(0n)
  })
})

describe('CCP codec: properties', () => {
  it('round-trips every route control request', () => {
    fc.assert(
      fc.property(controlRequest, (request) => {
        expect(decodeRouteControlRequest(encodeRouteControlRequest(request))).toEqual(request)
      }),
      { numRuns: 500 },
    )
  })

  it('round-trips every route update request, properties byte for byte', () => {
    fc.assert(
      fc.property(updateRequest(rawProperty), (request) => {
        const bytes = encodeRouteUpdateRequest(request)
        const decoded = decodeRouteUpdateRequest(bytes)
        expect(plain(decoded)).toEqual(plain(request))
        expect(hex(encodeRouteUpdateRequest(decoded))).toBe(hex(bytes))
      }),
      { numRuns: 300 },
    )
  })

  it('round-trips through the carrying Prepare', () => {
    fc.assert(
      fc.property(updateRequest(), (request) => {
        fc.pre(encodeRouteUpdateRequest(request).length <= 32767) // a Prepare's data limit
        const prepare = decodePrepare(encodePrepare(routeUpdatePrepare(request, new Date(1_600_000_000_000))))
        expect(plain(readRouteUpdatePrepare(prepare))).toEqual(plain(request))
      }),
      { numRuns: 100 },
    )
  })

  it('turns arbitrary bytes into a value or a typed error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        decodesOrFailsTyped(decodeRouteControlRequest, bytes)
        decodesOrFailsTyped(decodeRouteUpdateRequest, bytes)
      }),
      { numRuns: 3000 },
    )
  })

  it('turns mutated valid messages into a value that re-encodes, or a typed error', () => {
    const seeds = [updateVector.hex, heartbeatVector.hex, controlVector.hex].map(fromHex)
    fc.assert(
      fc.property(
        fc.constantFrom(...seeds),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.nat(),
        (seed, edits, cut) => {
          const bytes = seed.slice(0, seed.length - (cut % 3 === 0 ? cut % seed.length : 0))
          for (const [at, value] of edits) if (bytes.length > 0) bytes[at % bytes.length] = value
          for (const [decode, encode] of [
            [decodeRouteUpdateRequest, encodeRouteUpdateRequest],
            [decodeRouteControlRequest, encodeRouteControlRequest],
          ] as const) {
            let value: ReturnType<typeof decode>
            try {
              value = decode(bytes)
            } catch (error) {
              expect(error).toBeInstanceOf(IlpCodecError)
              continue
            }
            // What decodes re-encodes to the bytes it was read from (trailing bytes aside).
            const again = (encode as (v: typeof value) => Uint8Array)(value)
            expect(hex(bytes.subarray(0, again.length))).toBe(hex(again))
          }
        },
      ),
      { numRuns: 3000 },
    )
  })
})
