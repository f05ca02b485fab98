import { describe, expect, it } from 'vitest'
import { InvalidPaymentPointerError, parsePaymentPointer, resolveSpspEndpoint } from '../src/index.js'
import type { InvalidPaymentPointerReason } from '../src/index.js'

function reasonOf(run: () => unknown): InvalidPaymentPointerReason | 'no error' {
  try {
    run()
    return 'no error'
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidPaymentPointerError)
    return (error as InvalidPaymentPointerError).reason
  }
}

describe('parsePaymentPointer: valid pointers (RFC 0026)', () => {
  it.each([
    // The RFC's own examples.
    ['$example.com', 'https://example.com/.well-known/pay'],
    ['$example.com/invoices/12345', 'https://example.com/invoices/12345'],
    ['$bob.example.com', 'https://bob.example.com/.well-known/pay'],
    ['$example.com/bob', 'https://example.com/bob'],
    // "empty or equal to /" → /.well-known/pay; anything longer is kept as written.
    ['$example.com/', 'https://example.com/.well-known/pay'],
    ['$example.com//', 'https://example.com//'],
    ['$example.com/bob/', 'https://example.com/bob/'],
    ['$example.com/.well-known/pay', 'https://example.com/.well-known/pay'],
    // Host case is not significant; path case is.
    ['$Wallet.Example.COM/Alice', 'https://wallet.example.com/Alice'],
    // pchar: unreserved, pct-encoded, sub-delims, ":" and "@" are all allowed in the path.
    ["$example.com/a-b_c~d.e/!$&'()*+,;=/:@/%20%2F", "https://example.com/a-b_c~d.e/!$&'()*+,;=/:@/%20%2F"],
    ['$example.com/@alice', 'https://example.com/@alice'],
    ['$example.com/...', 'https://example.com/...'],
    ['$example.com/.x', 'https://example.com/.x'],
    // IPv4address and IP-literal hosts.
    ['$127.0.0.1', 'https://127.0.0.1/.well-known/pay'],
    ['$[::1]/alice', 'https://[::1]/alice'],
    ['$[2001:db8::7]', 'https://[2001:db8::7]/.well-known/pay'],
    // An A-label is ASCII: accepted as written, not decoded.
    ['$xn--bcher-kva.example/alice', 'https://xn--bcher-kva.example/alice'],
    ['$localhost', 'https://localhost/.well-known/pay'],
    ['$example.com.', 'https://example.com./.well-known/pay'],
  ])('%s → %s', (pointer, endpoint) => {
    const parsed = parsePaymentPointer(pointer)
    expect(parsed.endpoint).toBe(endpoint)
    expect(resolveSpspEndpoint(pointer).href).toBe(endpoint)
  })

  it('returns the host lowercased and the resolved path', () => {
    expect(parsePaymentPointer('$Example.com')).toEqual({
      host: 'example.com',
      path: '/.well-known/pay',
      endpoint: 'https://example.com/.well-known/pay',
    })
  })

  it('resolves to https even with allowInsecure: the option permits http URLs, it never downgrades a pointer', () => {
    expect(resolveSpspEndpoint('$example.com/bob', { allowInsecure: true }).href).toBe('https://example.com/bob')
  })
})

describe('parsePaymentPointer: invalid pointers, each with its reason', () => {
  it.each<[string, InvalidPaymentPointerReason]>([
    ['example.com', 'not-a-pointer'],
    ['', 'not-a-pointer'],
    ['$', 'empty-host'],
    ['$/alice', 'empty-host'],
    ['$example.com:443', 'port'],
    ['$example.com:', 'port'],
    ['$[::1]:8080/alice', 'port'],
    ['$alice@example.com', 'userinfo'],
    ['$alice:secret@example.com/x', 'userinfo'],
    ['$example.com/bob?invoice=1', 'query'],
    ['$example.com?x', 'query'],
    ['$example.com/bob#frag', 'fragment'],
    ['$example.com#', 'fragment'],
    [' $example.com', 'not-a-pointer'],
    ['$example.com ', 'character'],
    ['$exa mple.com', 'character'],
    ['$example.com/a\tb', 'character'],
    ['$example.com/\u007f', 'character'],
    ['$bücher.example', 'non-ascii'],
    ['$example.com/ünïcode', 'non-ascii'],
    ['$exаmple.com', 'non-ascii'], // Cyrillic "а": the homograph the RFC warns of
    ['$exa<mple.com', 'host'],
    ['$exa"mple.com', 'host'],
    ['$example.com\\alice', 'host'],
    ['$ex%61mple.com', 'host'], // percent-encoded: the URL would say example.com
    ['$ex%zzmple.com', 'host'],
    ['$127.1', 'host'], // IPv4 shorthand: the URL would say 127.0.0.1
    ['$0x7f.0.0.1', 'host'],
    ['$[v1.fe]', 'host'], // IPvFuture: no https URL holds it
    ['$[::1', 'host'],
    ['$[::1]x', 'host'],
    ['$[not-ipv6]', 'host'],
    ['$xn--a.example', 'host'], // invalid punycode
    ['$example.com/a b', 'character'],
    ['$example.com/a%2', 'path'],
    ['$example.com/a|b', 'path'],
    ['$example.com/{x}', 'path'],
    ['$example.com/..', 'path'], // would resolve to https://example.com/, not /.well-known/pay
    ['$example.com/a/../b', 'path'],
    ['$example.com/./b', 'path'],
    ['$example.com/%2e%2E/b', 'path'],
    ['$example.com/a/.', 'path'],
  ])('%j: %s', (pointer, reason) => {
    expect(reasonOf(() => parsePaymentPointer(pointer))).toBe(reason)
  })

  it('states the input and the rule in the message', () => {
    expect(() => parsePaymentPointer('$example.com:443')).toThrow(/"\$example\.com:443".*port/)
  })

  it('caps a huge input in the message', () => {
    const huge = `$${'a'.repeat(100_000)}:1`
    try {
      parsePaymentPointer(huge)
      expect.unreachable()
    } catch (error) {
      expect((error as Error).message.length).toBeLessThan(300)
      expect((error as InvalidPaymentPointerError).input).toBe(huge)
    }
  })

  it('answers a non-string (from untyped JavaScript) with the typed error', () => {
    expect(reasonOf(() => parsePaymentPointer(42 as unknown as string))).toBe('not-a-pointer')
  })
})

describe('resolveSpspEndpoint: raw endpoint URLs (RFC 0009: SHOULD be supported)', () => {
  it.each([
    ['https://example.com/spsp/alice', 'https://example.com/spsp/alice'],
    ['https://example.com:8443/spsp/alice?id=1', 'https://example.com:8443/spsp/alice?id=1'],
    ['HTTPS://EXAMPLE.com/Alice', 'https://example.com/Alice'],
  ])('%s → %s', (input, href) => {
    expect(resolveSpspEndpoint(input).href).toBe(href)
  })

  it('refuses http:// without allowInsecure, saying how to allow it', () => {
    expect(reasonOf(() => resolveSpspEndpoint('http://127.0.0.1:8080/alice'))).toBe('insecure')
    expect(() => resolveSpspEndpoint('http://127.0.0.1:8080/alice')).toThrow(/allowInsecure/)
  })

  it('accepts http:// with allowInsecure', () => {
    expect(resolveSpspEndpoint('http://127.0.0.1:8080/alice', { allowInsecure: true }).href).toBe(
      'http://127.0.0.1:8080/alice',
    )
  })

  it.each<[string, InvalidPaymentPointerReason]>([
    ['ftp://example.com/alice', 'scheme'],
    ['file:///etc/passwd', 'scheme'],
    ['https://user:pw@example.com/alice', 'userinfo'],
    ['https://example.com/alice#x', 'fragment'],
    ['https://bücher.example/alice', 'non-ascii'],
    [' https://example.com/alice', 'character'],
    ['https://example.com/alice\n', 'character'],
    ['example.com/alice', 'not-a-pointer'],
    ['alice', 'not-a-pointer'],
  ])('%j: %s', (input, reason) => {
    expect(reasonOf(() => resolveSpspEndpoint(input, { allowInsecure: true }))).toBe(reason)
  })

  it('returns a fresh URL each time', () => {
    const a = resolveSpspEndpoint('$example.com')
    a.pathname = '/changed'
    expect(resolveSpspEndpoint('$example.com').pathname).toBe('/.well-known/pay')
  })
})
