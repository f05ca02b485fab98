import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { decodeFulfill, decodePrepare, decodeReject, encodeFulfill, encodePrepare, encodeReject } from '../src/index.js'

// The public vectors of ilp-packet; source and license in vectors/README.md.
const dir = join(import.meta.dirname, 'vectors/ilp-packet')

function vector(type: string) {
  const file = join(dir, type, 'valid/example01.json')
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { binary: string; json: Record<string, string> }
  return { bytes: Buffer.from(parsed.binary, 'hex'), json: parsed.json }
}
const base64 = (text: string | undefined) => Buffer.from(text ?? '', 'base64')

describe('ilp-packet public vectors', () => {
  it('decodes and re-encodes the Prepare byte for byte', () => {
    const { bytes, json } = vector('ilp_prepare')
    const prepare = decodePrepare(bytes)
    expect(prepare.amount).toBe(BigInt(json.amount ?? ''))
    expect(prepare.expiresAt.toISOString()).toBe(json.expiresAt)
    expect(Buffer.from(prepare.executionCondition)).toEqual(base64(json.executionCondition))
    expect(prepare.destination).toBe(json.destination)
    expect(Buffer.from(prepare.data)).toEqual(base64(json.data))
    expect(Buffer.from(encodePrepare(prepare))).toEqual(bytes)
  })

  it('decodes and re-encodes the Fulfill byte for byte', () => {
    const { bytes, json } = vector('ilp_fulfill')
    const fulfill = decodeFulfill(bytes)
    expect(Buffer.from(fulfill.fulfillment)).toEqual(base64(json.fulfillment))
    expect(Buffer.from(fulfill.data)).toEqual(base64(json.data))
    expect(Buffer.from(encodeFulfill(fulfill))).toEqual(bytes)
  })

  it('decodes and re-encodes the Reject byte for byte', () => {
    const { bytes, json } = vector('ilp_reject')
    const reject = decodeReject(bytes)
    expect(reject).toMatchObject({ code: json.code, triggeredBy: json.triggeredBy, message: json.message })
    expect(Buffer.from(reject.data)).toEqual(base64(json.data))
    expect(Buffer.from(encodeReject(reject))).toEqual(bytes)
  })
})
