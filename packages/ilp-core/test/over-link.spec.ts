import {
  createMemoryLinkPair,
  LinkBusyError,
  LinkClosedError,
  LinkTimeoutError,
  type Link,
  type RequestOptions,
} from '@stack/channel-core'
import { describe, expect, it } from 'vitest'
import {
  decodeReply,
  encodePrepare,
  generateFulfillmentPair,
  IlpPacketType,
  reject,
  sendOverLink,
  serveOnLink,
  type IlpPrepare,
} from '../src/index.js'

const NOW = Date.parse('2030-01-01T00:00:00Z')

function prepare(): IlpPrepare {
  return { amount: 5n, expiresAt: new Date(NOW + 2_000), executionCondition: generateFulfillmentPair().condition, destination: 'test.b', data: new Uint8Array() }
}

/** A link whose request answers with `respond` and records its options. */
function fakeLink(respond: (options: RequestOptions | undefined) => Promise<Uint8Array>): Link & { seen: (RequestOptions | undefined)[] } {
  const [inner] = createMemoryLinkPair()
  const seen: (RequestOptions | undefined)[] = []
  return Object.assign(
    {
      get state() {
        return inner.state
      },
      connect: () => inner.connect(),
      close: () => inner.close(),
      request: (_data: Uint8Array, options?: RequestOptions) => (seen.push(options), respond(options)),
      setRequestHandler: inner.setRequestHandler.bind(inner),
      onStateChange: inner.onStateChange.bind(inner),
    },
    { seen },
  )
}

describe('sendOverLink and serveOnLink', () => {
  it('carry a Prepare and its reply across a link, both ways', async () => {
    const [a, b] = createMemoryLinkPair()
    await Promise.all([a.connect(), b.connect()])
    const { fulfillment, condition } = generateFulfillmentPair()
    b.setRequestHandler(serveOnLink(async (p) => ({ type: IlpPacketType.Fulfill, fulfillment, data: p.data }), { triggeredBy: 'test.b' }))
    const reply = await sendOverLink(a, { triggeredBy: 'test.a' })({ ...prepare(), expiresAt: new Date(Date.now() + 5_000), executionCondition: condition, data: Uint8Array.of(7) })
    expect(reply).toMatchObject({ type: IlpPacketType.Fulfill, data: Uint8Array.of(7) })
  })

  it('waits for the reply until the Prepare expires, and no longer', async () => {
    const link = fakeLink(async () => new Uint8Array())
    await sendOverLink(link, { triggeredBy: 'test.a', now: () => NOW + 500 })(prepare())
    expect(link.seen).toEqual([{ timeoutMs: 1_500 }])
  })

  it.each([
    ['no reply in time', new LinkTimeoutError(1_500), 'R00'],
    ['the link is busy', new LinkBusyError(4), 'T03'],
    ['the link is closed', new LinkClosedError(), 'T01'],
  ])('turns a failure to deliver into a Reject from the sender: %s', async (_, error, code) => {
    const send = sendOverLink(fakeLink(() => Promise.reject(error)), { triggeredBy: 'test.a', peer: 'b', now: () => NOW })
    expect(await send(prepare())).toMatchObject({ type: IlpPacketType.Reject, code, triggeredBy: 'test.a' })
  })

  it('answers T01 for a reply that is not a Fulfill or Reject', async () => {
    const send = sendOverLink(fakeLink(async () => encodePrepare(prepare())), { triggeredBy: 'test.a', now: () => NOW })
    expect(await send(prepare())).toMatchObject({ code: 'T01', message: 'invalid reply from peer' })
  })

  it('answers F01 to bytes that are not a Prepare, and T00 to a reply that cannot be encoded', async () => {
    const invalid: unknown[] = []
    const errors: unknown[] = []
    const handler = serveOnLink(async () => reject('too long', 'test.b', 'x'), {
      triggeredBy: 'test.b',
      onInvalidPacket: (error) => invalid.push(error),
      onError: (error) => errors.push(error),
    })
    const signal = new AbortController().signal
    expect(decodeReply(await handler(Uint8Array.of(12, 1, 0), { signal }))).toMatchObject({ code: 'F01', triggeredBy: 'test.b' })
    expect(invalid).toHaveLength(1)
    expect(decodeReply(await handler(encodePrepare(prepare()), { signal }))).toMatchObject({ code: 'T00', triggeredBy: 'test.b' })
    expect(errors).toHaveLength(1)
  })

  it('answers T00 when the handler throws, instead of failing the link request', async () => {
    const errors: unknown[] = []
    const handler = serveOnLink(() => Promise.reject(new Error('store unavailable')), { triggeredBy: 'test.b', onError: (error) => errors.push(error) })
    const reply = decodeReply(await handler(encodePrepare(prepare()), { signal: new AbortController().signal }))
    expect(reply).toMatchObject({ code: 'T00', triggeredBy: 'test.b', message: 'internal error' })
    expect(errors).toHaveLength(1)
  })
})
