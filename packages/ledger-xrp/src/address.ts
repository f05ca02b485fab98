import { decodeAccountID, isValidClassicAddress } from 'xrpl'
import { InvalidXrpAddressError } from './errors.js'

/** `value` if it is a classic address (r…); InvalidXrpAddressError naming `field` otherwise. */
export function checkAddress(field: string, value: unknown): string {
  if (typeof value === 'string' && isValidClassicAddress(value)) return value
  throw new InvalidXrpAddressError(field, value)
}

/** The 20-byte AccountID inside a classic address. */
export function accountIdOf(field: string, address: unknown): Uint8Array {
  return decodeAccountID(checkAddress(field, address))
}
