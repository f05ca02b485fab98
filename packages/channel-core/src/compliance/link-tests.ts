import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LinkAbortedError, LinkClosedError, LinkRemoteError, LinkTimeoutError } from '../errors.js'
import type { Link, LinkState } from '../link.js'

export interface LinkPair {
  /** Connected; requests from `a` reach `b`'s handler and the other way round. */
  readonly a: Link
  readonly b: Link
}

export interface LinkTestOptions {
  /** Two connected links joined to each other. Called before every test. */
  setup(): Promise<LinkPair>
  /** Releases what `setup` made (closing a link twice must be harmless). */
  teardown(pair: LinkPair): Promise<void>
  /** How many requests to keep in flight at once in the concurrency test. Default 2000. */
  readonly concurrency?: number
  /** The largest payload the link must carry. Default 32 767 (the largest ILP packet data). */
  readonly largePayloadBytes?: number
}

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values)
const enc = new TextEncoder()
const dec = new TextDecoder()

function reversed(data: Uint8Array): Uint8Array {
  return Uint8Array.from(data).reverse()
}

/**
 * The contract of a Link (channel-core `Link`), run by every implementation against itself:
 * a new layer-2 link is done when this suite passes. Uses vitest's `describe`/`it`.
 */
export function linkTests(options: LinkTestOptions): void {
  const concurrency = options.concurrency ?? 2000
  const large = options.largePayloadBytes ?? 32_767

  describe('Link compliance', () => {
    let pair: LinkPair

    beforeEach(async () => {
      pair = await options.setup()
    })
    afterEach(async () => {
      await options.teardown(pair)
    })

    it('is connected after setup', () => {
      expect(pair.a.state).toBe('connected')
      expect(pair.b.state).toBe('connected')
    })

    it('carries a request to the peer handler and its reply back', async () => {
      pair.b.setRequestHandler((data) => enc.encode(`reply to ${dec.decode(data)}`))
      const reply = await pair.a.request(enc.encode('hello'))
      expect(dec.decode(reply)).toBe('reply to hello')
    })

    it('carries requests in both directions', async () => {
      pair.a.setRequestHandler(() => bytes(0xaa))
      pair.b.setRequestHandler(() => bytes(0xbb))
      expect(await pair.a.request(bytes(1))).toEqual(bytes(0xbb))
      expect(await pair.b.request(bytes(2))).toEqual(bytes(0xaa))
    })

    it('carries empty and large payloads unchanged', async () => {
      pair.b.setRequestHandler(reversed)
      expect(await pair.a.request(new Uint8Array(0))).toEqual(new Uint8Array(0))
      const big = new Uint8Array(large)
      for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff
      expect(await pair.a.request(big)).toEqual(reversed(big))
    })

    it('carries every byte value (the payload is opaque)', async () => {
      pair.b.setRequestHandler((data) => data)
      const all = new Uint8Array(256)
      for (let i = 0; i < 256; i++) all[i] = i
      expect(await pair.a.request(all)).toEqual(all)
    })

    it(`answers ${concurrency} concurrent requests each to its own caller`, async () => {
      let answered = 0
      pair.b.setRequestHandler(async (data) => {
        // Answer out of order: later requests overtake earlier ones.
        const first = data[0] ?? 0
        for (let i = 0; i < first % 4; i++) await new Promise<void>((resolve) => setImmediate(resolve))
        answered++
        return reversed(data)
      })
      const requests = Array.from({ length: concurrency }, (_, i) => enc.encode(`request ${i}`))
      const replies = await Promise.all(requests.map((data) => pair.a.request(data)))
      replies.forEach((reply, i) => expect(dec.decode(reversed(reply))).toBe(`request ${i}`))
      expect(answered).toBe(concurrency)
    }, 30_000) // correctness, not speed: thousands of round trips on a loaded 2-core CI machine

    it('rejects with LinkRemoteError when the peer handler throws, and stays usable', async () => {
      let fail = true
      pair.b.setRequestHandler(() => {
        if (fail) throw new Error('handler failed')
        return bytes(7)
      })
      await expect(pair.a.request(bytes(1))).rejects.toBeInstanceOf(LinkRemoteError)
      fail = false
      expect(await pair.a.request(bytes(1))).toEqual(bytes(7))
      expect(pair.a.state).toBe('connected')
    })

    it('rejects with LinkRemoteError when the peer has no handler', async () => {
      pair.b.setRequestHandler(undefined)
      await expect(pair.a.request(bytes(1))).rejects.toBeInstanceOf(LinkRemoteError)
    })

    it('rejects with LinkTimeoutError when no reply comes before the deadline, and stays usable', async () => {
      let hang = true
      pair.b.setRequestHandler((data) => (hang ? new Promise<Uint8Array>(() => undefined) : data))
      await expect(pair.a.request(bytes(1), { timeoutMs: 50 })).rejects.toBeInstanceOf(LinkTimeoutError)
      hang = false
      expect(await pair.a.request(bytes(2))).toEqual(bytes(2))
    })

    it('rejects with LinkAbortedError when the caller aborts, before or during the request', async () => {
      pair.b.setRequestHandler(() => new Promise<Uint8Array>(() => undefined))
      await expect(pair.a.request(bytes(1), { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(LinkAbortedError)
      const controller = new AbortController()
      const pending = pair.a.request(bytes(1), { signal: controller.signal })
      setImmediate(() => controller.abort())
      await expect(pending).rejects.toBeInstanceOf(LinkAbortedError)
    })

    it('rejects requests in flight with LinkClosedError when it closes, and refuses new ones', async () => {
      pair.b.setRequestHandler(() => new Promise<Uint8Array>(() => undefined))
      const states: LinkState[] = []
      pair.a.onStateChange((state) => states.push(state))
      const pending = pair.a.request(bytes(1))
      const rejected = expect(pending).rejects.toBeInstanceOf(LinkClosedError)
      await new Promise<void>((resolve) => setImmediate(resolve))
      await pair.a.close()
      await rejected
      await expect(pair.a.request(bytes(1))).rejects.toBeInstanceOf(LinkClosedError)
      expect(pair.a.state).toBe('closed')
      expect(states).toContain('closed')
      await pair.a.close()
    })

    it('passes the handler an AbortSignal', async () => {
      let seen: AbortSignal | undefined
      pair.b.setRequestHandler((data, context) => {
        seen = context.signal
        return data
      })
      await pair.a.request(bytes(1))
      expect(seen).toBeInstanceOf(AbortSignal)
    })
  })
}
