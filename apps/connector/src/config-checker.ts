/**
 * The app's own helpers beside channel-core's ConfigChecker (which settlement plug-ins check
 * their sections with too): the checks behind config.ts record every problem with the path of
 * its field instead of throwing at the first.
 */
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
