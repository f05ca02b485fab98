import { afterAll, beforeAll } from 'vitest'
import { startPostgres, startRedis, type DbServer } from '@stack/db-servers'
import { openPostgresBalanceStore, openRedisBalanceStore, type SharedBalanceStore, type SharedBalanceStoreOptions } from '../src/index.js'

/** One engine under test: its server, and a way to open clients of it. */
export interface EngineUnderTest {
  readonly name: 'postgres' | 'redis'
  start(): Promise<DbServer>
  open(server: DbServer, options?: SharedBalanceStoreOptions & { timeoutMs?: number }): Promise<SharedBalanceStore>
}

// Timers off by default: the tests sweep and refresh when they mean to.
const quiet = { expireEveryMs: 0, refreshEveryMs: 0 }

export const engines: readonly EngineUnderTest[] = [
  {
    name: 'postgres',
    start: () => startPostgres(),
    open: (server, options) => openPostgresBalanceStore({ url: server.url, ...quiet, ...options }),
  },
  {
    name: 'redis',
    start: () => startRedis(),
    open: (server, options) => openRedisBalanceStore({ url: server.url, ...quiet, ...options }),
  },
]

let peers = 0
/** A peer name no other test of the file uses (the server is shared within a file). */
export function freshPeer(label = 'peer'): string {
  return `${label}-${++peers}-${Math.random().toString(36).slice(2, 8)}`
}

export async function until(condition: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Within a describe: a server of `engine` and one client of it for the block's tests, stopped after. */
export function serverAndClient(engine: EngineUnderTest, options?: SharedBalanceStoreOptions & { timeoutMs?: number }): { server(): DbServer; store(): SharedBalanceStore } {
  let server: DbServer | undefined
  let store: SharedBalanceStore | undefined
  beforeAll(async () => {
    server = await engine.start()
    store = await engine.open(server, options)
  })
  afterAll(async () => {
    await store?.close()
    await server?.stop()
  })
  const got = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('not started')
    return value
  }
  return { server: () => got(server), store: () => got(store) }
}
