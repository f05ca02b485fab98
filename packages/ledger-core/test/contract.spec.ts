import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as core from '../src/index.js'
import {
  checkAccountId,
  checkAmount,
  checkIdempotencyKey,
  hasPaymentChannels,
  InvalidAmountError,
  InvalidArgumentError,
  LedgerError,
  MAX_UINT64,
  type Ledger,
  type LedgerCapabilityName
} from '../src/index.js'

describe('checkAmount', () => {
  it('takes every bigint in 1..2^64-1', () => {
    fc.assert(fc.property(fc.bigInt({ min: 1n, max: MAX_UINT64 }), (amount) => checkAmount('amount', amount) === amount))
  })

  it('refuses zero, negatives, 2^64 and beyond, and non-bigints, naming the field', () => {
    for (const value of [0n, -1n, MAX_UINT64 + 1n, 1n << 70n, 5, '5', undefined, null]) {
      expect(() => checkAmount('amount', value)).toThrow(InvalidAmountError)
    }
    expect(() => checkAmount('deposit', 0n)).toThrow(expect.objectContaining({ field: 'deposit', value: 0n }))
  })
})

describe('checkAccountId', () => {
  it('takes URL-safe ids of 1 to 128 characters (RFC 0038)', () => {
    for (const id of ['a', 'alice', 'peer.bob_2~x-y', 'x'.repeat(128)]) expect(checkAccountId('id', id)).toBe(id)
  })

  it('refuses empty, too long, reserved characters and non-strings', () => {
    for (const id of ['', 'x'.repeat(129), 'a b', 'a/b', '@issuance', 'é', 7]) {
      expect(() => checkAccountId('id', id)).toThrow(InvalidArgumentError)
    }
  })
})

describe('checkIdempotencyKey', () => {
  it('takes a string of 1 to 256 characters and refuses others', () => {
    expect(checkIdempotencyKey('key', 'k')).toBe('k')
    for (const key of ['', 'k'.repeat(257), 1]) expect(() => checkIdempotencyKey('key', key)).toThrow(InvalidArgumentError)
  })
})

describe('hasPaymentChannels', () => {
  const base = (capabilities: LedgerCapabilityName[], extra: object = {}): Ledger =>
    ({ asset: { code: 'USD', scale: 2 }, capabilities: new Set(capabilities), ...extra }) as unknown as Ledger
  const methods = Object.fromEntries(
    ['claimMessage', 'createChannel', 'fundChannel', 'claimChannel', 'requestChannelClose', 'closeChannel', 'getChannel'].map((name) => [
      name,
      () => undefined
    ])
  )

  it('is true for a ledger that declares the capability and has its methods', () => {
    expect(hasPaymentChannels(base(['payment-channels'], methods))).toBe(true)
  })

  it('is false without the declaration, or with a method missing', () => {
    expect(hasPaymentChannels(base([], methods))).toBe(false)
    const partial = { ...methods }
    delete partial['closeChannel']
    expect(hasPaymentChannels(base(['payment-channels'], partial))).toBe(false)
  })
})

describe('errors', () => {
  it('gives every error class a fixed name equal to the class name, and LedgerError as base', () => {
    const classes = Object.entries(core).filter(
      ([name, value]) => typeof value === 'function' && name.endsWith('Error') && name !== 'LedgerError'
    ) as [string, new (...args: never[]) => Error][]
    expect(classes.length).toBe(14)
    for (const [name, Class] of classes) {
      // ChannelClosingError and SettleDelayNotElapsedError take times (numbers) after the id.
      const args = name === 'ChannelClosingError' || name === 'SettleDelayNotElapsedError' ? ['x', 1, 2] : ['x', 1n, 2n, 3n]
      const error = new (Class as unknown as new (...args: unknown[]) => Error)(...args)
      expect(error.name).toBe(name)
      expect(error).toBeInstanceOf(LedgerError)
      expect(error.message.length).toBeGreaterThan(0)
    }
  })
})
