import { describe, expect, it } from 'vitest'
import { MAX_PACKETS_PER_CONNECTION, SequenceController } from '../../src/controllers/sequence.js'

describe('SequenceController', () => {
  it('numbers packets from 1 and stops after 2^31 (RFC 0029 §5.1.3)', () => {
    const sequence = new SequenceController()
    expect([sequence.take(), sequence.take()]).toEqual([1n, 2n])
    expect(sequence.sent).toBe(2n)
    ;(sequence as unknown as { next: bigint }).next = MAX_PACKETS_PER_CONNECTION
    expect(sequence.take()).toBe(MAX_PACKETS_PER_CONNECTION)
    expect(sequence.exhausted).toBe(true)
    expect(sequence.take()).toBeUndefined()
  })
})
