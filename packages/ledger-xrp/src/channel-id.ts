/**
 * The id of the PaymentChannel ledger object a PaymentChannelCreate makes. XRPL docs,
 * "PaymentChannel" → "PayChannel ID Format": SHA-512Half of the PayChannel space key 0x0078
 * ('x'), the source AccountID, the destination AccountID, and the Sequence (UInt32 big-endian)
 * of the PaymentChannelCreate transaction (or its TicketSequence when a ticket was used).
 */
import { createHash } from 'node:crypto'
import { accountIdOf } from './address.js'
import { InvalidTransactionFieldError } from './errors.js'

const PAYCHAN_SPACE = 0x0078

/** 64 uppercase hex digits, as the XRP Ledger writes channel ids. */
export function paymentChannelId(account: string, destination: string, sequence: number): string {
  checkUInt32('sequence', sequence)
  const bytes = new Uint8Array(2 + 20 + 20 + 4)
  const view = new DataView(bytes.buffer)
  view.setUint16(0, PAYCHAN_SPACE, false)
  bytes.set(accountIdOf('account', account), 2)
  bytes.set(accountIdOf('destination', destination), 22)
  view.setUint32(42, sequence, false)
  return sha512Half(bytes).toUpperCase()
}

const channelIdPattern = /^[0-9A-Fa-f]{64}$/

/** `value` in uppercase if it is a channel id (32 bytes as 64 hex digits); InvalidTransactionFieldError otherwise. */
export function checkChannelId(field: string, value: unknown): string {
  if (typeof value === 'string' && channelIdPattern.test(value)) return value.toUpperCase()
  throw new InvalidTransactionFieldError(field, value, 'must be 64 hex digits')
}

export function checkUInt32(field: string, value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffff_ffff) return value
  throw new InvalidTransactionFieldError(field, value, 'must be a UInt32')
}

function sha512Half(bytes: Uint8Array): string {
  return createHash('sha512').update(bytes).digest().subarray(0, 32).toString('hex')
}
