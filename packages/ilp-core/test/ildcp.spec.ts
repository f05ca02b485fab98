import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  decodeFulfill,
  decodeIldcpInfo,
  encodeIldcpInfo,
  encodeReply,
  IlpCodecError,
  IlpPacketType,
  reject,
  IlpError,
  PEER_PROTOCOL_CONDITION,
  ildcpFetch,
  ildcpRequest,
  InvalidFieldError,
  serveIldcp,
  type IldcpInfo,
  type IlpPrepare,
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

  it('reject a request to another address, with another condition or expired, from the parent', () => {
    const request = ildcpRequest(later)
    const refused = (prepare: IlpPrepare) => {
      const reply = serveIldcp(prepare, info, 'g.parent', now)
      if (reply.type !== IlpPacketType.Reject) throw new Error('expected a Reject')
      return reply
    }
    expect(refused({ ...request, destination: 'peer.route.control' }).code).toBe('F02')
    expect(refused({ ...request, executionCondition: new Uint8Array(32) }).code).toBe('F05')
    expect(refused({ ...request, expiresAt: now })).toMatchObject({ code: 'R00', triggeredBy: 'g.parent' })
  })

  it('throws the parent’s Reject as an IlpError', async () => {
    const error = await ildcpFetch(async () => reject('T01', 'g.parent', 'down')).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(IlpError)
    expect(error).toMatchObject({ code: 'T01', triggeredBy: 'g.parent' })
  })

  it('refuses a Fulfill whose fulfillment is not the zero fulfillment', async () => {
    const send = async () => ({ type: IlpPacketType.Fulfill as const, fulfillment: new Uint8Array(32).fill(1), data: encodeIldcpInfo(info) })
    await expect(ildcpFetch(send)).rejects.toThrow(InvalidFieldError)
  })

  it('refuses a Fulfill whose data is not ILDCP info, with a typed error', async () => {
    const send = async () => ({ type: IlpPacketType.Fulfill as const, fulfillment: new Uint8Array(32), data: new Uint8Array([5, 1]) })
    await expect(ildcpFetch(send)).rejects.toBeInstanceOf(IlpCodecError)
  })

  it('answers a valid request with a Fulfill of zeros that encodes as ilp-packet would', () => {
    const reply = serveIldcp(ildcpRequest(later), info, 'g.parent', now)
    const fulfill = decodeFulfill(encodeReply(reply))
    expect([...fulfill.fulfillment]).toEqual(new Array(32).fill(0))
    expect(decodeIldcpInfo(fulfill.data)).toEqual(info)
  })
})
