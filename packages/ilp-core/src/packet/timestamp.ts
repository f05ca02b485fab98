import { InvalidFieldError } from './codec-errors.js'

/** RFC 0027: expiresAt is GeneralizedTime in the fixed form YYYYMMDDHHmmssSSS (UTC). */
export const TIMESTAMP_LENGTH = 17

const ZERO = 0x30

function writeDigits(target: Uint8Array, at: number, value: number, count: number): void {
  for (let i = at + count - 1; i >= at; i--) {
    target[i] = ZERO + (value % 10)
    value = Math.floor(value / 10)
  }
}

/** Writes `date` as 17 ASCII digits at `offset` of `target`. */
export function writeTimestamp(field: string, date: Date, target: Uint8Array, offset: number): void {
  if (Number.isNaN(date.getTime())) throw new InvalidFieldError(field, 'is not a valid date')
  const year = date.getUTCFullYear()
  if (year < 0 || year > 9999) {
    throw new InvalidFieldError(field, `year ${year} does not fit GeneralizedTime`)
  }
  writeDigits(target, offset, year, 4)
  writeDigits(target, offset + 4, date.getUTCMonth() + 1, 2)
  writeDigits(target, offset + 6, date.getUTCDate(), 2)
  writeDigits(target, offset + 8, date.getUTCHours(), 2)
  writeDigits(target, offset + 10, date.getUTCMinutes(), 2)
  writeDigits(target, offset + 12, date.getUTCSeconds(), 2)
  writeDigits(target, offset + 14, date.getUTCMilliseconds(), 3)
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
const MS_PER_DAY = 86_400_000

function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
  return month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0)
}

/**
 * Days from 1970-01-01 to a proleptic Gregorian date (the well-known civil-date
 * arithmetic with 400-year eras): integer math only, several times faster than
 * Date.UTC on the per-packet path, and without its 1900 offset for years 0–99.
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yearOfEra = y - era * 400
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear
  return era * 146_097 + dayOfEra - 719_468
}

/** Two ASCII digits at `at` as a number, or -1 if either is not a digit. */
function twoDigits(bytes: Uint8Array, at: number): number {
  const tens = (bytes[at] as number) - ZERO
  const ones = (bytes[at + 1] as number) - ZERO
  return tens >>> 0 > 9 || ones >>> 0 > 9 ? -1 : tens * 10 + ones
}

/** Reads 17 digits at `offset`; a non-digit or an impossible calendar value is an error. */
export function readTimestamp(field: string, bytes: Uint8Array, offset: number): Date {
  const century = twoDigits(bytes, offset)
  const yearOfCentury = twoDigits(bytes, offset + 2)
  const month = twoDigits(bytes, offset + 4)
  const day = twoDigits(bytes, offset + 6)
  const hours = twoDigits(bytes, offset + 8)
  const minutes = twoDigits(bytes, offset + 10)
  const seconds = twoDigits(bytes, offset + 12)
  const centis = twoDigits(bytes, offset + 14)
  const lastDigit = (bytes[offset + 16] as number) - ZERO
  if ((century | yearOfCentury | month | day | hours | minutes | seconds | centis) < 0 || lastDigit >>> 0 > 9) {
    throw new InvalidFieldError(field, 'is not a 17-digit GeneralizedTime')
  }
  const year = century * 100 + yearOfCentury
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hours > 23 || minutes > 59 || seconds > 59) {
    throw new InvalidFieldError(field, 'is not a valid calendar time')
  }
  const millis = centis * 10 + lastDigit
  return new Date(
    daysFromCivil(year, month, day) * MS_PER_DAY + ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis,
  )
}
