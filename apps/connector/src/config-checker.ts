/**
 * The app's own helpers beside channel-core's ConfigChecker (which settlement plug-ins check
 * their sections with too): the checks behind config.ts record every problem with the path of
 * its field instead of throwing at the first.
 */
import { isAbsolute, join as joinPath } from 'node:path'
import type { ConfigChecker } from '@stack/channel-core'

export function optionalInt(c: ConfigChecker, value: unknown, path: string, min: number, max: number): number | undefined {
  return value === undefined ? undefined : c.integer(value, path, min, max)
}

export function canParse(url: string): boolean {
  try {
    new URL(url)
    return true
  } catch {
    return false
  }
}

/** The one rule for every path in the file: relative to the file's directory (none: as given). */
export function resolveFrom(configDir: string | undefined, path: string): string {
  return configDir === undefined || isAbsolute(path) ? path : joinPath(configDir, path)
}
