import fc from 'fast-check'
import * as reference from 'ilp-protocol-ccp'
import { describe, expect, it } from 'vitest'
import { isAddressPrefix } from '../src/address.js'
import { CCP_UPDATE_DESTINATION, routeUpdatePrepare } from '../src/ccp/messages.js'
import type { CcpRoute } from '../src/ccp/codec.js'
import { CcpNode } from '../src/ccp/node.js'
import type { RouteRefusal } from '../src/ccp/route-filter.js'
import { IlpPacketType } from '../src/packet/packet.js'
import { PEER_PROTOCOL_CONDITION } from '../src/peer-protocol.js'
import { decodePrepare, encodePrepare } from '../src/packet/prepare.js'
import { segment } from './arbitraries.js'

// We are test.me, with a child `kid` (test.me.kid) and a configured route test.kidco → kid;
// the peer `s` (test.s) sends route updates mixing routes we take with routes we must not.
const TABLE = 'aaaaaaaa-0000-4000-8000-000000000000'
const AUTH = new Uint8Array(32)

function receiver(): CcpNode {
  const node = new CcpNode({ ownAddress: 'test.me' })
  node.addPeer('kid', { relation: 'child' }, 0)
  node.setStaticRoute('test.me.kid', 'kid')
  node.setStaticRoute('test.kidco', 'kid')
  node.addPeer('s', { relation: 'peer' }, 0)
  return node
}

const route = (prefix: string, path = ['test.s']): CcpRoute => ({ prefix, path, auth: AUTH, props: [] })

/** Through the wire codec, as a peer sends it. */
function update(from: number, to: number, newRoutes: CcpRoute[], withdrawnRoutes: string[] = []) {
  const prepare = routeUpdatePrepare(
    { routingTableId: TABLE, currentEpochIndex: to, fromEpochIndex: from, toEpochIndex: to, holdDownTime: 30_000, speaker: 'test.s', newRoutes, withdrawnRoutes },
    new Date(2_000_000),
  )
  return decodePrepare(encodePrepare(prepare))
}

const BAD: [string, CcpRoute, RouteRefusal][] = [
  ['our own address', route('test.me'), 'own-address'],
  ['a prefix under our address', route('test.me.evil'), 'own-address'],
  ['a prefix under our child', route('test.me.kid.wallet'), 'own-address'],
  ['a prefix under a configured route to a child', route('test.kidco.x'), 'child'],
  ['a configured child route itself', route('test.kidco'), 'child'],
  ['another scheme', route('g.elsewhere'), 'outside-global-prefix'],
  ['another bare scheme', route('g'), 'outside-global-prefix'],
  ['the global prefix itself', route('test'), 'global-prefix'],
  ['the empty prefix', route(''), 'global-prefix'],
  ['a prefix that breaks RFC 0015', route('test..x'), 'invalid'],
  ['a path hop that breaks RFC 0015', route('test.far', ['test.s', 'nope']), 'invalid'],
  ['a path through us', route('test.loop', ['test.s', 'test.me', 'test.q']), 'loop'],
]

describe('CcpNode refuses routes one by one, and takes the rest of the update', () => {
  it.each(BAD)('refuses %s, fulfills the update and learns its good route', (_name, bad, reason) => {
    const node = receiver()
    const handled = node.onRouteUpdate('s', update(0, 1, [route('test.good'), bad, route('test.good2')]), 10)
    expect(handled.reply.type).toBe(IlpPacketType.Fulfill)
    expect(handled.refused).toEqual([{ prefix: bad.prefix, reason }])
    expect(node.routingTable.get('test.good')?.nextHop).toBe('s')
    expect(node.routingTable.get('test.good2')?.nextHop).toBe('s')
    expect(node.routingTable.candidatesFor(bad.prefix).filter((r) => r.nextHop === 's')).toEqual([])
  })

  it('routes our own address nowhere, our children to them, whatever the peer said', () => {
    const node = receiver()
    node.onRouteUpdate('s', update(0, 1, BAD.map(([, bad]) => bad)), 10)
    const table = node.routingTable
    expect(table.lookup('test.me')?.nextHop).toBe('')
    expect(table.lookup('test.me.evil.x')?.nextHop).toBe('')
    expect(table.lookup('test.me.kid.wallet')?.nextHop).toBe('kid')
    expect(table.lookup('test.kidco.x')?.nextHop).toBe('kid')
    expect(table.lookup('g.elsewhere.x')).toBeUndefined()
    expect(table.lookup('test.anything')).toBeUndefined()
    expect(table.lookup('test.loop.x')).toBeUndefined()
  })

  it('takes an update ilp-protocol-ccp wrote with the bare global prefix among good routes (no F01 for it all)', () => {
    const node = receiver()
    const payload = reference.serializeCcpRouteUpdateRequestPayload({
      routingTableId: TABLE, currentEpochIndex: 1, fromEpochIndex: 0, toEpochIndex: 1, holdDownTime: 30_000, speaker: 'test.s',
      newRoutes: ['test.a', 'test', 'test.b'].map((prefix) => ({ prefix, path: ['test.s'], auth: Buffer.from(AUTH), props: [] })),
      withdrawnRoutes: ['g'],
    })
    const prepare = { amount: 0n, expiresAt: new Date(2_000_000), executionCondition: PEER_PROTOCOL_CONDITION, destination: CCP_UPDATE_DESTINATION, data: payload }
    const handled = node.onRouteUpdate('s', decodePrepare(encodePrepare(prepare)), 10)
    expect(handled.reply.type).toBe(IlpPacketType.Fulfill)
    expect(handled.refused).toEqual([{ prefix: 'test', reason: 'global-prefix' }])
    expect(node.routingTable.get('test.a')?.nextHop).toBe('s')
    expect(node.routingTable.get('test.b')?.nextHop).toBe('s')
  })

  it('keeps the epochs: the next update follows on without a resync', () => {
    const node = receiver()
    expect(node.onRouteUpdate('s', update(0, 3, [route('test'), route('test.a')]), 10).send.filter((m) => m.kind === 'route-control')).toEqual([])
    const next = node.onRouteUpdate('s', update(3, 4, [route('test.b')]), 20)
    expect(next.send.filter((m) => m.kind === 'route-control')).toEqual([])
    expect(node.routingTable.get('test.b')?.nextHop).toBe('s')
  })

  it('drops what the peer taught before for a prefix it now sends a refused route for', () => {
    const node = receiver()
    node.onRouteUpdate('s', update(0, 1, [route('test.far')]), 10)
    expect(node.routingTable.get('test.far')?.nextHop).toBe('s')
    node.onRouteUpdate('s', update(1, 2, [route('test.far', ['test.s', 'test.me'])]), 20)
    expect(node.routingTable.get('test.far')).toBeUndefined()
  })

  it('does not pass refused routes on to other peers', () => {
    const node = receiver()
    node.addPeer('other', { relation: 'child' }, 0)
    node.onRouteUpdate('s', update(0, 1, [route('test.good'), ...BAD.map(([, bad]) => bad)]), 10)
    const advertised = [...node.forwardingTable.prefixes()].sort()
    expect(advertised).toEqual(['test.good', 'test.kidco', 'test.me'].sort())
  })
})

describe('CcpNode route filtering, any mix of good and bad routes', () => {
  // Good prefixes live under test.ok; bad ones are drawn from each kind of refusal.
  const good = fc.array(segment, { minLength: 1, maxLength: 3 }).map((segments) => route(['test', 'ok', ...segments].join('.')))
  const suffix = fc.array(segment, { maxLength: 2 }).map((segments) => segments.map((s) => `.${s}`).join(''))
  const bad = fc.oneof(
    suffix.map((s) => route(`test.me${s}`)),
    suffix.map((s) => route(`test.kidco${s}`)),
    fc.tuple(fc.constantFrom('g', 'private', 'example', 'test1', 'local'), suffix).map(([scheme, s]) => route(`${scheme}${s}`)),
    fc.constantFrom(route('test'), route('')),
    suffix.map((s) => route(`test.ok${s}..x`)),
    suffix.map((s) => route(`test.ok.loop${s}`, ['test.s', 'test.me'])),
  )
  const entry = fc.oneof(good.map((r) => ({ r, good: true })), bad.map((r) => ({ r, good: false })))

  it('takes every good route, no bad one, and always fulfills', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 30 }), (entries) => {
        const node = receiver()
        const handled = node.onRouteUpdate('s', update(0, 1, entries.map((e) => e.r)), 10)
        expect(handled.reply.type).toBe(IlpPacketType.Fulfill)
        // The last word on a prefix wins, as in the speaker's log.
        const last = new Map(entries.map((e) => [e.r.prefix, e.good]))
        for (const [prefix, isGood] of last) {
          if (isGood) expect(node.routingTable.get(prefix)?.nextHop).toBe('s')
          else expect(node.routingTable.candidatesFor(prefix).filter((r) => r.nextHop === 's')).toEqual([])
        }
        expect(handled.refused.map((r) => r.prefix).sort()).toEqual(entries.filter((e) => !e.good).map((e) => e.r.prefix).sort())
        // Nothing of ours, or of the network as a whole, is routed to the peer.
        for (const r of node.routingTable.routes()) {
          if (r.nextHop !== 's') continue
          expect(isAddressPrefix('test.ok', r.prefix) && !r.path.includes('test.me')).toBe(true)
        }
        expect(node.routingTable.lookup('test.me.x')?.nextHop).toBe('')
        expect(node.routingTable.lookup('test.kidco.x')?.nextHop).toBe('kid')
      }),
      { numRuns: 300 },
    )
  })
})
