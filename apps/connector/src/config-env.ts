/**
 * Environment overrides, applied to the parsed file before validation:
 *
 *   STACK_CONNECTOR__ADMIN__PORT=9100            → admin.port = 9100
 *   STACK_CONNECTOR__PACKETS__MAX_HOLD_TIME_MS=5000 → packets.maxHoldTimeMs = 5000
 *   STACK_CONNECTOR__PEERS__0__BTP__URL=btp+ws://…  → peers[0].btp.url
 *   STACK_CONNECTOR__PEERS__CAROL__BTP__URL=…      → the peer whose id is "carol"
 *
 * `__` separates path segments. A segment names an existing key case-insensitively (underscores
 * ignored), else it becomes camelCase (`MAX_HOLD_TIME_MS` → `maxHoldTimeMs`). In a list, a segment
 * is an index or the `id` of an element. Values: `true`/`false`, integers (safe ones; longer digit
 * strings stay strings, for amounts), JSON objects and lists (`{…}`, `[…]`), otherwise the string.
 */

export const ENV_PREFIX = 'STACK_CONNECTOR__'

/** A variable that names something that cannot be set (a list element that does not exist). */
export class InvalidEnvOverrideError extends Error {
  override readonly name = 'InvalidEnvOverrideError'
  constructor(readonly variable: string, message: string) {
    super(`${variable}: ${message}`)
  }
}

/** Returns a copy of `raw` with every `STACK_CONNECTOR__…` variable of `env` applied, in name order. */
export function applyEnvOverrides(raw: unknown, env: Readonly<Record<string, string | undefined>>): unknown {
  const root: unknown = raw === undefined || raw === null ? {} : structuredClone(raw)
  const names = Object.keys(env).filter((name) => name.startsWith(ENV_PREFIX)).sort()
  for (const name of names) {
    const value = env[name]
    if (value === undefined) continue
    const segments = name.slice(ENV_PREFIX.length).split('__')
    if (segments.some((segment) => segment.length === 0)) throw new InvalidEnvOverrideError(name, 'empty path segment')
    set(root, segments, parseEnvValue(value), name)
  }
  return root
}

function set(root: unknown, segments: string[], value: unknown, variable: string): void {
  let node = root
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string
    const last = i === segments.length - 1
    if (Array.isArray(node)) {
      const index = /^\d+$/.test(segment)
        ? Number(segment)
        : node.findIndex((item) => typeof item === 'object' && item !== null && String((item as { id?: unknown }).id).toLowerCase() === segment.toLowerCase())
      if (index < 0 || index > node.length) throw new InvalidEnvOverrideError(variable, `no list element ${segment}`)
      if (last) node[index] = value
      else node = node[index] ??= {}
      continue
    }
    if (typeof node !== 'object' || node === null) throw new InvalidEnvOverrideError(variable, `cannot set ${segment} inside a ${typeof node}`)
    const obj = node as Record<string, unknown>
    const key = Object.keys(obj).find((k) => normalize(k) === normalize(segment)) ?? camelCase(segment)
    if (last) obj[key] = value
    else node = obj[key] ??= /^\d+$/.test(segments[i + 1] as string) ? [] : {}
  }
}

function normalize(key: string): string {
  return key.replaceAll('_', '').toLowerCase()
}

function camelCase(segment: string): string {
  return segment.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())
}

export function parseEnvValue(value: string): unknown {
  if (value === 'true') return true
  if (value === 'false') return false
  if (/^-?\d+$/.test(value)) {
    const n = Number(value)
    return Number.isSafeInteger(n) ? n : value
  }
  if (value.startsWith('{') || value.startsWith('[')) {
    try {
      return JSON.parse(value) as unknown
    } catch {
      return value
    }
  }
  return value
}
