import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  decodeFulfill,
  decodeIldcpInfo,
  decodeReject,
  encodeFulfill,
  encodeIldcpInfo,
  encodePrepare,
  encodeReject,
  IlpCodecError,
  IlpError,
  PEER_PROTOCOL_CONDITION,
  ildcpFetch,
  ildcpRequest,
  InvalidFieldError,
  serveIldcp,
  type IldcpInfo,
} from '../src/index.js'
import * as arb from './arbitraries.js'

const info: IldcpInfo = { clientAddress: 'g.parent.child', assetScale: 9, assetCode: 'XRP' }

describe('ILDCP codec', () => {
  it('has the condition RFC 0031 gives', () => {
    expect(Buffer.from(PEER_PROTOCOL_CONDITION).toString('base64')).toBe('Zmh6rfhivXdsj8GLjp+OIAiXFIVu4jOzkCpZHQ1fKSU=')
  })

  it('round-trips any info', () => {
    fc.assert(
      fc.property(arb.ildcpInfo, (value) => {
        expect(decodeIldcpInfo(encodeIldcpInfo(value))).toEqual(value)
      }),
    )
  })

  it('answers arbitrary bytes with info or a typed error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          decodeIldcpInfo(bytes)
        } catch (error) {
          expect(error).toBeInstanceOf(IlpCodecError)
        }
      }),
      { numRuns: 2000 },
    )
  })

  it('refuses a scale outside UInt8 and an invalid address', () => {
    expect(() => encodeIldcpInfo({ ...info, assetScale: 256 })).toThrow(InvalidFieldError)
    expect(() => encodeIldcpInfo({ ...info, assetScale: 1.5 })).toThrow(InvalidFieldError)
    expect(() => encodeIldcpInfo({ ...info, clientAddress: 'g' })).toThrow(InvalidFieldError)
    const bytes = Buffer.from(encodeIldcpInfo(info))
    bytes[1] = 'x'.charCodeAt(0) // "x.parent.child"
    expect(() => decodeIldcpInfo(bytes)).toThrow(/ildcp\.clientAddress/)
    expect(() => decodeIldcpInfo(Buffer.concat([encodeIldcpInfo(info), Buffer.from([0])]))).toThrow(/trailing/)
  })
})

describe('serveIldcp and ildcpFetch', () => {
  const now = new Date('2026-01-01T00:00:00Z')
  const later = new Date(now.getTime() + 10_000)

  it('give the child what the parent serves', async () => {
    const child = await ildcpFetch(async (request) => serveIldcp(request, info, 'g.parent', now), { expiresAt: later })
    expect(child).toEqual(info)
  })

  it('reject a request to another address, with another condition, expired or malformed', () => {
    const request = ildcpRequest(later)
    const code = (bytes: Uint8Array) => decodeReject(serveIldcp(bytes, info, 'g.parent', now)).code
    expect(code(encodePrepare({ ...request, destination: 'peer.route.control' }))).toBe('F02')
    expect(code(encodePrepare({ ...request, executionCondition: new Uint8Array(32) }))).toBe('F05')
    expect(code(encodePrepare({ ...request, expiresAt: now }))).toBe('R00')
    expect(code(new Uint8Array([12, 1, 0]))).toBe('F01')
    expect(decodeReject(serveIldcp(new Uint8Array(), info, 'g.parent', now)).triggeredBy).toBe('g.parent')
  })

  it('throws the parent’s Reject as an IlpError', async () => {
    const send = async () => encodeReject({ code: 'T01', triggeredBy: 'g.parent', message: 'down', data: new Uint8Array() })
    const error = await ildcpFetch(send).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(IlpError)
    expect(error).toMatchObject({ code: 'T01', triggeredBy: 'g.parent' })
  })

  it('refuses a Fulfill whose fulfillment is not the zero fulfillment', async () => {
    const send = async () => encodeFulfill({ fulfillment: new Uint8Array(32).fill(1), data: encodeIldcpInfo(info) })
    await expect(ildcpFetch(send)).rejects.toThrow(InvalidFieldError)
  })

  it('refuses a reply that is not a packet, with a typed error', async () => {
    await expect(ildcpFetch(async () => new Uint8Array([13, 5, 1]))).rejects.toBeInstanceOf(IlpCodecError)
  })

  it('answers a valid request with a Fulfill of zeros', () => {
    const fulfill = decodeFulfill(serveIldcp(encodePrepare(ildcpRequest(later)), info, 'g.parent', now))
    expect([...fulfill.fulfillment]).toEqual(new Array(32).fill(0))
  })
})
