/**
 * ASN.1 GeneralizedTime as BTP peers write it (UTC, `YYYYMMDDHHMMSS[.fff]Z`), for the
 * Error frame's `triggeredAt`.
 */
const PATTERN = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\.\d{1,3})?Z$/

export function toGeneralizedTime(date: Date): string {
  const iso = date.toISOString() // 2026-11-24T19:30:00.123Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 23)}Z`
}

/** `undefined` when `text` is not a GeneralizedTime of that form or not a real date. */
export function fromGeneralizedTime(text: string): Date | undefined {
  const m = PATTERN.exec(text)
  if (m === null) return undefined
  const date = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[7] ?? ''}Z`)
  return Number.isNaN(date.getTime()) ? undefined : date
}

export function isGeneralizedTime(text: string): boolean {
  return fromGeneralizedTime(text) !== undefined
}
