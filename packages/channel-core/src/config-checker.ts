/**
 * Hand-written checks of a configuration document (JSON or YAML parsed to plain data): a
 * ConfigChecker walks the raw document and records every problem with the path of its field
 * instead of throwing at the first, so that one run shows the operator all of them. The
 * connector app checks its file with it, and each settlement plug-in its own section.
 */

export interface ConfigIssue {
  /** `peers[1].btp.url`; '' is the whole document. */
  readonly path: string
  readonly message: string
}

/** An object of the raw document, its fields not yet checked. */
export type ConfigObject = Record<string, unknown>

/** Milliseconds in a day: the usual upper bound of an interval field. */
export const DAY_MS = 86_400_000

/** Walks the raw document, recording problems instead of throwing at the first. */
export class ConfigChecker {
  readonly issues: ConfigIssue[] = []

  fail(path: string, message: string): undefined {
    this.issues.push({ path, message })
    return undefined
  }

  /** An object whose keys are all among `known`. */
  object(value: unknown, path: string, known: readonly string[]): ConfigObject | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return this.fail(path, `must be an object, got ${describeValue(value)}`)
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) this.fail(configPath(path, key), `unknown field (expected one of: ${known.join(', ')})`)
    }
    return value as ConfigObject
  }

  string(value: unknown, path: string): string | undefined {
    if (typeof value !== 'string' || value.length === 0) return this.fail(path, `must be a non-empty string, got ${describeValue(value)}`)
    return value
  }

  boolean(value: unknown, path: string): boolean | undefined {
    if (typeof value !== 'boolean') return this.fail(path, `must be true or false, got ${describeValue(value)}`)
    return value
  }

  /** An integer in [min, max]; a string of digits is accepted too (environment variables). */
  integer(value: unknown, path: string, min: number, max: number): number | undefined {
    const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min || n > max) {
      return this.fail(path, `must be an integer from ${min} to ${max}, got ${describeValue(value)}`)
    }
    return n
  }

  /** An amount in base units: a string of digits (or a safe integer), within [min, max]. */
  amount(value: unknown, path: string, min: bigint, max: bigint): bigint | undefined {
    let n: bigint | undefined
    if (typeof value === 'string' && /^-?\d+$/.test(value)) n = BigInt(value)
    else if (typeof value === 'number' && Number.isSafeInteger(value)) n = BigInt(value)
    if (n === undefined || n < min || n > max) return this.fail(path, `must be an integer amount from ${min} to ${max} (a string of digits), got ${describeValue(value)}`)
    return n
  }

  /** A positive decimal as a string or number (rates, spread). */
  decimal(value: unknown, path: string, { min, maxExclusive }: { min: number; maxExclusive?: number }): string | undefined {
    const text = typeof value === 'number' ? String(value) : value
    if (typeof text !== 'string' || !/^\d+(\.\d+)?$/.test(text)) return this.fail(path, `must be a decimal number, got ${describeValue(value)}`)
    const n = Number(text)
    if (n < min || (maxExclusive !== undefined && n >= maxExclusive)) {
      return this.fail(path, `must be ≥ ${min}${maxExclusive === undefined ? '' : ` and < ${maxExclusive}`}, got ${text}`)
    }
    return text
  }

  oneOf<T extends string>(value: unknown, path: string, options: readonly T[]): T | undefined {
    if (typeof value !== 'string' || !options.includes(value as T)) return this.fail(path, `must be one of ${options.join(', ')}, got ${describeValue(value)}`)
    return value as T
  }
}

/** The path of a field or list element below `path`: `peers[1]`, `peers[1].btp`. */
function configPath(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`
}

/** A raw value as an error message names it: `string "x"`, `an object`, `nothing`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return 'an object'
  return `${typeof value} ${JSON.stringify(value)}`
}
