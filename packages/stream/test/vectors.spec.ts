import { describe, expect, it } from 'vitest'
import { decodeStreamPacket, encodeStreamPacket, FrameType } from '../src/index.js'
import { loadVectors } from './vector-frames.js'

const vectors = loadVectors()

describe('RFC 0029 public vectors (packets.json)', () => {
  it('has all 53 cases, covering every frame type', () => {
    expect(vectors).toHaveLength(53)
    const types = new Set(vectors.flatMap((v) => v.packet.frames.map((f) => f.type)))
    const all = Object.values(FrameType).filter((v) => typeof v === 'number')
    expect([...types].sort()).toEqual([...all].sort())
    expect(vectors.filter((v) => v.decodeOnly).map((v) => v.name)).toEqual([
      'frame:stream_max_money:receive_max:too_big',
      'frame:stream_money_blocked:send_max:too_big',
    ])
  })

  for (const vector of vectors) {
    it(`decodes ${vector.name}`, () => {
      expect(decodeStreamPacket(vector.bytes)).toEqual(vector.packet)
    })
    if (!vector.decodeOnly) {
      it(`encodes ${vector.name} byte for byte`, () => {
        expect(encodeStreamPacket(vector.packet)).toEqual(vector.bytes)
      })
    }
  }
})
