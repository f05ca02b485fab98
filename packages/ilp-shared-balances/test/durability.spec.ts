import { startPostgres, startRedis } from '@stack/db-servers'
import { describe, expect, it } from 'vitest'
import { openPostgresBalanceStore, openRedisBalanceStore } from '../src/index.js'

const timers = { expireEveryMs: 0, refreshEveryMs: 0 }

describe('a server that would not keep what it acknowledged', () => {
  it('PostgreSQL with synchronous_commit off: refused, typed, unless durability is none', async () => {
    const server = await startPostgres({ settings: { synchronous_commit: 'off' } })
    try {
      await expect(openPostgresBalanceStore({ url: server.url, ...timers })).rejects.toMatchObject({ name: 'BalanceStoreNotDurableError', setting: 'synchronous_commit', value: 'off' })
      await expect(openPostgresBalanceStore({ url: server.url, durability: 'crash', ...timers })).rejects.toMatchObject({ name: 'BalanceStoreNotDurableError' })
      const store = await openPostgresBalanceStore({ url: server.url, durability: 'none', ...timers })
      expect(await store.adjust('p', 1n)).toBe(1n)
      await store.close()
    } finally {
      await server.stop()
    }
  })

  it('PostgreSQL with fsync off: refused for power loss, taken for a crash of the server only', async () => {
    const server = await startPostgres({ settings: { fsync: 'off' } })
    try {
      await expect(openPostgresBalanceStore({ url: server.url, ...timers })).rejects.toMatchObject({ name: 'BalanceStoreNotDurableError', setting: 'fsync' })
      await (await openPostgresBalanceStore({ url: server.url, durability: 'crash', ...timers })).close()
    } finally {
      await server.stop()
    }
  })

  it('Redis with appendfsync everysec: refused for power loss, taken for a crash of the server only; without the AOF refused', async () => {
    const server = await startRedis({ appendfsync: 'everysec' })
    try {
      await expect(openRedisBalanceStore({ url: server.url, ...timers })).rejects.toMatchObject({ name: 'BalanceStoreNotDurableError', setting: 'appendfsync', value: 'everysec', wanted: 'always' })
      await (await openRedisBalanceStore({ url: server.url, durability: 'crash', ...timers })).close()
    } finally {
      await server.stop()
    }
    const noAof = await startRedis({ settings: { appendonly: 'no' } })
    try {
      await expect(openRedisBalanceStore({ url: noAof.url, durability: 'crash', ...timers })).rejects.toMatchObject({ name: 'BalanceStoreNotDurableError', setting: 'appendonly', value: 'no' })
    } finally {
      await noAof.stop()
    }
  })

  it('a server that is not there: BalanceStoreUnavailableError', async () => {
    await expect(openRedisBalanceStore({ url: 'redis://127.0.0.1:1', timeoutMs: 2_000, ...timers })).rejects.toMatchObject({ name: 'BalanceStoreUnavailableError' })
    await expect(openPostgresBalanceStore({ url: 'postgres://postgres@127.0.0.1:1/postgres', timeoutMs: 2_000, ...timers })).rejects.toMatchObject({ name: 'BalanceStoreUnavailableError' })
  })
})
