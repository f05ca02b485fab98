import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isAddressPrefix } from '../src/address.js'
import { InvalidAddressError } from '../src/address.js'
import { advertiseLikeIlpConnector, advertiseValleyFree, RoutingTable } from '../src/routing/routing-table.js'
import { address } from './arbitraries.js'

const AUTH = new Uint8Array(32)
const learned = (path: string[], expiresAt = 1000) => ({ path, auth: AUTH, expiresAt })

describe('RoutingTable lookup', () => {
  it('matches the longest prefix per segment: g.a matches g.a.b but not g.ab', () => {
    const table = new RoutingTable()
    table.setStatic('g.a', 'alice')
    table.setStatic('g.a.b', 'bob')
    expect(table.lookup('g.a.b.c')?.nextHop).toBe('bob')
    expect(table.lookup('g.a.bc')?.nextHop).toBe('alice')
    expect(table.lookup('g.a')?.nextHop).toBe('alice')
    expect(table.lookup('g.ab')).toBeUndefined()
  })

  it('falls back to the default route, and a scheme prefix covers its scheme', () => {
    const table = new RoutingTable()
    table.setStatic('g', 'global')
    table.setDefault('parent')
    expect(table.lookup('g.x.y')?.nextHop).toBe('global')
    expect(table.lookup('test.x')?.nextHop).toBe('parent')
    expect(table.lookup('gx.y')?.nextHop).toBe('parent')
  })

  it('refuses a prefix that is not an address, a scheme or empty', () => {
    expect(() => new RoutingTable().setStatic('g..a', 'x')).toThrow(InvalidAddressError)
  })

  it('agrees with a linear scan over isAddressPrefix', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(address, fc.constantFrom('p1', 'p2', 'p3')), { maxLength: 20 }), fc.array(address, { maxLength: 20 }), (routes, destinations) => {
        const table = new RoutingTable()
        const prefixes = new Map<string, string>()
        for (const [prefix, hop] of routes) {
          table.setStatic(prefix, hop)
          prefixes.set(prefix, hop)
        }
        // Destinations under some route prefixes, so the match is exercised.
        const probes = [...destinations, ...routes.map(([p]) => `${p}.z`), ...routes.map(([p]) => `${p}z`)]
        for (const destination of probes) {
          let best: string | undefined
          for (const prefix of prefixes.keys()) {
            if (isAddressPrefix(prefix, destination) && (best === undefined || prefix.length > best.length)) best = prefix
          }
          expect(table.lookup(destination)?.prefix).toBe(best)
        }
      }),
      { numRuns: 300 },
    )
  })
})

describe('RoutingTable route choice', () => {
  it('prefers a static route over learned ones', () => {
    const table = new RoutingTable()
    table.learn('peer1', 'g.x', learned(['g.peer1']))
    expect(table.setStatic('g.x', 'manual')).toEqual(['g.x'])
    expect(table.get('g.x')?.nextHop).toBe('manual')
    expect(table.removeStatic('g.x')).toEqual(['g.x'])
    expect(table.get('g.x')?.source).toBe('learned')
  })

  it('ranks learned routes by relation (child, peer, parent), then path length, then peer id', () => {
    const table = new RoutingTable()
    table.setRelation('up', 'parent')
    table.setRelation('side', 'peer')
    table.setRelation('down', 'child')
    table.learn('up', 'g.x', learned(['g.up']))
    table.learn('side', 'g.x', learned(['g.side', 'g.s2', 'g.s3']))
    expect(table.get('g.x')?.nextHop).toBe('side')
    table.learn('down', 'g.x', learned(['g.down', 'g.d2', 'g.d3', 'g.d4']))
    expect(table.get('g.x')?.nextHop).toBe('down')
    table.setRelation('side2', 'peer')
    table.learn('side2', 'g.y', learned(['g.side2', 'g.b']))
    table.learn('side', 'g.y', learned(['g.side']))
    expect(table.get('g.y')?.nextHop).toBe('side')
    table.learn('side2', 'g.y', learned(['g.side2']))
    expect(table.get('g.y')?.nextHop).toBe('side')
  })

  it('withdraws a peer’s routes when it goes away, and reports what changed', () => {
    const table = new RoutingTable()
    table.learn('a', 'g.1', learned(['g.a']))
    table.learn('a', 'g.2', learned(['g.a']))
    table.learn('b', 'g.2', learned(['g.b', 'g.c']))
    expect(table.forget('a').sort()).toEqual(['g.1', 'g.2'])
    expect(table.get('g.1')).toBeUndefined()
    expect(table.get('g.2')?.nextHop).toBe('b')
    expect(table.unlearn('b', 'g.2')).toBe(true)
    expect(table.lookup('g.2.x')).toBeUndefined()
  })

  it('expires learned routes after their hold-down unless refreshed', () => {
    const table = new RoutingTable()
    table.learn('a', 'g.1', learned(['g.a'], 100))
    table.learn('b', 'g.2', learned(['g.b'], 100))
    table.refresh('b', 500)
    expect(table.expire(99)).toEqual([])
    expect(table.expire(100)).toEqual(['g.1'])
    expect(table.get('g.2')?.expiresAt).toBe(500)
    expect(table.expire(500)).toEqual(['g.2'])
  })
})

describe('RoutingTable: a static route to an address prefix covers everything under it', () => {
  it('shadows a learned longer prefix under it, whichever came first, and revives it when removed', () => {
    const table = new RoutingTable()
    table.learn('carol', 'g.bank.vault', learned(['g.carol']))
    expect(table.setStatic('g.bank', 'bank').sort()).toEqual(['g.bank', 'g.bank.vault'])
    expect(table.lookup('g.bank.vault.x')?.nextHop).toBe('bank')
    expect(table.get('g.bank.vault')).toBeUndefined()
    expect(table.candidatesFor('g.bank.vault')).toHaveLength(1)
    expect(table.learn('carol', 'g.bank.vault.deep', learned(['g.carol']))).toBe(false)
    expect(table.lookup('g.bank.vault.deep')?.nextHop).toBe('bank')
    expect(table.removeStatic('g.bank').sort()).toEqual(['g.bank', 'g.bank.vault', 'g.bank.vault.deep'])
    expect(table.lookup('g.bank.vault.deep')?.nextHop).toBe('carol')
  })

  it('lets learned routes refine a default or scheme route, and a longer static one win', () => {
    const table = new RoutingTable()
    table.setDefault('parent')
    table.setStatic('g', 'upstream')
    table.learn('peer', 'g.x', learned(['g.peer']))
    table.setStatic('g.a', 'alice')
    table.setStatic('g.a.b', 'bob')
    expect(table.lookup('g.x.y')?.nextHop).toBe('peer')
    expect(table.lookup('g.a.b.c')?.nextHop).toBe('bob')
    expect(table.staticCover('g.a.b.c')?.prefix).toBe('g.a.b')
    expect(table.staticCover('g.x.y')).toBeUndefined()
  })

  it('agrees with a model: the longest static prefix, or a learned one that no static address prefix covers', () => {
    const prefix = fc.array(fc.constantFrom('a', 'b'), { minLength: 0, maxLength: 3 }).map((s) => ['g', ...s].join('.'))
    const op = fc.record({ prefix, kind: fc.constantFrom('static', 'remove', 'learn', 'unlearn'), hop: fc.constantFrom('p1', 'p2') })
    fc.assert(
      fc.property(fc.array(op, { maxLength: 25 }), (ops) => {
        // Learned routes come from one peer, `lp`: ranking among peers is tested above.
        const table = new RoutingTable()
        const statics = new Map<string, string>()
        const learnedPrefixes = new Set<string>()
        for (const { prefix, kind, hop } of ops) {
          if (kind === 'static') {
            table.setStatic(prefix, hop)
            statics.set(prefix, hop)
          } else if (kind === 'remove') {
            table.removeStatic(prefix)
            statics.delete(prefix)
          } else if (kind === 'learn') {
            table.learn('lp', prefix, learned(['g.lp']))
            learnedPrefixes.add(prefix)
          } else {
            table.unlearn('lp', prefix)
            learnedPrefixes.delete(prefix)
          }
        }
        const covered = (p: string) => [...statics.keys()].some((s) => s.includes('.') && isAddressPrefix(s, p))
        for (const destination of ['g', 'g.a', 'g.b', 'g.a.b', 'g.a.a.b', 'g.b.b.a.x']) {
          let best: { prefix: string; hop: string } | undefined
          const consider = (p: string, hop: string) => {
            if (isAddressPrefix(p, destination) && (best === undefined || p.length > best.prefix.length)) best = { prefix: p, hop }
          }
          for (const [p, hop] of statics) consider(p, hop)
          for (const p of learnedPrefixes) if (!statics.has(p) && !covered(p)) consider(p, 'lp')
          expect(table.lookup(destination)?.nextHop).toBe(best?.hop)
        }
      }),
      { numRuns: 500 },
    )
  })
})

describe('advertise policies', () => {
  it('valley-free: peer and parent routes only go to children; child and local routes go everywhere', () => {
    expect(advertiseValleyFree('peer', 'peer')).toBe(false)
    expect(advertiseValleyFree('parent', 'peer')).toBe(false)
    expect(advertiseValleyFree('peer', 'parent')).toBe(false)
    expect(advertiseValleyFree('parent', 'child')).toBe(true)
    expect(advertiseValleyFree('child', 'parent')).toBe(true)
    expect(advertiseValleyFree('local', 'peer')).toBe(true)
  })

  it('like ilp-connector: only parents are spared peer and parent routes', () => {
    expect(advertiseLikeIlpConnector('peer', 'peer')).toBe(true)
    expect(advertiseLikeIlpConnector('peer', 'parent')).toBe(false)
    expect(advertiseLikeIlpConnector('parent', 'parent')).toBe(false)
    expect(advertiseLikeIlpConnector('child', 'parent')).toBe(true)
  })
})
