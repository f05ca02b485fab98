export { SharedBalanceStore, type BalanceAudit, type Durability, type SharedBalanceStoreOptions, type SharedReservation, type StaleHold } from './shared-balance-store.js'
export { openPostgresBalanceStore, type PostgresBalanceStoreOptions } from './postgres.js'
export { BalanceStoreNotDurableError, BalanceStoreUnavailableError } from './errors.js'
// The contract's errors (ilp-core), here too: what this store throws, in one import.
export { BalanceStoreClosedError, BalanceStoreCorruptError } from '@stack/ilp-core'
export type { AccountRow, Engine, JournalEntry, Op, OpResult } from './ops.js'
export { openRedisBalanceStore, type RedisBalanceStoreOptions } from './redis.js'
