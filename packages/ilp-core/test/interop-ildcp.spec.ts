import fc from 'fast-check'
import * as reference from 'ilp-protocol-ildcp'
import { describe, expect, it } from 'vitest'
import { decodeFulfill, decodeIldcpInfo, decodePrepare, decodeReply, encodeIldcpInfo, encodePrepare, encodeReply, ildcpFetch, serveIldcp, type IldcpInfo, type IlpPrepare } from '../src/index.js'
import { ildcpInfo } from './arbitraries.js'

// The parent's answer on the wire, as a parent's link carries it.
const serveBytes = (request: Uint8Array, info: IldcpInfo, address: string): Uint8Array => encodeReply(serveIldcp(decodePrepare(request), info, address))

// Both directions against the published ilp-protocol-ildcp: its client against our
// server helper, our client against its server, and the response bytes themselves.
describe('interop with ilp-protocol-ildcp', () => {
  it('encodes the response Fulfill byte for byte as it does, and each decodes the other', () => {
    fc.assert(
      fc.property(ildcpInfo, (info) => {
        const theirs = reference.serializeIldcpResponse(info)
        const ours = serveBytes(reference.serializeIldcpRequest({ expiresAt: new Date(Date.now() + 60_000) }), info, 'g.p')
        expect(Buffer.from(ours).equals(theirs)).toBe(true)
        expect(decodeIldcpInfo(decodeFulfill(theirs).data)).toEqual(info)
        expect(reference.deserializeIldcpResponse(Buffer.from(ours))).toEqual(info)
        expect(Buffer.from(encodeIldcpInfo(info)).equals(decodeFulfill(theirs).data)).toBe(true)
      }),
      { numRuns: 1000 },
    )
  })

  it('its fetch gets our answer', async () => {
    const info = { clientAddress: 'test.parent.kid', assetScale: 2, assetCode: 'EUR' }
    const got = await reference.fetch(async (request) => Buffer.from(serveBytes(request, info, 'test.parent')))
    expect(got).toEqual(info)
  })

  it('our fetch gets its answer', async () => {
    const info = { clientAddress: 'test.parent.kid', assetScale: 6, assetCode: 'USD' }
    const got = await ildcpFetch(async (request: IlpPrepare) =>
      decodeReply(await reference.serve({ requestPacket: Buffer.from(encodePrepare(request)), handler: async () => info, serverAddress: 'test.parent' })),
    )
    expect(got).toEqual(info)
  })
})
