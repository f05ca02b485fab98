import { CcpMode, type CcpRouteControlRequest, type CcpRouteUpdateRequest } from '../src/ccp/codec.js'

/**
 * Known answers for the CCP payloads, written field by field from the ASN.1 module
 * and RFC 0030 (our own values; interop-ccp.spec.ts checks ilp-protocol-ccp agrees).
 */
const ascii = (text: string): string => Buffer.from(text, 'latin1').toString('hex')
const varAscii = (text: string): string => text.length.toString(16).padStart(2, '0') + ascii(text)

export const controlVector: { value: CcpRouteControlRequest; hex: string } = {
  value: {
    mode: CcpMode.Sync,
    lastKnownRoutingTableId: 'c0ffee00-1234-4abc-8def-0123456789ab',
    lastKnownEpoch: 7,
    features: ['x'],
  },
  hex: [
    '01', // mode: sync
    'c0ffee0012344abc8def0123456789ab', // routing table id, 16 bytes
    '00000007', // last known epoch, UInt32
    '0101', // features: var-uint count 1
    '0178', // "x"
  ].join(''),
}

export const updateVector: { value: CcpRouteUpdateRequest; hex: string } = {
  value: {
    routingTableId: 'c0ffee00-1234-4abc-8def-0123456789ab',
    currentEpochIndex: 9,
    fromEpochIndex: 4,
    toEpochIndex: 9,
    holdDownTime: 45000,
    speaker: 'test.a',
    newRoutes: [
      {
        prefix: 'test.b',
        path: ['test.a', 'test.b'],
        auth: new Uint8Array(32).fill(0x11),
        props: [{ meta: 0x90, id: 0x0102, value: new Uint8Array(Buffer.from('hi')) }],
      },
    ],
    withdrawnRoutes: ['test.c'],
  },
  hex: [
    'c0ffee0012344abc8def0123456789ab', // routing table id
    '00000009', // current epoch
    '00000004', // from epoch
    '00000009', // to epoch (exclusive)
    '0000afc8', // hold-down time 45000 ms
    varAscii('test.a'), // speaker
    '0101', // one new route
    varAscii('test.b'), // its prefix
    '0102', // a path of two
    varAscii('test.a'),
    varAscii('test.b'),
    '11'.repeat(32), // auth
    '0101', // one property
    '90', // meta: optional | utf8
    '0102', // id
    '026869', // value "hi"
    '0101', // one withdrawn route
    varAscii('test.c'),
  ].join(''),
}

/** An update with nothing in it: the heartbeat. */
export const heartbeatVector: { value: CcpRouteUpdateRequest; hex: string } = {
  value: {
    routingTableId: '00000000-0000-4000-8000-000000000001',
    currentEpochIndex: 0xffffffff,
    fromEpochIndex: 0xffffffff,
    toEpochIndex: 0xffffffff,
    holdDownTime: 0,
    speaker: 'g.hub',
    newRoutes: [],
    withdrawnRoutes: [],
  },
  hex: '00000000000040008000000000000001' + 'ffffffff'.repeat(3) + '00000000' + varAscii('g.hub') + '0100' + '0100',
}
