import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  ALLOCATION_SCHEMES,
  InvalidAddressError,
  addressSegments,
  allocationScheme,
  assertAddress,
  childAddress,
  isAddressPrefix,
  isValidAddress,
  parentAddress,
  type InvalidAddressReason,
} from '../src/address.js'
import { IlpCodecError } from '../src/packet/codec-errors.js'

const segmentChars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_~-'.split('')
const segment = fc.string({ unit: fc.constantFrom(...segmentChars), minLength: 1, maxLength: 40 })
const scheme = fc.constantFrom(...ALLOCATION_SCHEMES)

/** An address of exactly `length` characters: `g.` then a single long segment. */
function addressOfLength(length: number): string {
  return `g.${'a'.repeat(length - 2)}`
}

const valid: string[] = [
  'g.acme.bob',
  'peer.config',
  'self.x',
  'private.a',
  'example.alice',
  'test.a',
  'test1.a',
  'test2.a',
  'test3.a',
  'local.node-1',
  'g.A_b~c-D.0',
  'g.us-fed.ach.0.acmebank.swx0a0.acmecorp.sales.199.~ipr.cdfa5e16-e759-4ba3-88f6-8b9dc83c1868.2',
  'g.-', // a segment may be a lone hyphen, tilde or underscore
  'g.g', // a scheme name is a fine segment
  addressOfLength(1023),
]

const invalid: Array<[string, InvalidAddressReason]> = [
  ['', 'empty-segment'],
  ['g', 'missing-segment'],
  ['test', 'missing-segment'],
  ['g.', 'empty-segment'],
  ['g.alice.', 'empty-segment'],
  ['g..alice', 'empty-segment'],
  ['.g.alice', 'empty-segment'],
  ['unknown.alice', 'bad-scheme'],
  ['G.alice', 'bad-scheme'],
  ['Test.alice', 'bad-scheme'],
  ['test4.alice', 'bad-scheme'],
  ['test0.alice', 'bad-scheme'],
  ['gg.alice', 'bad-scheme'],
  ['alice', 'bad-scheme'],
  ['g.alice bob', 'bad-character'],
  ['g.alice/bob', 'bad-character'],
  ['g.ålice', 'bad-character'],
  ['g.alice😀', 'bad-character'],
  ['g.alice\n', 'bad-character'],
  ['g.alice\0', 'bad-character'],
  ['g.a+b', 'bad-character'],
  [addressOfLength(1024), 'too-long'],
]

describe('isValidAddress', () => {
  it.each(valid)('accepts %s', (address) => {
    expect(isValidAddress(address)).toBe(true)
    expect(() => assertAddress(address)).not.toThrow()
  })

  it.each(invalid)('rejects %j (%s)', (address) => {
    expect(isValidAddress(address)).toBe(false)
  })

  it('accepts 1023 characters and rejects 1024', () => {
    expect(addressOfLength(1023)).toHaveLength(1023)
    expect(isValidAddress(addressOfLength(1023))).toBe(true)
    expect(isValidAddress(addressOfLength(1024))).toBe(false)
  })

  it('accepts every address built from a scheme and valid segments, up to 1023 characters', () => {
    fc.assert(
      fc.property(scheme, fc.array(segment, { minLength: 1, maxLength: 30 }), (s, segments) => {
        const address = [s, ...segments].join('.')
        expect(isValidAddress(address)).toBe(address.length <= 1023)
      }),
    )
  })

  it('rejects an otherwise valid address with one character outside the segment alphabet', () => {
    const outside = fc.string({ minLength: 1, maxLength: 1, unit: 'grapheme' }).filter((c) => !/^[a-zA-Z0-9_~.-]$/.test(c))
    fc.assert(
      fc.property(scheme, segment, outside, fc.nat(), (s, seg, bad, at) => {
        const i = at % (seg.length + 1)
        expect(isValidAddress(`${s}.${seg.slice(0, i)}${bad}${seg.slice(i)}`)).toBe(false)
      }),
    )
  })

  it('agrees with the RFC 0015 regex, lookahead included, on arbitrary strings', () => {
    const rfc = /(?=^.{1,1023}$)^(g|private|example|peer|self|test[1-3]?|local)([.][a-zA-Z0-9_~-]+)+$/
    const chars = fc.constantFrom(...'gtestpriv.123aZ_~-é \n'.split(''))
    fc.assert(
      fc.property(fc.string({ unit: chars, maxLength: 30 }), (s) => {
        expect(isValidAddress(s)).toBe(rfc.test(s))
      }),
    )
  })
})

describe('assertAddress', () => {
  it.each(invalid)('throws InvalidAddressError for %j with reason %s', (address, reason) => {
    let thrown: unknown
    try {
      assertAddress(address, 'prepare.destination')
    } catch (e) {
      thrown = e
    }
    expect(thrown).toBeInstanceOf(InvalidAddressError)
    expect(thrown).toBeInstanceOf(IlpCodecError)
    const error = thrown as InvalidAddressError
    expect(error.name).toBe('InvalidAddressError')
    expect(error.reason).toBe(reason)
    expect(error.address).toBe(address)
    expect(error.field).toBe('prepare.destination')
    expect(error.message).toMatch(/^prepare\.destination: /)
  })

  it('names the field "address" by default and keeps a huge address out of the message', () => {
    const huge = `g.${'a'.repeat(100_000)}`
    const error = catchError(() => assertAddress(huge))
    expect(error.field).toBe('address')
    expect(error.reason).toBe('too-long')
    expect(error.address).toBe(huge)
    expect(error.message.length).toBeLessThan(200)
  })
})

describe('allocationScheme', () => {
  it.each([
    ['g.alice', 'g'],
    ['test3.x.y', 'test3'],
    ['peer.config', 'peer'],
    ['g', 'g'],
  ])('reads the scheme of %s', (address, expected) => {
    expect(allocationScheme(address)).toBe(expected)
  })

  it.each(['G.alice', 'gg.alice', 'alice', '', '.g'])('is undefined for %j', (address) => {
    expect(allocationScheme(address)).toBeUndefined()
  })
})

describe('isAddressPrefix', () => {
  it.each([
    ['g.alice', 'g.alice', true],
    ['g.alice', 'g.alice.bob', true],
    ['g', 'g.alice', true],
    ['g.alice', 'g.alicebob', false],
    ['g.alice', 'g.alic', false],
    ['g.alice.bob', 'g.alice', false],
    ['g.alice', 'g.alice-bob', false],
    ['test', 'test1.alice', false],
    ['g.alice', 'G.alice.bob', false],
  ])('isAddressPrefix(%s, %s) is %s', (prefix, address, expected) => {
    expect(isAddressPrefix(prefix, address)).toBe(expected)
  })

  it('holds for every ancestor of an address and for no sibling with a longer last segment', () => {
    fc.assert(
      fc.property(scheme, fc.array(segment, { minLength: 1, maxLength: 8 }), segment, (s, segments, extra) => {
        const address = [s, ...segments].join('.')
        for (let n = 1; n <= segments.length + 1; n++) {
          expect(isAddressPrefix(addressSegments(address).slice(0, n).join('.'), address)).toBe(true)
        }
        expect(isAddressPrefix(address, `${address}${extra}`)).toBe(false)
        expect(isAddressPrefix(address, `${address}.${extra}`)).toBe(true)
      }),
    )
  })
})

describe('addressSegments and parentAddress', () => {
  it('splits an address into its segments, scheme first', () => {
    expect(addressSegments('g.acme.bob')).toEqual(['g', 'acme', 'bob'])
  })

  it('drops the last segment, down to the bare scheme, then gives undefined', () => {
    expect(parentAddress('g.acme.bob')).toBe('g.acme')
    expect(parentAddress('g.acme')).toBe('g')
    expect(parentAddress('g')).toBeUndefined()
  })

  it('is the inverse of childAddress', () => {
    fc.assert(
      fc.property(scheme, fc.array(segment, { minLength: 0, maxLength: 5 }), segment, (s, segments, last) => {
        const parent = [s, ...segments].join('.')
        const child = childAddress(parent, last)
        expect(parentAddress(child)).toBe(parent)
        expect(addressSegments(child)).toEqual([s, ...segments, last])
        expect(isAddressPrefix(parent, child)).toBe(true)
      }),
    )
  })
})

describe('childAddress', () => {
  it('appends a segment, to a full address or to a bare scheme', () => {
    expect(childAddress('g.acme', 'bob')).toBe('g.acme.bob')
    expect(childAddress('test', 'alice')).toBe('test.alice')
  })

  it.each([
    ['g.acme', 'bob.eve', 'bad-character', 'segment'],
    ['g.acme', 'b b', 'bad-character', 'segment'],
    ['g.acme', '', 'empty-segment', 'segment'],
    ['nope', 'bob', 'bad-scheme', 'address'],
    ['g.acme.', 'bob', 'empty-segment', 'address'],
    [addressOfLength(1020), 'bob', 'too-long', 'address'],
  ])('refuses childAddress(%j, %j): %s', (parent, seg, reason, field) => {
    const error = catchError(() => childAddress(parent, seg))
    expect(error.reason).toBe(reason)
    expect(error.field).toBe(field)
  })
})

function catchError(fn: () => unknown): InvalidAddressError {
  try {
    fn()
  } catch (e) {
    if (e instanceof InvalidAddressError) return e
    throw e
  }
  throw new Error('expected an InvalidAddressError')
}
