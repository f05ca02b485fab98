import { LinkTimeoutError } from '@stack/channel-core'
import { describe, expect, it } from 'vitest'
import { BtpSession, BtpType, DEFAULT_LIMITS, decodeBtpFrame, encodeBtpFrame, silentLogger } from '../src/index.js'
import type { FrameTransport } from '../src/index.js'

// The session keeps one timer for all its deadlines (btp-session.ts): each request must still
// fail at its own deadline, whatever the order in which the deadlines were set, and no sooner
// than the others around it need.

function session(): { session: BtpSession; sent: number[] } {
  const sent: number[] = []
  const transport: FrameTransport = {
    send: (frame) => sent.push(decodeBtpFrame(frame).requestId),
    bufferedAmount: 0
  }
  const s = new BtpSession(DEFAULT_LIMITS, silentLogger)
  s.attach(transport)
  return { session: s, sent }
}

const answer = (s: BtpSession, requestId: number): void =>
  s.receive(encodeBtpFrame({ type: BtpType.Response, requestId, protocolData: [{ protocolName: 'ilp', contentType: 0, data: Uint8Array.of(requestId & 0xff) }] }))

describe('BTP session deadlines', () => {
  it('fails a request with a shorter deadline than those in flight at its own, and leaves the others waiting', async () => {
    const { session: s, sent } = session()
    const long = s.request(Uint8Array.of(1), 60_000)
    const short = s.request(Uint8Array.of(2), 20)
    await expect(short).rejects.toBeInstanceOf(LinkTimeoutError)
    expect(s.inFlight).toBe(1)
    answer(s, sent[0] as number)
    expect(await long).toEqual(Uint8Array.of((sent[0] as number) & 0xff))
  })

  it('fails each of several deadlines in turn, the later ones after the earlier fired', async () => {
    const { session: s } = session()
    const results = await Promise.allSettled([s.request(Uint8Array.of(1), 40), s.request(Uint8Array.of(2), 10), s.request(Uint8Array.of(3), 25)])
    for (const result of results) expect(result.status === 'rejected' && result.reason instanceof LinkTimeoutError).toBe(true)
    expect(s.inFlight).toBe(0)
  })

  it('keeps failing requests on time after the first ones were answered', async () => {
    const { session: s, sent } = session()
    const first = s.request(Uint8Array.of(1), 15)
    answer(s, sent[0] as number)
    await first
    await expect(s.request(Uint8Array.of(2), 30)).rejects.toBeInstanceOf(LinkTimeoutError)
  })
})
