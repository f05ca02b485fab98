import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { IlpErrorCode, errorClass, errorCodeName, isValidErrorCode } from '../src/error-codes.js'

// RFC 0027 §"Error Codes", transcribed from the three tables.
const rfcTable: Array<[string, string]> = [
  ['F00', 'Bad Request'],
  ['F01', 'Invalid Packet'],
  ['F02', 'Unreachable'],
  ['F03', 'Invalid Amount'],
  ['F04', 'Insufficient Destination Amount'],
  ['F05', 'Wrong Condition'],
  ['F06', 'Unexpected Payment'],
  ['F07', 'Cannot Receive'],
  ['F08', 'Amount Too Large'],
  ['F99', 'Application Error'],
  ['T00', 'Internal Error'],
  ['T01', 'Peer Unreachable'],
  ['T02', 'Peer Busy'],
  ['T03', 'Connector Busy'],
  ['T04', 'Insufficient Liquidity'],
  ['T05', 'Rate Limited'],
  ['T99', 'Application Error'],
  ['R00', 'Transfer Timed Out'],
  ['R01', 'Insufficient Source Amount'],
  ['R02', 'Insufficient Timeout'],
  ['R99', 'Application Error'],
]

describe('IlpErrorCode', () => {
  it('holds exactly the codes of the RFC table', () => {
    expect(Object.values(IlpErrorCode).sort()).toEqual(rfcTable.map(([code]) => code).sort())
  })

  it('names each constant after its code and RFC name', () => {
    for (const [constant, code] of Object.entries(IlpErrorCode)) {
      const name = errorCodeName(code)
      expect(constant).toBe(`${code}_${name?.toUpperCase().replaceAll(' ', '_')}`)
    }
  })

  it('is frozen', () => {
    expect(Object.isFrozen(IlpErrorCode)).toBe(true)
    expect(() => {
      ;(IlpErrorCode as Record<string, string>).F02_UNREACHABLE = 'F99'
    }).toThrow(TypeError)
    expect(IlpErrorCode.F02_UNREACHABLE).toBe('F02')
  })
})

describe('errorCodeName', () => {
  it.each(rfcTable)('names %s %j', (code, name) => {
    expect(errorCodeName(code)).toBe(name)
  })

  it.each(['F09', 'T06', 'R03', 'f02', 'X00', '', 'F2', 'F020'])('is undefined for %j', (code) => {
    expect(errorCodeName(code)).toBeUndefined()
  })
})

describe('isValidErrorCode', () => {
  it.each(['F00', 'F42', 'T99', 'R50', ...rfcTable.map(([code]) => code)])('accepts %s', (code) => {
    expect(isValidErrorCode(code)).toBe(true)
  })

  it.each(['', 'F', 'F0', 'F000', 'f00', 't00', 'X00', 'E01', 'FAB', 'F0a', 'F 1', ' F01', 'F01\n', 'F٠١'])(
    'rejects %j',
    (code) => {
      expect(isValidErrorCode(code)).toBe(false)
    },
  )

  it('accepts exactly a class letter followed by two ASCII digits', () => {
    // Few characters, so that valid codes come up often among invalid ones.
    const unit = fc.constantFrom(...'FTRfXE0189a ٠'.split(''))
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 4 }), (code) => {
        const expected = code.length === 3 && 'FTR'.includes(code[0]!) && /^[0-9]$/.test(code[1]!) && /^[0-9]$/.test(code[2]!)
        expect(isValidErrorCode(code)).toBe(expected)
      }),
    )
  })
})

describe('errorClass', () => {
  it.each(rfcTable)('classes %s by its letter', (code) => {
    const expected = { F: 'final', T: 'temporary', R: 'relative' }[code[0] as 'F' | 'T' | 'R']
    expect(errorClass(code)).toBe(expected)
  })

  it('classes codes the RFC does not define by their letter', () => {
    expect(errorClass('F42')).toBe('final')
    expect(errorClass('T50')).toBe('temporary')
    expect(errorClass('R77')).toBe('relative')
  })

  it.each(['X00', 'f00', 'F0', 'FAB', ''])('is undefined for the invalid code %j', (code) => {
    expect(errorClass(code)).toBeUndefined()
  })

  it('types a known code as having a class', () => {
    const kind: 'final' | 'temporary' | 'relative' = errorClass(IlpErrorCode.T04_INSUFFICIENT_LIQUIDITY)
    expect(kind).toBe('temporary')
  })
})
