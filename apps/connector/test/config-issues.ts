import { InvalidConfigError, validateConfig } from '../src/config.js'

/** The issues of a configuration that must fail, as `path: message` lines. */
export function issues(raw: unknown): string[] {
  try {
    validateConfig(raw)
  } catch (error) {
    if (error instanceof InvalidConfigError) return error.issues.map((i) => `${i.path}: ${i.message}`)
    throw error
  }
  throw new Error('expected InvalidConfigError')
}
