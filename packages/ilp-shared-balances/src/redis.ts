import { Redis } from 'ioredis'
import { BalanceStoreCorruptError, BalanceStoreNotDurableError, BalanceStoreUnavailableError } from './errors.js'
import type { AccountRow, Engine, JournalEntry, Op, OpResult } from './ops.js'
import { ACCOUNTS, APPLY, EXPIRE } from './redis-scripts.js'
import { SharedBalanceStore, type SharedBalanceStoreOptions } from './shared-balance-store.js'

export interface RedisBalanceStoreOptions extends SharedBalanceStoreOptions {
  /** `redis://host:port`. */
  readonly url: string
  /** The keys' prefix (a hash tag: `{<it>}:…`). Default `stack`. */
  readonly namespace?: string
  /** How long one batch may take, ms, before it fails BalanceStoreUnavailableError. Default 10 000. */
  readonly timeoutMs?: number
}

interface ScriptCommands {
  stackApply(ns: string, ops: string): Promise<string>
  stackExpire(ns: string, graceMs: number): Promise<number>
  stackAccounts(ns: string): Promise<string[][]>
}

/**
 * A SharedBalanceStore on Redis (7 tested), one batch one Lua script (redis-scripts.ts). Durable
 * as the server is configured: with `appendonly yes` and `appendfsync always` (tools/db-servers'
 * default) a batch is in the fsynced AOF when it answers; `everysec` may lose the last second on
 * a power loss (not on a crash of Redis alone). A command is never sent twice (no resend after a
 * reconnect, no queue while disconnected): a lost answer is BalanceStoreUnavailableError.
 * @throws BalanceStoreUnavailableError if the server does not answer
 */
export async function openRedisBalanceStore(options: RedisBalanceStoreOptions): Promise<SharedBalanceStore> {
  const timeoutMs = options.timeoutMs ?? 10_000
  const url = new URL(options.url)
  const label = `Redis at ${url.host}`
  const redis = new Redis(options.url, {
    lazyConnect: true,
    commandTimeout: timeoutMs,
    connectTimeout: timeoutMs,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => 100,
  })
  redis.on('error', () => undefined) // reconnects by itself; each command fails typed meanwhile
  redis.defineCommand('stackApply', { numberOfKeys: 1, lua: APPLY })
  redis.defineCommand('stackExpire', { numberOfKeys: 1, lua: EXPIRE })
  redis.defineCommand('stackAccounts', { numberOfKeys: 1, lua: ACCOUNTS })
  try {
    await redis.connect()
  } catch (error) {
    redis.disconnect()
    throw new BalanceStoreUnavailableError(label, { cause: error })
  }
  try {
    if ((options.durability ?? 'power-loss') !== 'none') await checkDurable(redis, label, options.durability === 'crash')
  } catch (error) {
    redis.disconnect()
    throw error
  }
  return new SharedBalanceStore(new RedisEngine(redis, `{${options.namespace ?? 'stack'}}`, label), options)
}

// Without the AOF a restart forgets everything since the last snapshot; appendfsync no leaves
// the AOF to the kernel (a power loss), everysec to the second (a power loss too).
async function checkDurable(redis: Redis, label: string, crashOnly: boolean): Promise<void> {
  let settings: string[]
  try {
    settings = (await redis.call('CONFIG', 'GET', 'append*')) as string[]
  } catch (error) {
    throw new BalanceStoreUnavailableError(label, { cause: error })
  }
  const config = new Map<string, string>()
  for (let i = 0; i + 1 < settings.length; i += 2) config.set(settings[i] as string, settings[i + 1] as string)
  const aof = config.get('appendonly') ?? 'unknown'
  if (aof !== 'yes') throw new BalanceStoreNotDurableError(label, 'appendonly', aof, 'yes')
  const fsync = config.get('appendfsync') ?? 'unknown'
  const wanted = crashOnly ? ['always', 'everysec'] : ['always']
  if (!wanted.includes(fsync)) throw new BalanceStoreNotDurableError(label, 'appendfsync', fsync, wanted.join(' or '))
}

class RedisEngine implements Engine {
  readonly #redis: Redis & ScriptCommands

  constructor(
    redis: Redis,
    readonly ns: string,
    readonly label: string,
  ) {
    this.#redis = redis as Redis & ScriptCommands
  }

  async #call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run()
    } catch (error) {
      // A script's own error (a bad amount) is not the server being away.
      if (error instanceof Error && /ERR user_script|ERR Error running script/.test(error.message)) throw new BalanceStoreCorruptError(this.label, error.message)
      throw new BalanceStoreUnavailableError(this.label, { cause: error })
    }
  }

  async apply(ops: readonly Op[]): Promise<OpResult[]> {
    return JSON.parse(await this.#call(() => this.#redis.stackApply(this.ns, JSON.stringify(ops)))) as OpResult[]
  }

  expire(graceMs: number): Promise<number> {
    return this.#call(() => this.#redis.stackExpire(this.ns, Math.round(graceMs)))
  }

  async accounts(): Promise<AccountRow[]> {
    const rows = await this.#call(() => this.#redis.stackAccounts(this.ns))
    return rows.map(([peerId = '', b = '0', pd = '0', pc = '0', ss = '', sr = '']) => ({
      peerId,
      balance: BigInt(b),
      pendingDebit: BigInt(pd),
      pendingCredit: BigInt(pc),
      settled: ss === '' ? undefined : { sent: BigInt(ss), received: BigInt(sr) },
    }))
  }

  async journal(): Promise<JournalEntry[]> {
    const entries = await this.#call(() => this.#redis.xrange(`${this.ns}:j`, '-', '+'))
    return entries.map(([id, flat]) => {
      const f = new Map<string, string>()
      for (let i = 0; i + 1 < flat.length; i += 2) f.set(flat[i] as string, flat[i + 1] as string)
      const hold = f.get('h')
      const reason = f.get('r')
      const released = f.get('x')
      return {
        peerId: f.get('p') ?? '',
        delta: BigInt(f.get('d') ?? '0'),
        kind: (f.get('k') ?? 'value') as JournalEntry['kind'],
        ...(hold === undefined ? {} : { hold }),
        ...(reason === undefined ? {} : { reason }),
        ...(released === undefined ? {} : { released: BigInt(released) }),
        at: Number(id.split('-')[0]),
      }
    })
  }

  async holds(): Promise<Map<string, readonly [string, bigint, number | null]>> {
    // One MULTI: the holds and their expiries at one instant.
    const [all, scores] = await this.#call(async () => {
      const replies = (await this.#redis.multi().hgetall(`${this.ns}:h`).zrange(`${this.ns}:exp`, 0, -1, 'WITHSCORES').exec()) ?? []
      for (const [error] of replies) if (error !== null) throw error
      return [replies[0]?.[1] as Record<string, string>, replies[1]?.[1] as string[]] as const
    })
    const expiry = new Map<string, number>()
    for (let i = 0; i + 1 < scores.length; i += 2) expiry.set(scores[i] as string, Number(scores[i + 1]))
    return new Map(
      Object.entries(all).map(([id, value]) => {
        const [peer, delta] = JSON.parse(value) as [string, string]
        return [id, [peer, BigInt(delta), expiry.get(id) ?? null] as const]
      }),
    )
  }

  async close(): Promise<void> {
    await this.#redis.quit().catch(() => this.#redis.disconnect())
  }
}
