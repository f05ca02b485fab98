import { MalformedClaimError } from '@stack/channel-core'

/**
 * The settlement exchange carried as the proof of a link transfer (model: ilp-plugin-lightning):
 * the payer asks for an invoice (a transfer of 0), the payee answers with one (a transfer of 0
 * the other way), the payer pays it over Lightning and then sends the amount with the preimage.
 * `hello` tells the peer our Lightning node id (sent until answered): a section that does not name
 * the peer's node learns it from the peer's hello (pinned once known). Encoded as UTF-8 JSON;
 * amounts as decimal strings.
 */
export type SettlementMessage =
  | { readonly type: 'invoice-request'; readonly id: string; readonly amount: bigint }
  | { readonly type: 'invoice'; readonly id: string; readonly invoice: string }
  | { readonly type: 'paid'; readonly paymentHash: string; readonly preimage: string }
  | { readonly type: 'hello'; readonly nodeId: string }

const HEX32 = /^[0-9a-f]{64}$/
/** A compressed secp256k1 public key (BOLT 8 static key). */
export const NODE_ID = /^0[23][0-9a-f]{64}$/
const ID = /^[0-9a-f]{32}$/
const DECIMAL = /^(0|[1-9][0-9]{0,19})$/

export function encodeSettlementMessage(message: SettlementMessage): Uint8Array {
  const json = message.type === 'invoice-request' ? { ...message, amount: message.amount.toString() } : message
  return new TextEncoder().encode(JSON.stringify(json))
}

/** @throws MalformedClaimError naming the field at fault */
export function decodeSettlementMessage(bytes: Uint8Array): SettlementMessage {
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    throw new MalformedClaimError('proof', 'is not UTF-8 JSON')
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new MalformedClaimError('proof', 'is not an object')
  const m = value as Record<string, unknown>
  const text = (field: string, pattern: RegExp): string => {
    const v = m[field]
    if (typeof v !== 'string' || !pattern.test(v)) throw new MalformedClaimError(field, `is not ${pattern.source}`)
    return v
  }
  const only = (fields: string[]): void => {
    for (const key of Object.keys(m)) if (!fields.includes(key)) throw new MalformedClaimError(key, 'is not a field of this message')
  }
  switch (m.type) {
    case 'invoice-request': {
      only(['type', 'id', 'amount'])
      const amount = BigInt(text('amount', DECIMAL))
      if (amount === 0n || amount > 0xffff_ffff_ffff_ffffn) throw new MalformedClaimError('amount', 'is not a positive UInt64')
      return { type: 'invoice-request', id: text('id', ID), amount }
    }
    case 'invoice':
      only(['type', 'id', 'invoice'])
      return { type: 'invoice', id: text('id', ID), invoice: text('invoice', /^ln[a-z0-9]{1,4000}$/) }
    case 'paid':
      only(['type', 'paymentHash', 'preimage'])
      return { type: 'paid', paymentHash: text('paymentHash', HEX32), preimage: text('preimage', HEX32) }
    case 'hello':
      only(['type', 'nodeId'])
      return { type: 'hello', nodeId: text('nodeId', NODE_ID) }
    default:
      throw new MalformedClaimError('type', 'is not invoice-request, invoice, paid or hello')
  }
}
