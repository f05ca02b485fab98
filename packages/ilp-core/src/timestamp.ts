import { InvalidFieldError } from './codec-errors.js'

/** RFC 0027: expiresAt is GeneralizedTime in the fixed form YYYYMMDDHHmmssSSS (UTC). */
export const TIMESTAMP_LENGTH = 17

const ZERO = 0x30

/** Writes `date` as 17 ASCII digits at `offset` of `target`. */
export function writeTimestamp(field: string, date: Date, target: Uint8Array, offset: number): void {
  const ms = date.getTime()
  if (Number.isNaN(ms)) throw new InvalidFieldError(field, 'is not a valid date')
  const year = date.getUTCFullYear()
  if (year < 0 || year > 9999) {
    throw new InvalidFieldError(field, `year ${year} does not fit GeneralizedTime`)
  }
  let at = offset
  const put = (value: number, digits: number): void => {
    for (let i = digits - 1; i >= 0; i--) {
      target[at + i] = ZERO + (value % 10)
      value = Math.floor(value / 10)
    }
    at += digits
  }
  put(year, 4)
  put(date.getUTCMonth() + 1, 2)
  put(date.getUTCDate(), 2)
  put(date.getUTCHours(), 2)
  put(date.getUTCMinutes(), 2)
  put(date.getUTCSeconds(), 2)
  put(date.getUTCMilliseconds(), 3)
}

/** Reads the 17 digits; any non-digit or impossible calendar value is an error. */
export function readTimestamp(field: string, bytes: Uint8Array): Date {
  let at = 0
  const take = (digits: number): number => {
    let value = 0
    for (let end = at + digits; at < end; at++) {
      const digit = (bytes[at] ?? 0) - ZERO
      if (digit < 0 || digit > 9) {
        throw new InvalidFieldError(field, 'is not a 17-digit GeneralizedTime')
      }
      value = value * 10 + digit
    }
    return value
  }
  const year = take(4)
  const month = take(2)
  const day = take(2)
  const hours = take(2)
  const minutes = take(2)
  const seconds = take(2)
  const millis = take(3)
  const date = new Date(0)
  date.setUTCFullYear(year, month - 1, day)
  date.setUTCHours(hours, minutes, seconds, millis)
  // Date rolls over out-of-range parts (month 13, 31 April, 25:00): refuse instead.
  if (
    month < 1 || date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day || hours > 23 || minutes > 59 || seconds > 59
  ) {
    throw new InvalidFieldError(field, 'is not a valid calendar time')
  }
  return date
}
