import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DataReceiver } from '../../src/flow/data-receiver.js'
import { DataSender, type DataSegment } from '../../src/flow/data-sender.js'

describe('DataSender', () => {
  it('does not count what it discards as acknowledged', () => {
    const s = new DataSender(100)
    s.write(new Uint8Array(30))
    const a = s.take(10, 100) as DataSegment
    s.take(10, 100)
    s.ack(a)
    s.discard()
    expect(s.acknowledgedThrough).toBe(10)
    expect(s.idle).toBe(true)
  })

  it('respects the remote window, resends NACKed segments exactly, and tracks acknowledgement', () => {
    const s = new DataSender(10)
    s.write(new Uint8Array(8).fill(1))
    s.write(new Uint8Array(8).fill(2))
    const a = s.take(6, 100) as DataSegment
    const b = s.take(100, 100) as DataSegment
    expect([a.offset, a.data.length, b.offset, b.data.length]).toEqual([0, 6, 6, 4])
    expect(s.take(100, 100)).toBeUndefined()
    expect(s.blocked).toBe(true)
    s.nack(a)
    s.ack(b)
    expect(s.acknowledgedThrough).toBe(0)
    expect(s.take(100, 100)).toBe(a)
    s.ack(a)
    expect(s.acknowledgedThrough).toBe(10)
    s.onMaxOffset(5) // never shrinks
    s.onMaxOffset(100)
    const c = s.take(100, 100) as DataSegment
    expect([c.offset, [...c.data]]).toEqual([10, [2, 2, 2, 2, 2, 2]])
  })
})

describe('DataReceiver', () => {
  it('reassembles segments given in any order, with duplicates, exactly once', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.array(fc.nat(), { minLength: 1, maxLength: 20 }), fc.array(fc.nat()), (bytes, cuts, order) => {
        const points = [...new Set([0, bytes.length, ...cuts.map((c) => c % bytes.length)])].sort((x, y) => x - y)
        const segments = points.slice(1).map((end, i) => ({ offset: points[i] as number, data: bytes.subarray(points[i], end) }))
        const shuffled = [...segments, ...segments]
        for (const [i, k] of order.entries()) {
          const a = i % shuffled.length
          const b = k % shuffled.length
          ;[shuffled[a], shuffled[b]] = [shuffled[b]!, shuffled[a]!]
        }
        const r = new DataReceiver(1000)
        const out: Uint8Array[] = []
        for (const s of shuffled) out.push(...r.push(s.offset, s.data))
        expect(Buffer.concat(out)).toEqual(Buffer.from(bytes))
      }),
    )
  })

  it('advertises consumed + buffer, never less than before', () => {
    const r = new DataReceiver(100)
    expect(r.maxOffset).toBe(100)
    expect(r.fits(101)).toBe(false)
    r.consume(50)
    expect(r.maxOffset).toBe(150)
  })
})
