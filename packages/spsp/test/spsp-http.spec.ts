import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  createSpspHandler,
  InvalidPaymentPointerError,
  querySpsp,
  SPSP_ACCEPT,
  SpspAbortedError,
  SpspContentTypeError,
  SpspHttpError,
  SpspRedirectError,
  SpspResponseError,
  SpspServer,
  SpspTimeoutError,
  SpspUnreachableError,
} from '../src/index.js'
import type { SpspRequestContext } from '../src/index.js'

// Everything here runs over real HTTP on 127.0.0.1 (port 0), except where a test says
// it injects fetch (https endpoints: no certificate is made for the tests).

const SECRET = randomBytes(32)
const log = vi.fn()
const calls: SpspRequestContext[] = []

const spsp = new SpspServer({
  log,
  endpoints: {
    '/.well-known/pay': () => ({ destinationAccount: 'test.wallet.root', sharedSecret: SECRET }),
    '/alice': (context) => {
      calls.push(context)
      return {
        destinationAccount: 'test.wallet.alice',
        sharedSecret: randomBytes(32),
        receiptsEnabled: context.receipt !== undefined,
      }
    },
    '/gone': () => undefined,
    '/throws': () => {
      throw new Error('generator exploded')
    },
    '/rejects': () => Promise.reject(new Error('generator rejected')),
    '/bad-details': () => ({ destinationAccount: 'not an address', sharedSecret: SECRET }),
  },
})

const VALID_BODY = JSON.stringify({ destination_account: 'test.other.bob', shared_secret: SECRET.toString('base64') })

// A misbehaving "SPSP" server: one path per failure.
function misbehave(request: IncomingMessage, response: ServerResponse): void {
  const send = (status: number, headers: Record<string, string | number>, body = ''): void => {
    response.writeHead(status, headers)
    response.end(body)
  }
  switch (request.url) {
    case '/html':
      return send(200, { 'Content-Type': 'text/html' }, '<html></html>')
    case '/legacy':
      return send(200, { 'Content-Type': 'application/spsp+json' }, VALID_BODY)
    case '/no-content-type':
      return send(200, {}, VALID_BODY)
    case '/charset':
      return send(200, { 'Content-Type': 'Application/SPSP4+JSON; charset=utf-8', 'Cache-Control': 'max-age=60' }, VALID_BODY)
    case '/not-json':
      return send(200, { 'Content-Type': 'application/spsp4+json' }, '{"destination_account":')
    case '/bad-field':
      return send(200, { 'Content-Type': 'application/spsp4+json' }, '{"destination_account":"bob","shared_secret":""}')
    case '/huge':
      return send(200, { 'Content-Type': 'application/spsp4+json' }, `{"pad":"${'x'.repeat(100_000)}"}`)
    case '/huge-chunked':
      response.writeHead(200, { 'Content-Type': 'application/spsp4+json' })
      response.write(`{"pad":"${'x'.repeat(70_000)}`)
      response.end('"}')
      return
    case '/status-500':
      return send(500, { 'Content-Type': 'text/plain' }, 'oops')
    case '/status-204':
      return send(204, {})
    case '/hang':
      return // never answered
    case '/slow-body':
      response.writeHead(200, { 'Content-Type': 'application/spsp4+json' })
      response.write('{')
      return // body never ends
    case '/to-alice':
      return send(302, { Location: `${spsp.url}/alice` })
    case '/relative':
      return send(307, { Location: '/to-alice' })
    case '/loop':
      return send(301, { Location: '/loop' })
    case '/no-location':
      return send(302, {})
    case '/to-ftp':
      return send(302, { Location: 'ftp://example.com/alice' })
    default:
      return send(404, { 'Content-Type': 'application/spsp4+json' }, '{"id":"InvalidReceiverError","message":"Invalid receiver ID"}')
  }
}

let bad: Server
let badUrl: string
let closedPortUrl: string

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  )
}

beforeAll(async () => {
  await spsp.listen()
  bad = createServer(misbehave)
  badUrl = await listen(bad)
  const closed = createServer()
  closedPortUrl = await listen(closed)
  await new Promise((resolve) => closed.close(resolve))
})

afterAll(async () => {
  await spsp.close()
  bad.closeAllConnections()
  await new Promise((resolve) => bad.close(resolve))
})

const insecure = { allowInsecure: true } as const

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (error) {
    return error as Error
  }
  throw new Error('expected a rejection')
}

describe('querySpsp ↔ SpspServer over HTTP', () => {
  it('round-trips credentials', async () => {
    const result = await querySpsp(`${spsp.url}/.well-known/pay`, insecure)
    expect(result.destinationAccount).toBe('test.wallet.root')
    expect(Buffer.from(result.sharedSecret)).toEqual(SECRET)
    expect(result.receiptsEnabled).toBe(false)
    expect(result.url).toBe(`${spsp.url}/.well-known/pay`)
    expect(result.endpoint).toBe(result.url)
    expect(result.redirects).toEqual([])
    expect(result.cacheControl).toEqual({ maxAgeSeconds: undefined, noCache: true })
  })

  it('hands out a fresh secret per query (RFC 0009: SHOULD differ in each response)', async () => {
    const [a, b] = await Promise.all([querySpsp(`${spsp.url}/alice`, insecure), querySpsp(`${spsp.url}/alice`, insecure)])
    expect(Buffer.from(a.sharedSecret).equals(Buffer.from(b.sharedSecret))).toBe(false)
  })

  it('refuses http:// without allowInsecure, before any request', async () => {
    const fetch = vi.fn()
    const error = await rejection(querySpsp(`${spsp.url}/alice`, { fetch }))
    expect(error).toBeInstanceOf(InvalidPaymentPointerError)
    expect((error as InvalidPaymentPointerError).reason).toBe('insecure')
    expect(error.message).toMatch(/allowInsecure/)
    expect(fetch).not.toHaveBeenCalled()
  })

  it('refuses an invalid pointer before any request', async () => {
    const fetch = vi.fn()
    await expect(querySpsp('$example.com:8080', { fetch })).rejects.toBeInstanceOf(InvalidPaymentPointerError)
    expect(fetch).not.toHaveBeenCalled()
  })

  it('resolves a pointer to https and sends the RFC 0009 Accept header (injected fetch)', async () => {
    const fetch = vi.fn(async (url: string | URL | Request, init?: RequestInit) => {
      expect(String(url)).toBe('https://wallet.example/alice')
      expect(new Headers(init?.headers).get('accept')).toBe('application/spsp4+json, application/spsp+json')
      expect(init?.redirect).toBe('manual')
      return new Response(VALID_BODY, { headers: { 'Content-Type': 'application/spsp4+json' } })
    })
    const result = await querySpsp('$wallet.example/alice', { fetch })
    expect(result.destinationAccount).toBe('test.other.bob')
    expect(fetch).toHaveBeenCalledOnce()
    expect(SPSP_ACCEPT).toBe('application/spsp4+json, application/spsp+json')
  })

  it('accepts parameters and any case in the Content-Type, and reads max-age', async () => {
    const result = await querySpsp(`${badUrl}/charset`, insecure)
    expect(result.destinationAccount).toBe('test.other.bob')
    expect(result.cacheControl).toEqual({ maxAgeSeconds: 60, noCache: false })
  })
})

describe('querySpsp errors, each typed', () => {
  it('SpspUnreachableError for a closed port, with the system code', async () => {
    const error = await rejection(querySpsp(`${closedPortUrl}/alice`, insecure))
    expect(error).toBeInstanceOf(SpspUnreachableError)
    expect((error as SpspUnreachableError).code).toBe('ECONNREFUSED')
    expect(error.message).toContain(closedPortUrl)
  })

  it('SpspHttpError with status and the RFC 0009 error id for an unknown receiver', async () => {
    const error = await rejection(querySpsp(`${spsp.url}/nobody`, insecure))
    expect(error).toBeInstanceOf(SpspHttpError)
    expect(error).toMatchObject({ status: 404, errorId: 'InvalidReceiverError', errorMessage: 'Invalid receiver ID' })
  })

  it('SpspHttpError for a 500 with a non-JSON body, and for a 2xx that is not 200', async () => {
    expect(await rejection(querySpsp(`${badUrl}/status-500`, insecure))).toMatchObject({
      name: 'SpspHttpError',
      status: 500,
      errorId: undefined,
    })
    expect(await rejection(querySpsp(`${badUrl}/status-204`, insecure))).toMatchObject({ name: 'SpspHttpError', status: 204 })
  })

  it('SpspContentTypeError for text/html and for a missing Content-Type', async () => {
    const html = await rejection(querySpsp(`${badUrl}/html`, insecure))
    expect(html).toBeInstanceOf(SpspContentTypeError)
    expect((html as SpspContentTypeError).contentType).toBe('text/html')
    const none = await rejection(querySpsp(`${badUrl}/no-content-type`, insecure))
    expect(none).toBeInstanceOf(SpspContentTypeError)
    expect((none as SpspContentTypeError).contentType).toBeUndefined()
  })

  it('SpspContentTypeError, explained, for legacy application/spsp+json (PSK2, not STREAM)', async () => {
    const error = await rejection(querySpsp(`${badUrl}/legacy`, insecure))
    expect(error).toBeInstanceOf(SpspContentTypeError)
    expect(error.message).toMatch(/pre-STREAM/)
  })

  it('SpspResponseError for a body that is not JSON, a bad field, or too large', async () => {
    expect(await rejection(querySpsp(`${badUrl}/not-json`, insecure))).toMatchObject({ name: 'SpspResponseError', field: 'body' })
    expect(await rejection(querySpsp(`${badUrl}/bad-field`, insecure))).toMatchObject({
      name: 'SpspResponseError',
      field: 'destination_account',
    })
    expect(await rejection(querySpsp(`${badUrl}/huge`, insecure))).toMatchObject({ name: 'SpspResponseError', field: 'body' })
    const chunked = await rejection(querySpsp(`${badUrl}/huge-chunked`, insecure))
    expect(chunked).toBeInstanceOf(SpspResponseError)
    expect(chunked.message).toMatch(/larger than 65536/)
  })

  it('SpspTimeoutError when the server never answers, and when the body never ends', async () => {
    const error = await rejection(querySpsp(`${badUrl}/hang`, { ...insecure, timeoutMs: 150 }))
    expect(error).toBeInstanceOf(SpspTimeoutError)
    expect((error as SpspTimeoutError).timeoutMs).toBe(150)
    expect(await rejection(querySpsp(`${badUrl}/slow-body`, { ...insecure, timeoutMs: 150 }))).toBeInstanceOf(SpspTimeoutError)
  })

  it('SpspAbortedError when the caller aborts, mid-request or before', async () => {
    const controller = new AbortController()
    setTimeout(() => controller.abort(new Error('user cancelled')), 50)
    const error = await rejection(querySpsp(`${badUrl}/hang`, { ...insecure, signal: controller.signal }))
    expect(error).toBeInstanceOf(SpspAbortedError)
    expect((error.cause as Error).message).toBe('user cancelled')
    await expect(querySpsp(`${spsp.url}/alice`, { ...insecure, signal: AbortSignal.abort() })).rejects.toBeInstanceOf(
      SpspAbortedError,
    )
  })
})

describe('querySpsp redirects', () => {
  it('follows http → http redirects (allowInsecure) and reports both endpoints (RFC 0026)', async () => {
    const result = await querySpsp(`${badUrl}/relative`, insecure)
    expect(result.destinationAccount).toBe('test.wallet.alice')
    expect(result.endpoint).toBe(`${badUrl}/relative`)
    expect(result.url).toBe(`${spsp.url}/alice`)
    expect(result.redirects).toEqual([`${badUrl}/to-alice`, `${spsp.url}/alice`])
  })

  it('stops a redirect loop at maxRedirects', async () => {
    const error = await rejection(querySpsp(`${badUrl}/loop`, { ...insecure, maxRedirects: 3 }))
    expect(error).toMatchObject({ name: 'SpspRedirectError', reason: 'too-many' })
  })

  it('refuses a redirect without Location, or to another scheme', async () => {
    expect(await rejection(querySpsp(`${badUrl}/no-location`, insecure))).toMatchObject({ reason: 'missing-location' })
    expect(await rejection(querySpsp(`${badUrl}/to-ftp`, insecure))).toMatchObject({ reason: 'scheme' })
  })

  it('never follows https → http, even with allowInsecure (injected fetch for the https hop)', async () => {
    const target = `${spsp.url}/alice`
    const fetch = vi.fn(async () => new Response(null, { status: 302, headers: { Location: target } }))
    for (const options of [{ fetch }, { fetch, allowInsecure: true }]) {
      const error = await rejection(querySpsp('$wallet.example/alice', options))
      expect(error).toBeInstanceOf(SpspRedirectError)
      expect(error).toMatchObject({ reason: 'insecure', location: target, url: 'https://wallet.example/alice' })
    }
    expect(fetch).toHaveBeenCalledTimes(2) // one hop each time: http was never requested
  })

  it('follows https → https (injected fetch)', async () => {
    const fetch = vi.fn(async (url: string | URL | Request) =>
      String(url) === 'https://wallet.example/alice'
        ? new Response(null, { status: 308, headers: { Location: 'https://spsp.wallet.example/a#frag' } })
        : new Response(VALID_BODY, { headers: { 'Content-Type': 'application/spsp4+json' } }),
    )
    const result = await querySpsp('$wallet.example/alice', { fetch })
    expect(result.url).toBe('https://spsp.wallet.example/a')
  })
})

async function request(
  path: string,
  init: { method?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; body: string }> {
  const response = await fetch(`${spsp.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { Accept: 'application/spsp4+json', ...init.headers },
  })
  return { status: response.status, headers: response.headers, body: await response.text() }
}

describe('SpspServer answers', () => {
  it('GET with application/spsp4+json: 200, the JSON, and RFC 0009 headers', async () => {
    const { status, headers, body } = await request('/.well-known/pay')
    expect(status).toBe(200)
    expect(headers.get('content-type')).toBe('application/spsp4+json')
    expect(headers.get('cache-control')).toBe('no-store, no-cache')
    expect(headers.get('access-control-allow-origin')).toBe('*')
    expect(headers.get('access-control-allow-headers')).toBe('web-monetization-id')
    expect(JSON.parse(body)).toEqual({ destination_account: 'test.wallet.root', shared_secret: SECRET.toString('base64') })
  })

  it.each([
    ['application/spsp4+json, application/spsp+json'],
    ['text/html;q=0.9, APPLICATION/SPSP4+JSON;q=0.5'],
  ])('accepts Accept: %s', async (accept) => {
    expect((await request('/alice', { headers: { Accept: accept } })).status).toBe(200)
  })

  it.each([['text/html'], ['application/spsp+json'], ['*/*'], ['application/*'], ['application/spsp4+json;q=0'], ['']])(
    '406 for Accept: %j',
    async (accept) => {
      const { status, body } = await request('/alice', { headers: { Accept: accept } })
      expect(status).toBe(406)
      expect(body).toMatch(/application\/spsp4\+json/)
    },
  )

  it.each([['POST'], ['PUT'], ['DELETE'], ['PATCH']])('405 with Allow for %s', async (method) => {
    const { status, headers } = await request('/alice', { method })
    expect(status).toBe(405)
    expect(headers.get('allow')).toBe('GET, HEAD, OPTIONS')
  })

  it('404 with the RFC 0009 error body for an unknown path, and for a generator answering undefined', async () => {
    for (const path of ['/nobody', '/gone', '/alice/']) {
      const { status, headers, body } = await request(path)
      expect(status).toBe(404)
      expect(headers.get('content-type')).toBe('application/spsp4+json')
      expect(JSON.parse(body)).toEqual({ id: 'InvalidReceiverError', message: 'Invalid receiver ID' })
    }
  })

  it('routes on the path alone, ignoring a query', async () => {
    expect((await request('/alice?ref=x')).status).toBe(200)
  })

  it('HEAD: the GET headers, no body, no credentials minted', async () => {
    const before = calls.length
    const { status, headers, body } = await request('/alice', { method: 'HEAD' })
    expect(status).toBe(200)
    expect(headers.get('content-type')).toBe('application/spsp4+json')
    expect(body).toBe('')
    expect(calls.length).toBe(before)
    expect((await request('/alice', { method: 'HEAD', headers: { Accept: 'text/html' } })).status).toBe(406)
  })

  it('OPTIONS: 204 with CORS headers (RFC 0009 §Web Monetization polyfills)', async () => {
    const { status, headers } = await request('/alice', { method: 'OPTIONS', headers: { Accept: '*/*' } })
    expect(status).toBe(204)
    expect(headers.get('access-control-allow-origin')).toBe('*')
    expect(headers.get('access-control-allow-headers')).toBe('web-monetization-id')
    expect(headers.get('allow')).toBe('GET, HEAD, OPTIONS')
  })

  it('500 and a log line when the generator throws, rejects or returns bad details — and keeps serving', async () => {
    log.mockClear()
    for (const path of ['/throws', '/rejects', '/bad-details']) {
      const { status, body } = await request(path)
      expect(status).toBe(500)
      expect(JSON.parse(body)).toMatchObject({ id: 'InternalServerError' })
    }
    expect(log).toHaveBeenCalledTimes(3)
    expect(log.mock.calls[0]?.[0]).toMatch(/GET \/throws: generator exploded/)
    expect(log.mock.calls[2]?.[0]).toMatch(/destination_account/)
    expect((await request('/alice')).status).toBe(200)
  })

  it('passes RFC 0039 receipt headers to the generator, which enables receipts in the response', async () => {
    const nonce = randomBytes(16)
    const secret = randomBytes(32)
    const { status, body } = await request('/alice', {
      headers: { 'Receipt-Nonce': nonce.toString('base64'), 'Receipt-Secret': secret.toString('base64') },
    })
    expect(status).toBe(200)
    const json = JSON.parse(body) as Record<string, unknown>
    expect(json['receipts_enabled']).toBe(true)
    // The Receipt Secret MUST NOT reach the Sender (RFC 0039 §Flow step 2).
    expect(body).not.toContain(secret.toString('base64'))
    const context = calls.at(-1)
    expect(Buffer.from(context?.receipt?.nonce ?? [])).toEqual(nonce)
    expect(Buffer.from(context?.receipt?.secret ?? [])).toEqual(secret)
    expect(context?.path).toBe('/alice')
  })

  it.each([
    [{ 'Receipt-Nonce': randomBytes(16).toString('base64') }],
    [{ 'Receipt-Secret': randomBytes(32).toString('base64') }],
    [{ 'Receipt-Nonce': randomBytes(15).toString('base64'), 'Receipt-Secret': randomBytes(32).toString('base64') }],
    [{ 'Receipt-Nonce': randomBytes(16).toString('base64'), 'Receipt-Secret': 'not base64!' }],
  ])('400 for incomplete or malformed receipt headers %#', async (headers) => {
    const { status, body } = await request('/alice', { headers })
    expect(status).toBe(400)
    expect(JSON.parse(body)).toMatchObject({ id: 'InvalidRequestError' })
  })

  it('reports its url, and refuses it once closed', async () => {
    const server = new SpspServer({ endpoints: new Map() })
    expect(() => server.url).toThrow(/not listening/)
    await server.listen(0)
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    await server.close()
    expect(() => server.url).toThrow(/not listening/)
    await server.close() // twice is fine
  })
})

describe('createSpspHandler under a plain node:http server', () => {
  it('serves any path it is mounted at, next to other routes', async () => {
    const handler = createSpspHandler({
      generate: ({ path }) => ({ destinationAccount: `test.shop${path.replace(/\//g, '.')}`, sharedSecret: SECRET }),
      cors: false,
    })
    const server = createServer((req, res) => {
      if (req.url?.startsWith('/pay/') === true) return handler(req, res)
      res.writeHead(200, { 'Content-Type': 'text/plain' })
      res.end('home')
    })
    const url = await listen(server)
    try {
      const result = await querySpsp(`${url}/pay/invoice-12`, insecure)
      expect(result.destinationAccount).toBe('test.shop.pay.invoice-12')
      const response = await fetch(`${url}/pay/x`, { headers: { Accept: 'application/spsp4+json' } })
      expect(response.headers.get('access-control-allow-origin')).toBeNull()
      await response.text()
      expect(await (await fetch(`${url}/`)).text()).toBe('home')
    } finally {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  })
})
