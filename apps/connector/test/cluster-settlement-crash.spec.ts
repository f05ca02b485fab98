import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BtpClient } from '@stack/channel-btp'
import { SqliteChannel, SqliteClaimStore } from '@stack/channel-sqlite'
import { startPostgres, startRedis, type DbServer } from '@stack/db-servers'
import { openPostgresBalanceStore, openRedisBalanceStore, type SharedBalanceStore } from '@stack/ilp-shared-balances'
import { SqliteLedger } from '@stack/ledger-sqlite'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { buildBin, killBins, startBin, type RunningBin } from './bin.js'
import { freePort, token } from './harness.js'

// The holder of a peer's settlement lease — instance a of a cluster, its books in the shared
// store — is SIGKILLed in the middle of a settlement to bob over a channel-sqlite payment channel:
// its settlement's hold, which has no expiry, is left pending in the store. Restarted, instance
// a takes the lease again and, before it pays anything, the books take the channel's totals and
// the stale hold goes. Bob is this process: his end of the channel, with a value handler the
// test holds, so the kill lands while the payment waits for him (not paid), or — by a hook in
// a — right after a's claim store recorded it (paid) and before the books could.

const OWED = 1_000n
const ASSET = { code: 'USD', scale: 2 }
const killHook = fileURLToPath(new URL('./fixtures/kill-after-claim-totals.mjs', import.meta.url))

beforeAll(() => buildBin(), 130_000)
const cleanups: (() => Promise<unknown> | unknown)[] = []
afterEach(async () => {
  killBins()
  for (const cleanup of cleanups.splice(0).reverse()) await Promise.resolve(cleanup()).catch(() => undefined)
})

interface Setup {
  readonly store: SharedBalanceStore
  /** What bob took, by his end's totals (sqlite) or summed here (trusted-transfer: no totals). */
  received(): bigint
  /** What bob's value handler does with the next claim: take it, or wait until told. */
  gate: 'accept' | 'wait'
  /** Resolves once a claim waits at the gate; `open(ok)` lets it through or refuses it. */
  waiting(): Promise<void>
  open(ok: boolean): void
  startA(hook?: boolean): Promise<RunningBin>
  /** Another process as instance a, on ports of its own (a restart overlapping the old process): bob's link stays with the first. */
  startOverlapping(): Promise<RunningBin>
  /** a's claim store's totals (a stopped or dead: the file is read as it is). */
  aTotals(): { sent: bigint; received: bigint }
}

async function setup(engine: 'postgres' | 'redis', kind: 'sqlite' | 'trusted-transfer' = 'sqlite'): Promise<Setup> {
  const dir = mkdtempSync(join(tmpdir(), 'stack-cluster-settlement-crash-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  const server: DbServer = engine === 'postgres' ? await startPostgres() : await startRedis()
  cleanups.push(() => server.stop())
  const ledgerFile = join(dir, 'usd.ledger')
  const ledger = SqliteLedger.create(ledgerFile, { asset: ASSET })
  for (const id of ['conn-a', 'conn-bob']) await ledger.createAccount(id)
  await ledger.mint({ account: 'conn-a', amount: 1_000_000n })
  ledger.close()

  const [btp, admin, internal] = [await freePort(), await freePort(), await freePort()]
  const secrets = { bob: token(), cluster: token() + token() }
  const config = {
    address: 'test.cluster',
    asset: ASSET,
    listen: { btp: { host: '127.0.0.1', port: btp } },
    admin: { host: '127.0.0.1', port: admin },
    peers: [
      {
        id: 'bob', relation: 'child', btp: { token: secrets.bob }, settleThreshold: '500', settleTo: '0',
        settlement: kind === 'trusted-transfer'
          ? { kind }
          : { kind, ledger: ledgerFile, account: 'conn-a', peerAccount: 'conn-bob', claims: join(dir, 'a.claims'), deposit: '100000', settleDelayMs: 86_400_000, watchIntervalMs: 1_000 },
      },
    ],
    balances: { store: engine, url: server.url },
    cluster: { instance: 'a', token: secrets.cluster, instances: { a: `http://127.0.0.1:${internal}` }, attach: { bob: 'a' }, settleIntervalMs: 100 },
    log: { level: 'info' },
    shutdownTimeoutMs: 2_000,
  }
  const configPath = join(dir, 'a.json')

  const options = { url: server.url, instance: 'test', expireEveryMs: 0, refreshEveryMs: 0 }
  const store = engine === 'postgres' ? await openPostgresBalanceStore(options) : await openRedisBalanceStore(options)
  cleanups.push(() => store.close())

  // Bob: his end of the channel on the same ledger file, over his BTP link to a.
  const link = new BtpClient({ url: `btp+ws://bob:${secrets.bob}@127.0.0.1:${btp}`, reconnect: { initialDelayMs: 50, maxDelayMs: 250 } })
  const bobLedger = SqliteLedger.open(ledgerFile)
  const bobClaims = SqliteClaimStore.open(join(dir, 'bob.claims'), { account: 'conn-bob', peerAccount: 'conn-a' })
  const bob = kind === 'sqlite' ? new SqliteChannel({ ledger: bobLedger, account: 'conn-bob', peerAccount: 'conn-a', carrier: link, store: bobClaims }) : link
  let taken = 0n
  cleanups.push(async () => {
    await link.close()
    bobClaims.close()
    bobLedger.close()
  })
  let arrived: () => void = () => undefined
  let arrival = new Promise<void>((resolve) => (arrived = resolve))
  let release: (ok: boolean) => void = () => undefined
  const s: Setup = {
    store,
    received: () => (bob instanceof SqliteChannel ? bob.totals().received : taken),
    gate: 'accept',
    waiting: () => arrival,
    open: (ok) => release(ok),
    async startOverlapping() {
      const ports = { btp: await freePort(), admin: await freePort(), internal: await freePort() }
      return startBin(join(dir, 'a-overlapping.json'), {
        ...config,
        listen: { btp: { host: '127.0.0.1', port: ports.btp } },
        admin: { host: '127.0.0.1', port: ports.admin },
        cluster: { ...config.cluster, instances: { a: `http://127.0.0.1:${ports.internal}` } },
      })
    },
    async startA(hook = false) {
      const a = await startBin(configPath, config, hook ? { execArgv: ['--import', killHook], env: { KILL_AFTER_CLAIM_TOTALS: '1' } } : {})
      if (link.state !== 'connected') await link.connect().catch(() => undefined)
      return a
    },
    aTotals() {
      const claims = SqliteClaimStore.open(join(dir, 'a.claims'), { account: 'conn-a', peerAccount: 'conn-bob' })
      try {
        return claims.getTotals()
      } finally {
        claims.close()
      }
    },
  }
  bob.setValueHandler(async ({ amount }) => {
    if (s.gate === 'wait') {
      const ok = await new Promise<boolean>((resolve) => {
        release = resolve
        arrived()
      })
      arrival = new Promise<void>((resolve) => (arrived = resolve))
      if (!ok) throw new Error('bob refuses this payment')
    }
    taken += amount
  })
  return s
}

/** The store's pending holds of bob (the settlement's: no packet flows here). */
async function holdsOfBob(store: SharedBalanceStore): Promise<bigint[]> {
  return [...(await store.holds()).values()].filter(([peer]) => peer === 'bob').map(([, delta]) => delta)
}

async function book(store: SharedBalanceStore): Promise<{ balance: bigint; pendingDebit: bigint; pendingCredit: bigint }> {
  await store.refresh()
  return store.get('bob')
}

/** Polls `check` (awaited) until true; throws naming `what` after `ms`. */
async function until(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** The operator's "settle now" (POST /peers/bob/settle): what it paid, and the balance after. */
async function settleNow(a: RunningBin): Promise<unknown> {
  return (await fetch(`http://127.0.0.1:${a.ports.admin}/peers/bob/settle`, { method: 'POST' })).json()
}

const logged = (a: RunningBin, msg: string): boolean => a.logs().some((line) => typeof line.msg === 'string' && line.msg.startsWith(msg))

describe.each(['postgres', 'redis'] as const)('the holder of a settlement lease SIGKILLed mid-settlement, its books on %s', (engine) => {
  it('before the channel paid: restarted, it drops the stale hold, then pays bob once', async () => {
    const s = await setup(engine)
    let a = await s.startA()
    s.gate = 'wait'
    await s.store.adjust('bob', OWED, 'test: what the node owes bob')
    await s.waiting()
    expect(await holdsOfBob(s.store)).toEqual([-OWED])
    a.child.kill('SIGKILL')
    await a.exited
    s.open(false) // a's claim, its payment never accepted
    // The bug this recovers from: the dead holder's hold stays, counting as paid what was not.
    expect(await book(s.store)).toEqual({ balance: OWED, pendingDebit: -OWED, pendingCredit: 0n })
    expect(s.aTotals().sent).toBe(0n)
    expect(s.received()).toBe(0n)

    s.gate = 'accept'
    a = await s.startA()
    // The books follow the totals, then the new settlement's own hold goes.
    await until(async () => s.received() === OWED && (await holdsOfBob(s.store)).length === 0 && (await book(s.store)).balance === 0n, 60_000, 'bob paid, the books following')
    await until(() => logged(a, 'released the settlement holds a crashed holder left'), 30_000, 'the recovery logged')
    a.child.kill('SIGTERM')
    await a.exited

    // Paid once: a's channel, bob's and the books agree to the unit; the journal squares.
    expect(s.aTotals()).toEqual({ sent: OWED, received: 0n })
    expect(s.received()).toBe(OWED)
    expect(await book(s.store)).toEqual({ balance: 0n, pendingDebit: 0n, pendingCredit: 0n })
    expect(s.store.settled('bob')).toEqual({ sent: OWED, received: 0n })
    const journal = (await s.store.journal()).filter((entry) => entry.peerId === 'bob')
    expect(journal.map(({ kind, delta, released }) => ({ kind, delta, released }))).toEqual([
      { kind: 'adjustment', delta: OWED, released: undefined },
      { kind: 'recovery', delta: 0n, released: -OWED },
      { kind: 'value', delta: -OWED, released: undefined },
    ])
    expect((await s.store.audit()).find((row) => row.peerId === 'bob')).toMatchObject({ balance: 0n, journalSum: 0n, recoveries: 1, recovered: -OWED, settlementHolds: 0n })
  }, 180_000)

  it('after the channel paid, before the books: restarted, it books the payment once and pays nothing more', async () => {
    const s = await setup(engine)
    let a = await s.startA(true)
    await s.store.adjust('bob', OWED, 'test: what the node owes bob')
    expect(await a.exited).toBe('SIGKILL') // the hook: a's claim store has the payment, the books not
    expect(s.aTotals().sent).toBe(OWED)
    expect(s.received()).toBe(OWED)
    expect(await book(s.store)).toEqual({ balance: OWED, pendingDebit: -OWED, pendingCredit: 0n })

    a = await s.startA()
    await until(async () => (await holdsOfBob(s.store)).length === 0 && (await book(s.store)).balance === 0n, 60_000, 'the books to take the payment')
    // Settled: owed nothing, a pays nothing more, not even when asked.
    await until(() => logged(a, 'released the settlement holds a crashed holder left'), 30_000, 'the recovery')
    expect(await settleNow(a)).toEqual({ amount: '0', balance: '0' })
    a.child.kill('SIGTERM')
    await a.exited

    expect(s.aTotals()).toEqual({ sent: OWED, received: 0n })
    expect(s.received()).toBe(OWED)
    expect(await book(s.store)).toEqual({ balance: 0n, pendingDebit: 0n, pendingCredit: 0n })
    const journal = (await s.store.journal()).filter((entry) => entry.peerId === 'bob')
    expect(journal.map(({ kind, delta }) => ({ kind, delta })).sort((x, y) => (x.kind < y.kind ? -1 : 1))).toEqual([
      { kind: 'adjustment', delta: OWED },
      { kind: 'recovery', delta: 0n },
      { kind: 'value', delta: -OWED },
    ])
    expect((await s.store.audit()).find((row) => row.peerId === 'bob')).toMatchObject({ balance: 0n, journalSum: 0n, recoveries: 1, recovered: -OWED, settlementHolds: 0n })
  }, 180_000)

  it('over a channel without totals: restarted, it leaves the stale hold pending, says so, and pays nothing twice', async () => {
    const s = await setup(engine, 'trusted-transfer')
    let a = await s.startA()
    s.gate = 'wait'
    await s.store.adjust('bob', OWED, 'test: what the node owes bob')
    await s.waiting()
    a.child.kill('SIGKILL')
    await a.exited
    s.open(false) // not paid, but nothing on a's side can tell
    s.gate = 'accept'

    a = await s.startA()
    await until(() => logged(a, 'settlement holds a crashed holder left stay pending'), 60_000, 'the warning')
    const [stale] = await s.store.staleHolds('bob')
    expect(stale).toMatchObject({ peerId: 'bob', delta: -OWED })
    // Counted as paid: owed nothing, so nothing is paid (not even when asked), the hold stays for the operator.
    expect(await settleNow(a)).toEqual({ amount: '0', balance: String(OWED) })
    expect(s.received()).toBe(0n)
    expect(await book(s.store)).toEqual({ balance: OWED, pendingDebit: -OWED, pendingCredit: 0n })
    expect(await holdsOfBob(s.store)).toEqual([-OWED])
    a.child.kill('SIGTERM')
    await a.exited
    expect((await s.store.audit()).find((row) => row.peerId === 'bob')).toMatchObject({ balance: OWED, journalSum: OWED, recoveries: 0, settlementHolds: -OWED })
  }, 180_000)

  it('after the channel paid, before the books: another process of the instance, waiting for the lease, books it once', async () => {
    const s = await setup(engine)
    const a = await s.startA(true)
    const next = await s.startOverlapping() // its start reconciles nothing: nothing was paid yet
    await s.store.adjust('bob', OWED, 'test: what the node owes bob')
    expect(await a.exited).toBe('SIGKILL')
    expect(s.aTotals().sent).toBe(OWED)
    // The lease lapses (Redis: its time to live) or goes with the session (PostgreSQL); next takes it, then recovers.
    await until(async () => (await holdsOfBob(s.store)).length === 0 && (await book(s.store)).balance === 0n, 60_000, 'the books to take the payment')
    await until(() => logged(next, 'released the settlement holds a crashed holder left'), 30_000, 'the recovery')
    expect(await settleNow(next)).toEqual({ amount: '0', balance: '0' })
    // It never tried to pay bob again (bob's link is with the dead process: a try would have failed, and said so).
    expect(next.logs().filter((line) => /^settlement of/.test(String(line.msg)))).toEqual([])
    next.child.kill('SIGTERM')
    await next.exited
    expect(s.aTotals()).toEqual({ sent: OWED, received: 0n })
    expect(s.received()).toBe(OWED)
    expect((await s.store.audit()).find((row) => row.peerId === 'bob')).toMatchObject({ balance: 0n, journalSum: 0n, recoveries: 1, recovered: -OWED, settlementHolds: 0n })
  }, 180_000)
})
