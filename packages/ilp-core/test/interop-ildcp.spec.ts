import fc from 'fast-check'
import * as reference from 'ilp-protocol-ildcp'
import { describe, expect, it } from 'vitest'
import { decodeFulfill, decodeIldcpInfo, encodeIldcpInfo, ildcpFetch, serveIldcp } from '../src/index.js'
import { ildcpInfo } from './arbitraries.js'

// Both directions against the published ilp-protocol-ildcp: its client against our
// server helper, our client against its server, and the response bytes themselves.
describe('interop with ilp-protocol-ildcp', () => {
  it('encodes the response Fulfill byte for byte as it does, and each decodes the other', () => {
    fc.assert(
      fc.property(ildcpInfo, (info) => {
        const theirs = reference.serializeIldcpResponse(info)
        const ours = serveIldcp(reference.serializeIldcpRequest({ expiresAt: new Date(Date.now() + 60_000) }), info, 'g.p')
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
    const got = await reference.fetch(async (request) => Buffer.from(serveIldcp(request, info, 'test.parent')))
    expect(got).toEqual(info)
  })

  it('our fetch gets its answer', async () => {
    const info = { clientAddress: 'test.parent.kid', assetScale: 6, assetCode: 'USD' }
    const got = await ildcpFetch((request) =>
      reference.serve({ requestPacket: Buffer.from(request), handler: async () => info, serverAddress: 'test.parent' }),
    )
    expect(got).toEqual(info)
  })
})
