import { randomBytes } from 'node:crypto'
import type { Channel } from '@stack/channel-core'
import { Redis } from 'ioredis'
import pg from 'pg'

/**
 * Who may settle a peer: exactly one instance at a time, by a lock in the store the instances
 * share. A peer's payment channel lives with the instance its BTP socket is attached to
 * (config-cluster.ts), so two instances settle one peer only if two processes run as that
 * instance (a restart overlapping the old process, a mistaken copy): the lock makes the second
 * wait. A settlement is not sent twice across a crash for the reasons a single node's is not
 * (its hold stays in the store without an expiry, and the channel's totals are applied once);
 * the process that takes the lock next releases that hold before it settles (cluster-recovery.ts).
 */
export interface SettlementLease {
  /** Whether this instance holds the peer's lock now (taken now if it was free, kept if ours). */
  hold(peerId: string): Promise<boolean>
  /**
   * This process's tenure of the peer's lock, as its last `hold` found it: a new number each time
   * the lock was taken anew (not kept: after it was free, lapsed, or lost with the connection), 0 before.
   */
  tenure(peerId: string): number
  close(): Promise<void>
}

/** Tenure numbers: one counter per lease, a new number per lock taken. */
function tenures(): { of(peerId: string): number; begin(peerId: string): void } {
  const current = new Map<string, number>()
  let taken = 0
  return { of: (peerId) => current.get(peerId) ?? 0, begin: (peerId) => void current.set(peerId, ++taken) }
}

/** The peer's lock is another process's: this one does not settle it now. */
export class SettlementLeaseHeldError extends Error {
  override readonly name = 'SettlementLeaseHeldError'
  constructor(readonly peerId: string) {
    super(`peer ${peerId} is settled by another process of this instance (its settlement lock in the shared store is held)`)
  }
}

/**
 * The peer's channel, paying only while this process holds the peer's lock: every settlement,
 * whichever check started it, goes through `sendValue`. Without the lock it throws before
 * anything is sent, which Settlement books as a failed payment (the hold released).
 */
export function leasedChannel(channel: Channel, peerId: string, lease: Pick<SettlementLease, 'hold'>): Channel {
  const leased: Channel = {
    async sendValue(amount, options) {
      if (!(await lease.hold(peerId))) throw new SettlementLeaseHeldError(peerId)
      return channel.sendValue(amount, options)
    },
    setValueHandler: (handler) => channel.setValueHandler(handler),
  }
  if (channel.totals !== undefined) leased.totals = channel.totals.bind(channel)
  if (channel.start !== undefined) leased.start = channel.start.bind(channel)
  if (channel.stop !== undefined) leased.stop = channel.stop.bind(channel)
  if (channel.summary !== undefined) leased.summary = channel.summary.bind(channel)
  LEASED.add(leased)
  return leased
}

const LEASED = new WeakSet<Channel>()

/** Whether the channel pays only under a lease (`leasedChannel`'s): its settle loop takes the lease first. */
export function isLeased(channel: Channel): boolean {
  return LEASED.has(channel)
}

// Lock names: one key space per node address (instances of two nodes may share a server).
const lockName = (node: string, peerId: string): string => `stack:settle:${node}:${peerId}`

/**
 * PostgreSQL: a session advisory lock per peer (pg_try_advisory_lock) on a connection of its
 * own. The server drops it when the connection ends — the process died — so a crash frees it
 * at once; if the connection is lost, every lock is taken as lost and asked for again.
 */
export function postgresLease(url: string, node: string): SettlementLease {
  let client: pg.Client | undefined
  let connecting: Promise<pg.Client> | undefined
  const held = new Set<string>()
  const tenure = tenures()
  const connection = (): Promise<pg.Client> => {
    if (client !== undefined) return Promise.resolve(client)
    connecting ??= (async () => {
      const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000, query_timeout: 5_000 })
      const lost = (): void => {
        if (client === c) client = undefined
        held.clear()
      }
      c.on('error', lost)
      c.on('end', lost)
      try {
        await c.connect()
      } catch (error) {
        c.end().catch(() => undefined)
        throw error
      }
      client = c
      return c
    })().finally(() => (connecting = undefined))
    return connecting
  }
  return {
    async hold(peerId) {
      try {
        const c = await connection()
        // Held already: the same session asks nothing (a second lock would only stack on the first).
        if (held.has(peerId)) {
          await c.query('SELECT 1')
          return client === c
        }
        const { rows } = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok', [lockName(node, peerId)])
        if (rows[0]?.ok === true && client === c) {
          held.add(peerId)
          tenure.begin(peerId)
        }
        return held.has(peerId)
      } catch {
        return false
      }
    },
    tenure: (peerId) => tenure.of(peerId),
    async close() {
      held.clear()
      const c = client ?? (await connecting?.catch(() => undefined))
      client = undefined
      await c?.end().catch(() => undefined)
    },
  }
}

/**
 * Redis: a key per peer, set if absent with this process's random token and a time to live
 * (SET NX PX), renewed only while it still holds that token. A crashed holder's key lapses after
 * `ttlMs`; each `hold` renews it, so the settle loop keeps it (every settleIntervalMs < ttlMs).
 */
export function redisLease(url: string, node: string, ttlMs: number): SettlementLease {
  const redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 5_000 })
  redis.on('error', () => undefined) // a lost connection is a lost lease: `hold` answers false
  const token = randomBytes(16).toString('hex')
  const tenure = tenures()
  // Renews the key if it is ours; 1 if so.
  const renew = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end"
  return {
    async hold(peerId) {
      try {
        if (redis.status === 'wait' || redis.status === 'end') await redis.connect()
        const key = lockName(node, peerId)
        if ((await redis.set(key, token, 'PX', ttlMs, 'NX')) === 'OK') {
          tenure.begin(peerId)
          return true
        }
        return (await redis.eval(renew, 1, key, token, ttlMs)) === 1
      } catch {
        return false
      }
    },
    tenure: (peerId) => tenure.of(peerId),
    async close() {
      redis.disconnect()
    },
  }
}
