import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidPaymentPointerError, parsePaymentPointer, resolveSpspEndpoint } from '../src/index.js'

// Characters that matter to the grammar, so that random strings often come close to valid.
const interesting = fc.constantFrom(
  ...'$/.:@?#[]%-_~!&\'()*+,;=aZ09 \t"<>\\^`{|}'.split(''),
  '%2e',
  '%41',
  'xn--',
  '..',
  'ü',
  '\u0000',
)
const nearPointer = fc
  .array(fc.oneof(interesting, fc.string({ maxLength: 3 })), { maxLength: 24 })
  .map((parts) => `$${parts.join('')}`)
const anyInput = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), nearPointer, nearPointer.map((p) => p.slice(1)))

function typedOrUrl(run: () => URL | string): void {
  try {
    const result = run()
    const url = new URL(typeof result === 'string' ? result : result.href)
    expect(['https:', 'http:']).toContain(url.protocol)
  } catch (error) {
    if (!(error instanceof InvalidPaymentPointerError)) throw error
  }
}

// RFC 3986 host and path-abempty generators, restricted to what must round-trip unchanged.
const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?$/).filter((l) => !/^xn--/.test(l) && !/^[0-9]+$/.test(l) && !/^0x/.test(l))
const host = fc.array(label, { minLength: 1, maxLength: 4 }).map((labels) => labels.join('.'))
const segment = fc
  .stringMatching(/^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-F]{2}){0,12}$/)
  .filter((s) => s !== '.' && s !== '..' && !/^(?:\.|%2e){1,2}$/i.test(s))
const path = fc.array(segment, { maxLength: 4 }).map((segments) => segments.map((s) => `/${s}`).join(''))

describe('payment pointer properties', () => {
  it('any string gives a URL or an InvalidPaymentPointerError, never another exception', () => {
    fc.assert(
      fc.property(anyInput, fc.boolean(), (input, allowInsecure) => {
        typedOrUrl(() => parsePaymentPointer(input).endpoint)
        typedOrUrl(() => resolveSpspEndpoint(input, { allowInsecure }))
      }),
      { numRuns: 3000 },
    )
  })

  it('a grammatical pointer resolves to "https://" host path, or /.well-known/pay for an empty or / path', () => {
    fc.assert(
      fc.property(host, path, (h, p) => {
        const parsed = parsePaymentPointer(`$${h}${p}`)
        const expectedPath = p === '' || p === '/' ? '/.well-known/pay' : p
        expect(parsed.endpoint).toBe(`https://${h}${expectedPath}`)
        expect(new URL(parsed.endpoint).pathname).toBe(expectedPath)
        expect(parsed.host).toBe(h)
      }),
      { numRuns: 1000 },
    )
  })

  it('a pointer with a port, userinfo, query or fragment is always refused', () => {
    const extra = fc.constantFrom(':1', ':', 'u@')
    fc.assert(
      fc.property(host, path, extra, fc.constantFrom('?q', '#f', ''), (h, p, e, tail) => {
        expect(() => parsePaymentPointer(e === 'u@' ? `$${e}${h}${p}${tail}` : `$${h}${e}${p}${tail}`)).toThrow(
          InvalidPaymentPointerError,
        )
      }),
      { numRuns: 300 },
    )
  })
})
