import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { formatSpspResponse, parseSpspResponse, SpspResponseError } from '../src/index.js'

// RFC 0009 §Response: the example body.
const RFC_EXAMPLE = {
  destination_account: 'example.ilpdemo.red.bob',
  shared_secret: '6jR5iNIVRvqeasJeCty6C+YB5X9FhSOUPCL/5nha5Vs=',
}
const SECRET = Buffer.from(RFC_EXAMPLE.shared_secret, 'base64')

function fieldOf(json: unknown): string | 'no error' {
  try {
    parseSpspResponse(json)
    return 'no error'
  } catch (error) {
    expect(error).toBeInstanceOf(SpspResponseError)
    return (error as SpspResponseError).field
  }
}

describe('parseSpspResponse (RFC 0009 §Response Body)', () => {
  it('decodes the RFC example', () => {
    const parsed = parseSpspResponse(RFC_EXAMPLE)
    expect(parsed.destinationAccount).toBe('example.ilpdemo.red.bob')
    expect(Buffer.from(parsed.sharedSecret)).toEqual(SECRET)
    expect(parsed.sharedSecret).toHaveLength(32)
    expect(parsed.receiptsEnabled).toBe(false)
  })

  it('accepts base64url, padded or not (clients SHOULD accept base64url)', () => {
    const url = SECRET.toString('base64url')
    expect(url).not.toMatch(/=/)
    for (const secret of [url, `${url}=`, RFC_EXAMPLE.shared_secret.slice(0, -1)]) {
      expect(Buffer.from(parseSpspResponse({ ...RFC_EXAMPLE, shared_secret: secret }).sharedSecret)).toEqual(SECRET)
    }
  })

  it('reads receipts_enabled (RFC 0039 §SPSP)', () => {
    expect(parseSpspResponse({ ...RFC_EXAMPLE, receipts_enabled: true }).receiptsEnabled).toBe(true)
    expect(parseSpspResponse({ ...RFC_EXAMPLE, receipts_enabled: false }).receiptsEnabled).toBe(false)
  })

  it('ignores fields it does not understand (MUST), including the pre-STREAM balance and asset_info', () => {
    const parsed = parseSpspResponse({
      ...RFC_EXAMPLE,
      balance: { maximum: '100', current: '5' },
      asset_info: { code: 'USD', scale: 2 },
      receipt_nonce: 'x',
    })
    expect(Object.keys(parsed).sort()).toEqual(['destinationAccount', 'receiptsEnabled', 'sharedSecret'])
  })

  it.each<[string, unknown, string]>([
    ['null', null, 'body'],
    ['an array', [RFC_EXAMPLE], 'body'],
    ['a string', 'destination_account', 'body'],
    ['no destination_account', { shared_secret: RFC_EXAMPLE.shared_secret }, 'destination_account'],
    ['a numeric destination_account', { ...RFC_EXAMPLE, destination_account: 42 }, 'destination_account'],
    ['an invalid address', { ...RFC_EXAMPLE, destination_account: 'bob' }, 'destination_account'],
    ['an address with an unknown scheme', { ...RFC_EXAMPLE, destination_account: 'x.bob' }, 'destination_account'],
    ['no shared_secret', { destination_account: 'g.bob' }, 'shared_secret'],
    ['a shared_secret of 31 bytes', { ...RFC_EXAMPLE, shared_secret: SECRET.subarray(1).toString('base64') }, 'shared_secret'],
    ['a shared_secret of 33 bytes', { ...RFC_EXAMPLE, shared_secret: Buffer.concat([SECRET, SECRET.subarray(0, 1)]).toString('base64') }, 'shared_secret'],
    ['a shared_secret in hex', { ...RFC_EXAMPLE, shared_secret: SECRET.toString('hex') }, 'shared_secret'],
    ['mixed alphabets', { ...RFC_EXAMPLE, shared_secret: `-${RFC_EXAMPLE.shared_secret.slice(1).replace('5', '+')}` }, 'shared_secret'],
    ['non-zero trailing bits', { ...RFC_EXAMPLE, shared_secret: '6jR5iNIVRvqeasJeCty6C+YB5X9FhSOUPCL/5nha5Vt=' }, 'shared_secret'],
    ['a shared_secret with spaces', { ...RFC_EXAMPLE, shared_secret: ` ${RFC_EXAMPLE.shared_secret}` }, 'shared_secret'],
    ['a string receipts_enabled', { ...RFC_EXAMPLE, receipts_enabled: 'true' }, 'receipts_enabled'],
  ])('refuses %s, naming the field', (_, json, field) => {
    expect(fieldOf(json)).toBe(field)
  })

  it('any JSON value gives a response or an SpspResponseError, never another exception', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.record({ destination_account: fc.oneof(fc.string(), fc.jsonValue()), shared_secret: fc.oneof(fc.base64String(), fc.jsonValue()) }),
        ),
        (json) => {
          try {
            parseSpspResponse(json)
          } catch (error) {
            if (!(error instanceof SpspResponseError)) throw error
          }
        },
      ),
      { numRuns: 2000 },
    )
  })
})

describe('formatSpspResponse', () => {
  it('writes padded base64 and round-trips through parseSpspResponse', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.boolean(), (secret, receiptsEnabled) => {
        const json = formatSpspResponse({ destinationAccount: 'test.bob.~x_y-z', sharedSecret: secret, receiptsEnabled })
        expect(json.shared_secret).toMatch(/^[A-Za-z0-9+/]{43}=$/)
        const parsed = parseSpspResponse(JSON.parse(JSON.stringify(json)))
        expect(parsed.sharedSecret).toEqual(secret)
        expect(parsed.receiptsEnabled).toBe(receiptsEnabled)
        expect('receipts_enabled' in json).toBe(receiptsEnabled)
      }),
      { numRuns: 200 },
    )
  })

  it('formats the RFC example exactly', () => {
    expect(formatSpspResponse({ destinationAccount: RFC_EXAMPLE.destination_account, sharedSecret: SECRET })).toEqual(RFC_EXAMPLE)
  })

  it('refuses a bad address or a secret that is not 32 bytes', () => {
    expect(() => formatSpspResponse({ destinationAccount: 'nope', sharedSecret: SECRET })).toThrow(SpspResponseError)
    expect(() => formatSpspResponse({ destinationAccount: 'g.bob', sharedSecret: new Uint8Array(16) })).toThrow(
      /shared_secret/,
    )
  })
})
