import type { ConfigChecker } from '@stack/channel-core'
import { resolveFrom } from './config-checker.js'

/**
 * Where peer balances are kept (`balances`). `sqlite`: durable (sqlite-balance-store.ts), a
 * restart keeps every fulfilled packet; `synchronous` normal survives a crash of the process,
 * full a crash of the machine (an fsync per commit). `memory`: lost on restart, for tests and
 * throwaway nodes. `postgres`, `redis`: a store at `url` that several connector instances
 * share (@stack/ilp-shared-balances), durable as that server is configured.
 */
export type BalancesConfig =
  | { store: 'sqlite'; path: string; synchronous: 'normal' | 'full' }
  | { store: 'memory' }
  | { store: 'postgres'; url: string }
  | { store: 'redis'; url: string }

/** The file name of the default SQLite balance store, beside the configuration file. */
export const DEFAULT_BALANCES_FILE = 'balances.db'

const URL_SCHEMES = { postgres: ['postgres:', 'postgresql:'], redis: ['redis:', 'rediss:'] } as const
const EXAMPLES = { postgres: 'postgres://user@host:5432/db', redis: 'redis://host:6379' } as const

export function checkBalances(c: ConfigChecker, value: unknown, configDir: string | undefined): BalancesConfig {
  const memory: BalancesConfig = { store: 'memory' }
  if (value === undefined) {
    return configDir === undefined ? memory : { store: 'sqlite', path: resolveFrom(configDir, DEFAULT_BALANCES_FILE), synchronous: 'normal' }
  }
  const b = c.object(value, 'balances', ['store', 'path', 'synchronous', 'url'])
  if (b === undefined) return memory
  const store = b.store === undefined ? 'sqlite' : c.oneOf(b.store, 'balances.store', ['sqlite', 'memory', 'postgres', 'redis'] as const)
  if (store !== 'sqlite') {
    if (b.path !== undefined) c.fail('balances.path', 'is only for store: sqlite')
    if (b.synchronous !== undefined) c.fail('balances.synchronous', 'is only for store: sqlite')
  }
  if (store !== 'postgres' && store !== 'redis' && b.url !== undefined) c.fail('balances.url', 'is only for store: postgres or redis')
  if (store === 'memory' || store === undefined) return memory
  if (store === 'postgres' || store === 'redis') {
    const url = b.url === undefined ? c.fail('balances.url', `is required for store: ${store} (e.g. ${EXAMPLES[store]})`) : c.string(b.url, 'balances.url')
    const schemes: readonly string[] = URL_SCHEMES[store]
    if (url === undefined) return memory
    if (!URL.canParse(url) || !schemes.includes(new URL(url).protocol)) c.fail('balances.url', `must be a ${schemes.map((s) => `${s}//`).join(' or ')} URL, got "${url}"`)
    return { store, url }
  }
  let path = b.path === undefined ? DEFAULT_BALANCES_FILE : c.string(b.path, 'balances.path')
  // ':memory:' or '' would open a throwaway database while the operator believes it durable.
  if (path !== undefined && (path === ':memory:' || path.startsWith('file:'))) path = c.fail('balances.path', `must be a file path, got "${path}" (use store: memory)`)
  const synchronous = b.synchronous === undefined ? 'normal' : c.oneOf(b.synchronous, 'balances.synchronous', ['normal', 'full'] as const)
  if (path === undefined || synchronous === undefined) return memory
  return { store, path: resolveFrom(configDir, path), synchronous }
}
