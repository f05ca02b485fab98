import { InvalidFieldError } from './codec-errors.js'
import { MAX_DATA_LENGTH, MAX_UINT64 } from './packet.js'

/** Checks shared by the codecs: they refuse what the wire cannot carry. */

/** IA5String (ASN.1): 7-bit ASCII, control characters included. */
export function isIa5(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) return false
  }
  return true
}

export function checkAmount(field: string, amount: bigint): void {
  if (typeof amount !== 'bigint' || amount < 0n || amount > MAX_UINT64) {
    throw new InvalidFieldError(field, `${String(amount)} is not a UInt64 (0 to 2^64-1)`)
  }
}

export function checkData(field: string, data: Uint8Array): void {
  if (data.length > MAX_DATA_LENGTH) {
    throw new InvalidFieldError(field, `length ${data.length} exceeds the maximum of ${MAX_DATA_LENGTH}`)
  }
}
