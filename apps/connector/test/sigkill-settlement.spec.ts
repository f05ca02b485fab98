import { execFileSync, fork, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { BtpClient } from '@stack/channel-btp'
import { SqliteClaimStore } from '@stack/channel-sqlite'
import { conditionOf, decodePrepare, decodeReply, encodePrepare, encodeReply, IlpPacketType } from '@stack/ilp-core'
import { SqliteLedger } from '@stack/ledger-sqlite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SqliteBalanceStore } from '@stack/ilp-connector'
import { freePort, token } from './harness.js'

// sender — A —BTP— B — receiver: two stack-connector processes from dist/, A paying B over a
// channel-sqlite payment channel at a low threshold while packets flow. Both are SIGKILLed again
// and again — from outside at random instants, and from inside right after a random settlement
// write (fixtures/kill-at-settlement-write.mjs), the instants between the claim store's write and
// the balance journal's — and restarted on their files. At the end, traffic drained and both
// stopped gracefully, every book and every channel must agree to the unit.

const root = fileURLToPath(new URL('..', import.meta.url))
const main = join(root, 'dist', 'main.js')
const killHook = fileURLToPath(new URL('./fixtures/kill-at-settlement-write.mjs', import.meta.url))
// Kills of each node before the calm (SIGKILL_TEST_KILLS: a longer run, by hand).
const KILLS = Number(process.env.SIGKILL_TEST_KILLS ?? 8)
const CONCURRENCY = 6
const THRESHOLD = 2_000n
const MINTED = 100_000_000n
const ASSET = { code: 'USD', scale: 2 }

let dir: string
beforeAll(() => {
  execFileSync(process.execPath, [join(root, '../../node_modules/typescript/bin/tsc'), '-b'], { cwd: root, timeout: 120_000 })
  dir = mkdtempSync(join(tmpdir(), 'stack-connector-sigkill-settlement-'))
}, 130_000)
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
const random = (n: number): number => Math.floor(Math.random() * n)
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

/** Polls `check` until true; throws with `what` after `ms`: a stuck run says where it stuck. */
async function until(check: () => boolean | Promise<boolean>, what: () => string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`)
    await sleep(20)
  }
}

interface Proc {
  child: ChildProcess
  exited: Promise<NodeJS.Signals | number | null>
  /** Resolves true once it logged "connector started", false if it died first. */
  started: Promise<boolean>
  /** Resolves true once its link with the other connector is up, false if it died first. */
  linked: Promise<boolean>
  output: () => string
}

/** The bin on `config`; with `killAfterWrites`, it SIGKILLs itself after that many settlement writes. */
function spawn(config: string, peer: string, killAfterWrites?: number): Proc {
  const child = fork(main, ['--config', config], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    execArgv: killAfterWrites === undefined ? [] : ['--import', killHook],
    env: { ...process.env, KILL_AFTER_SETTLEMENT_WRITES: String(killAfterWrites ?? '') },
  })
  let out = ''
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()))
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)))
  const logged = async (line: RegExp): Promise<boolean> => {
    while (!line.test(out)) {
      if (child.exitCode !== null || child.signalCode !== null) return false
      await sleep(20)
    }
    return true
  }
  return {
    child,
    exited,
    started: logged(/"msg":"connector started"/),
    linked: logged(new RegExp(`"peer":"${peer}"[^\n]*"msg":"peer connected"`)),
    output: () => out,
  }
}

async function admin<T>(port: number, path: string): Promise<T> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`)
  return (path === '/metrics' ? await response.text() : await response.json()) as T
}

/** The sums of a balance journal's rows for `peer`, by sign: packets and settlements move it opposite ways here. */
function journal(file: string, peer: string): { up: bigint; down: bigint; upRows: number; downRows: number } {
  const db = new Database(file, { readonly: true })
  try {
    const sums = { up: 0n, down: 0n, upRows: 0, downRows: 0 }
    for (const { delta } of db.prepare<[string], { delta: string }>('SELECT delta FROM balance_journal WHERE peer = ?').all(peer)) {
      const d = BigInt(delta)
      if (d > 0n) {
        sums.up += d
        sums.upRows++
      } else if (d < 0n) {
        sums.down -= d
        sums.downRows++
      }
    }
    return sums
  } finally {
    db.close()
  }
}

describe('settlement between two connectors SIGKILLed at random instants (channel-sqlite)', () => {
  it('ends with every book and every channel agreeing to the unit: nothing paid twice, nothing forgotten', async () => {
    const [aBtp, aAdmin, bBtp, bAdmin] = [await freePort(), await freePort(), await freePort(), await freePort()]
    const tokens = { sender: token(), b: token(), receiver: token() }
    const ledgerFile = join(dir, 'usd.ledger')
    const setup = SqliteLedger.create(ledgerFile, { asset: ASSET })
    await setup.createAccount('conn-a')
    await setup.createAccount('conn-b')
    await setup.mint({ account: 'conn-a', amount: MINTED })
    setup.close()
    const common = { asset: ASSET, packets: { minMessageWindowMs: 200, maxHoldTimeMs: 10_000 }, log: { level: 'info' }, shutdownTimeoutMs: 3_000 }
    const aConfig = join(dir, 'a.json')
    writeFileSync(aConfig, JSON.stringify({
      ...common,
      address: 'test.a',
      listen: { btp: { host: '127.0.0.1', port: aBtp } },
      admin: { host: '127.0.0.1', port: aAdmin },
      balances: { store: 'sqlite', path: 'a.balances' },
      peers: [
        { id: 'sender', relation: 'child', btp: { token: tokens.sender } },
        {
          id: 'b', relation: 'peer', btp: { token: tokens.b }, settleThreshold: String(THRESHOLD), settleTo: '0',
          settlement: { kind: 'sqlite', ledger: 'usd.ledger', account: 'conn-a', peerAccount: 'conn-b', claims: 'a.claims', deposit: '2000000', topUpBelow: '500000', settleDelayMs: 86_400_000, watchIntervalMs: 1_000 },
        },
      ],
      routes: [{ prefix: 'test.b', peer: 'b' }],
    }))
    const bConfig = join(dir, 'b.json')
    writeFileSync(bConfig, JSON.stringify({
      ...common,
      address: 'test.b',
      listen: { btp: { host: '127.0.0.1', port: bBtp } },
      admin: { host: '127.0.0.1', port: bAdmin },
      balances: { store: 'sqlite', path: 'b.balances' },
      peers: [
        {
          id: 'a', relation: 'peer', btp: { url: `btp+ws://b:${tokens.b}@127.0.0.1:${aBtp}` },
          // B only receives; it redeems on the ledger now and then during the run, and at the end.
          settlement: { kind: 'sqlite', ledger: 'usd.ledger', account: 'conn-b', peerAccount: 'conn-a', claims: 'b.claims', redeemThreshold: '50000', watchIntervalMs: 1_000 },
        },
        { id: 'receiver', relation: 'child', btp: { token: tokens.receiver } },
      ],
    }))

    // The end hosts, in this process, reconnecting to whichever node is back.
    const intents = new Map<string, { fulfillment: Uint8Array; amount: bigint }>()
    const delivered = new Map<string, bigint>()
    const fulfilled = new Set<string>()
    const reconnect = { initialDelayMs: 50, maxDelayMs: 250 }
    const sender = new BtpClient({ url: `btp+ws://sender:${tokens.sender}@127.0.0.1:${aBtp}`, reconnect })
    const receiver = new BtpClient({ url: `btp+ws://receiver:${tokens.receiver}@127.0.0.1:${bBtp}`, reconnect })
    receiver.setRequestHandler((bytes) => {
      const prepare = decodePrepare(bytes)
      const key = hex(prepare.executionCondition)
      const intent = intents.get(key)
      if (intent === undefined || Date.now() >= prepare.expiresAt.getTime()) {
        return encodeReply({ type: IlpPacketType.Reject, code: 'F99', triggeredBy: 'test.b.receiver', message: 'no', data: new Uint8Array(0) })
      }
      delivered.set(key, prepare.amount)
      return encodeReply({ type: IlpPacketType.Fulfill, fulfillment: intent.fulfillment, data: new Uint8Array(0) })
    })
    let traffic = true
    const worker = async (): Promise<void> => {
      while (traffic) {
        const fulfillment = randomBytes(32)
        const key = hex(conditionOf(fulfillment))
        const amount = BigInt(1 + random(200))
        intents.set(key, { fulfillment, amount })
        const prepare = encodePrepare({ amount, destination: 'test.b.receiver', executionCondition: conditionOf(fulfillment), expiresAt: new Date(Date.now() + 3_000), data: new Uint8Array(0) })
        try {
          const reply = decodeReply(await sender.request(prepare, { timeoutMs: 4_000 }))
          if (reply.type === IlpPacketType.Fulfill) fulfilled.add(key)
          else await sleep(10) // B is down, or its link: no busy loop
        } catch {
          await sleep(20) // A is down
        }
      }
    }

    // Chaos: each node runs, is killed (by the hook after 1–60 settlement writes, or from here
    // 0.3–3 s after its link with the other came up, whichever comes first) and is started
    // again, until each was killed KILLS times.
    const stats = { a: { external: 0, self: 0 }, b: { external: 0, self: 0 } }
    let repairs = 0
    const live = new Set<Proc>()
    const run = (name: 'a' | 'b', killAfterWrites?: number): Proc => {
      const proc = spawn(name === 'a' ? aConfig : bConfig, name === 'a' ? 'b' : 'a', killAfterWrites)
      live.add(proc)
      void proc.exited.then(() => {
        live.delete(proc)
        repairs += proc.output().split('settlement totals applied to the books').length - 1
      })
      return proc
    }
    const kills = (name: 'a' | 'b'): number => stats[name].external + stats[name].self
    let stopped = false
    const chaos = async (name: 'a' | 'b'): Promise<void> => {
      // Both go on until both are done: a node alone would only wait for its peer.
      while (!stopped && (kills('a') < KILLS || kills('b') < KILLS)) {
        const proc = run(name, 1 + random(60))
        let external = false
        const kill = (): void => {
          external = true
          proc.child.kill('SIGKILL')
        }
        let timer: ReturnType<typeof setTimeout> | undefined
        void proc.linked.then((up) => {
          if (up) timer = setTimeout(kill, 300 + random(2_700))
        })
        // Never linked (the other side slow to come back): it goes all the same.
        const watchdog = setTimeout(kill, 15_000)
        const how = await proc.exited
        clearTimeout(timer)
        clearTimeout(watchdog)
        if (how !== 'SIGKILL') throw new Error(`connector ${name} exited with ${how}:\n${proc.output()}`)
        stats[name][external ? 'external' : 'self']++
      }
    }
    let workers: Promise<void>[] = []
    try {
      // The hosts' first connection (a BtpClient reconnects only once it was connected).
      const first = [run('a'), run('b')]
      for (const proc of first) expect(await proc.started).toBe(true)
      await Promise.all([sender.connect(), receiver.connect()])
      for (const proc of first) proc.child.kill('SIGKILL')
      for (const proc of first) await proc.exited
      workers = Array.from({ length: CONCURRENCY }, worker)
      await Promise.all([chaos('a'), chaos('b')])

      // Calm: both back, no more kills, until A has settled once more (any claim whose acceptance
      // a kill lost is covered by that one); then the traffic drains.
      const a = run('a')
      const b = run('b')
      expect(await a.started).toBe(true)
      expect(await b.started).toBe(true)
      const settled = async (): Promise<number> => Number(/ilp_connector_settlements_total\{result="sent"\} (\d+)/.exec(await admin<string>(aAdmin, '/metrics'))?.[1] ?? 0)
      await until(async () => (await settled()) >= 1, () => `a settlement after the chaos:\n${a.output()}`)
      traffic = false
      await Promise.all(workers)
      // No hold left: no packet and no settlement in flight on either node.
      type Balances = Record<string, { pendingDebit: string; pendingCredit: string }>
      const idle = async (port: number): Promise<boolean> =>
        Object.values(await admin<Balances>(port, '/balances')).every((s) => s.pendingDebit === '0' && s.pendingCredit === '0')
      await until(async () => (await idle(aAdmin)) && (await idle(bAdmin)), () => 'no holds left')
      for (const proc of [a, b]) proc.child.kill('SIGTERM')
      for (const proc of [a, b]) {
        let code: unknown
        void proc.exited.then((how) => (code = how))
        await until(() => code !== undefined, () => `a graceful stop:\n${proc.output()}`)
        expect(code).toBe(0) // B's close redeems its best claim on the ledger
      }
    } finally {
      stopped = true
      traffic = false
      for (const proc of live) proc.child.kill('SIGKILL')
      await Promise.all([...live].map((proc) => proc.exited))
      await Promise.all(workers)
      await Promise.all([sender.close(), receiver.close()])
    }

    // The channels: A's claim store, B's, and the ledger.
    const aClaims = SqliteClaimStore.open(join(dir, 'a.claims'), { account: 'conn-a', peerAccount: 'conn-b' })
    const bClaims = SqliteClaimStore.open(join(dir, 'b.claims'), { account: 'conn-b', peerAccount: 'conn-a' })
    const ledger = SqliteLedger.open(ledgerFile)
    try {
      const outgoing = aClaims.getOutgoing()
      const incoming = bClaims.listIncoming()
      expect(incoming.map((claim) => claim.channelId)).toEqual([outgoing?.channelId])
      expect(outgoing?.carry).toBe(0n)
      const sent = outgoing?.sent ?? 0n
      const best = incoming[0]?.amount ?? 0n
      const redeemed = (await ledger.getChannel(outgoing?.channelId as string)).claimed
      const aJournal = journal(join(dir, 'a.balances'), 'b')
      const bJournal = journal(join(dir, 'b.balances'), 'a')
      // What is lost by the nature of ILP: a Fulfill B committed (the receiver was paid) whose
      // commit at A a kill prevented. A commits only after B did, so A counts at most what B counts.
      const lostInFlight = [...delivered].filter(([key]) => !fulfilled.has(key)).reduce((sum, [, amount]) => sum + amount, 0n)
      const residue = aJournal.up - bJournal.down
      const report = {
        kills: stats, repairs, settlements: aJournal.downRows, settled: aJournal.down, sent, best, redeemed,
        packets: { delivered: delivered.size, fulfilled: fulfilled.size, lostInFlight, residue },
        books: { aOwesB: aJournal.up - aJournal.down, bOwesA: bJournal.up - bJournal.down },
      }
      if (process.env.SIGKILL_TEST_LOG !== undefined) console.log(report)

      // A's books paid exactly what its claim store says was sent: no settlement paid twice.
      expect(aJournal.down).toBe(sent)
      // B's books credited exactly the best claim it holds: nothing it holds forgotten.
      expect(bJournal.up).toBe(best)
      // Both channels agree with each other and with the ledger (B redeemed all it holds).
      expect(best).toBe(sent)
      expect(redeemed).toBe(sent)
      expect(await ledger.getBalance('conn-b')).toBe(sent)
      // The books differ by the packets in flight at the kills only, and never in A's favour.
      expect(residue).toBeLessThanOrEqual(0n)
      expect(-residue).toBeLessThanOrEqual(lostInFlight)
      expect(report.books.aOwesB + report.books.bOwesA).toBe(residue)
      expect(aJournal.downRows).toBeGreaterThanOrEqual(10)

      // The totals each side keeps agree with all of the above.
      expect(aClaims.getTotals()).toEqual({ sent, received: 0n })
      expect(bClaims.getTotals()).toEqual({ sent: 0n, received: sent })
      const books = [['a.balances', 'b', { sent, received: 0n }], ['b.balances', 'a', { sent: 0n, received: sent }]] as const
      for (const [file, peer, totals] of books) {
        const store = SqliteBalanceStore.open(join(dir, file))
        try {
          expect(store.settled(peer)).toEqual(totals)
          store.audit() // balance = Σ journal
        } finally {
          store.close()
        }
      }
    } finally {
      aClaims.close()
      bClaims.close()
      ledger.close()
    }
  }, 180_000)
})
