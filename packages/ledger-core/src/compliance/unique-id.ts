import { randomBytes } from 'node:crypto'

let counter = 0

/** A fresh URL-safe id, so suites may share one ledger between tests and property runs. */
export function uniqueId(prefix: string): string {
  counter++
  return `${prefix}-${counter}-${randomBytes(4).toString('hex')}`
}
