import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { IlpPacketType } from '@stack/ilp-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { book, buildBin, killBins, metric, startBin, type RunningBin } from './bin.js'
import { freePort, host, intents, token, waitFor, type Host } from './harness.js'

// What a crash or a stall of a connector costs (README: "What a crash or a stall can cost").
// alice → A → B → C → bob, three stack-connector processes on loopback, one asset, no spread.
// B, the middle one, is stopped (SIGSTOP) or killed (SIGKILL) under load. A Fulfill on its way
// up through B when it stops is paid downstream and never upstream: somebody in the line is out
// of that amount. The books of B's neighbours say who and how much; B's metric
// ilp_connector_in_flight_amount{direction="outgoing",peer="c"} is what an operator last saw.

const CONCURRENCY = 8
const USD = { code: 'USD', scale: 6 }
const CREDIT = '-1000000000000'

let dir: string
beforeAll(() => {
  buildBin()
  dir = mkdtempSync(join(tmpdir(), 'stack-connector-crash-window-'))
}, 130_000)
afterAll(() => {
  killBins()
  rmSync(dir, { recursive: true, force: true })
})

interface Line {
  a: RunningBin
  b: RunningBin
  c: RunningBin
  alice: Host
  bob: Host
  startB(): Promise<void>
}

async function line(): Promise<Line> {
  const [portA, portB, portC] = [await freePort(), await freePort(), await freePort()]
  const t = { alice: token(), a: token(), c: token(), bob: token() }
  const common = { asset: USD, admin: { port: 0 }, balances: { store: 'memory' }, packets: { minMessageWindowMs: 200, maxHoldTimeMs: 10_000 }, log: { level: 'info' }, shutdownTimeoutMs: 1_000 }
  const a = await startBin(join(dir, 'a.json'), {
    ...common,
    address: 'test.a',
    listen: { btp: { port: portA } },
    peers: [
      { id: 'alice', relation: 'child', btp: { token: t.alice }, minBalance: CREDIT },
      { id: 'b', relation: 'peer', btp: { url: `btp+ws://a:${t.a}@127.0.0.1:${portB}` } },
    ],
    routes: [{ prefix: 'test.c', peer: 'b' }],
  })
  const bConfig = {
    ...common,
    address: 'test.b',
    listen: { btp: { port: portB } },
    peers: [
      { id: 'a', relation: 'peer', btp: { token: t.a }, minBalance: CREDIT },
      { id: 'c', relation: 'peer', btp: { token: t.c } },
    ],
    routes: [{ prefix: 'test.c', peer: 'c' }],
  }
  const c = await startBin(join(dir, 'c.json'), {
    ...common,
    address: 'test.c',
    listen: { btp: { port: portC } },
    peers: [
      { id: 'b', relation: 'peer', btp: { url: `btp+ws://c:${t.c}@127.0.0.1:${portB}` }, minBalance: CREDIT },
      { id: 'bob', relation: 'child', btp: { token: t.bob } },
    ],
  })
  const shared = intents()
  const result: Line = {
    a,
    c,
    b: undefined as unknown as RunningBin,
    alice: await host(`btp+ws://alice:${t.alice}@127.0.0.1:${portA}`, shared),
    bob: await host(`btp+ws://bob:${t.bob}@127.0.0.1:${portC}`, shared),
    async startB() {
      result.b = await startBin(join(dir, 'b.json'), bConfig)
      // A and C dial B (with backoff): wait until both links are up again.
      for (const [bin, peer] of [[a, 'b'], [c, 'b'], [result.b, 'a'], [result.b, 'c']] as const) {
        await until(async () => (await bin.admin<{ id: string; state: string }[]>('/peers')).some((p) => p.id === peer && p.state === 'connected'), `${peer} connected`)
      }
    },
  }
  await result.startB()
  return result
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** B's gauges of what it forwarded to C and has no answer for yet. */
interface Reading {
  packets: number
  amount: number
  /** Date.now() of the scrape. */
  at: number
}

const outgoingToC = { direction: 'outgoing', peer: 'c' }

/** B's /metrics scraped in a loop as a Prometheus server would; a stopped or dead B answers nothing. */
function scraper(l: Line): { last: Reading | undefined; readings: number; stop(): Promise<void> } {
  let running = true
  const state = {
    last: undefined as Reading | undefined,
    readings: 0,
    stop: async () => {
      running = false
      await loop
    },
  }
  const loop = (async () => {
    while (running) {
      try {
        const at = Date.now()
        const text = await (await fetch(`http://127.0.0.1:${l.b.ports.admin}/metrics`, { signal: AbortSignal.timeout(1_000) })).text()
        state.last = { packets: metric(text, 'ilp_connector_in_flight_packets', outgoingToC), amount: metric(text, 'ilp_connector_in_flight_amount', outgoingToC), at }
        state.readings++
      } catch {
        // The last reading stands, as on a dashboard.
      }
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  })()
  return state
}

/**
 * held: at the signal every worker's last Prepare is held by bob (nothing else in the air), and
 * bob fulfills them all after it. flowing: the signal comes at a random instant under load.
 * stall: SIGSTOP, then (after A's Prepares expired) SIGCONT (resume) or SIGKILL.
 */
type Mode = 'stall, resume' | 'stall, kill' | 'stall, flowing' | 'kill, held' | 'kill, flowing'

interface Books {
  aOwesB: bigint
  aliceOwesA: bigint
  cOwesB: bigint
  cOwesBob: bigint
}

async function books(l: Line): Promise<Books> {
  return {
    aOwesB: (await book(l.a, 'b')).balance,
    aliceOwesA: -(await book(l.a, 'alice')).balance,
    cOwesB: (await book(l.c, 'b')).balance,
    cOwesBob: (await book(l.c, 'bob')).balance,
  }
}

const sum = (amounts: Iterable<bigint>): bigint => [...amounts].reduce((x, y) => x + y, 0n)

/** One round: traffic through B, then B stops or dies; what each node is out of, by the books. */
async function round(l: Line, mode: Mode) {
  const before = await books(l)
  const deliveredBefore = sum(l.bob.delivered)
  const countBefore = l.bob.delivered.length
  const scrape = scraper(l)
  const inFlight = new Map<number, bigint>()
  const held = mode.endsWith('held') || mode === 'stall, resume' || mode === 'stall, kill'
  let paid = 0n
  let next = 0
  let holdNow = false
  let stopped = false
  let heldAmount = 0n
  const worker = async (): Promise<void> => {
    while (!stopped) {
      const id = next++
      const amount = BigInt(1 + Math.floor(Math.random() * 1_000))
      const last = holdNow
      if (last) heldAmount += amount
      inFlight.set(id, amount)
      try {
        const reply = await l.alice.pay('test.c.bob', amount, last ? 'hold' : 'fulfill', last ? 4_000 : 5_000)
        if (reply.type === IlpPacketType.Fulfill) paid += amount
      } finally {
        inFlight.delete(id)
      }
      if (last) return
    }
  }
  const workers = Array.from({ length: CONCURRENCY }, worker)
  await waitFor(() => l.bob.delivered.length >= countBefore + 50, 20_000, 'traffic')
  if (held) {
    holdNow = true
    await waitFor(() => l.bob.heldCount() === CONCURRENCY, 20_000, 'held Prepares')
    const readingsNow = scrape.readings
    await until(async () => scrape.readings > readingsNow + 1 && scrape.last?.packets === CONCURRENCY, 'a reading of the held Prepares')
  } else {
    await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 200)))
  }
  const stall = mode.startsWith('stall')
  l.b.child.kill(stall ? 'SIGSTOP' : 'SIGKILL')
  const signalledAt = Date.now()
  stopped = true
  const reading = scrape.last
  const aliceInFlight = sum(inFlight.values())
  // A stalled B answers A nothing: what A has forwarded to it stays in flight until it expires.
  const aGaugeAtStall = stall ? metric(await l.a.metrics(), 'ilp_connector_in_flight_amount', { direction: 'outgoing', peer: 'b' }) : undefined
  if (mode === 'kill, held') {
    // C has seen B go before bob answers: it must not charge B for Fulfills B can never relay.
    await until(async () => (await l.c.admin<{ id: string; state: string }[]>('/peers')).some((p) => p.id === 'b' && p.state !== 'connected'), 'C to see B gone')
  }
  if (held) l.bob.release('fulfill')
  await Promise.all(workers)
  // Every hold at A and C resolved (a stalled B's Prepares expire at its neighbours).
  await until(async () => {
    const [ab, cb, cbob] = [await book(l.a, 'b'), await book(l.c, 'b'), await book(l.c, 'bob')]
    return ab.pendingCredit === 0n && cb.pendingDebit === 0n && cbob.pendingCredit === 0n
  }, 'holds at A and C resolved')
  if (mode === 'stall, resume') {
    l.b.child.kill('SIGCONT')
    await until(async () => metric(await l.b.metrics(), 'ilp_connector_in_flight_packets', outgoingToC) === 0, 'B done with its late replies')
  } else {
    if (stall) l.b.child.kill('SIGKILL')
    expect(await l.b.exited).toBe('SIGKILL')
  }
  await scrape.stop()
  const after = await books(l)
  const delivered = sum(l.bob.delivered) - deliveredBefore
  const d = (key: keyof Books): bigint => after[key] - before[key]
  const result = {
    mode,
    paid, // alice's Fulfills
    delivered, // bob's
    lineLoss: delivered - paid,
    aLoss: d('aOwesB') - d('aliceOwesA'),
    bLoss: -d('cOwesB') - d('aOwesB'), // B owes C, by C's books, less what A owes B, by A's
    cLoss: d('cOwesBob') + d('cOwesB'),
    bGauge: reading === undefined ? undefined : { packets: reading.packets, amount: reading.amount, ageMs: signalledAt - reading.at },
    aGaugeAtStall,
    aliceInFlight,
    heldAmount,
  }
  if (process.env.CRASH_WINDOW_LOG !== undefined) console.log(JSON.stringify(result, (_, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)))
  // Conservation: what alice paid A is what A charged her; the line's loss is the nodes' losses.
  expect(d('aliceOwesA')).toBe(paid)
  expect(result.aLoss + result.bLoss + result.cLoss).toBe(result.lineLoss)
  for (const loss of [result.aLoss, result.bLoss, result.cLoss]) expect(loss).toBeGreaterThanOrEqual(0n)
  // Never more than what was in the air.
  expect(result.lineLoss).toBeLessThanOrEqual(aliceInFlight)
  if (mode !== 'stall, resume') await l.startB()
  return result
}

describe('a middle connector that stalls or dies with Fulfills on their way up', () => {
  it('costs at most the amount in flight, and its neighbours’ books say who pays', async () => {
    const l = await line()
    try {
      // Stalled (or silent, as a machine that lost power): C gives B the Fulfills, B cannot
      // relay them before A's Prepares expire. B owes C exactly what its gauge last showed.
      for (const mode of ['stall, resume', 'stall, kill'] as const) {
        const r = await round(l, mode)
        expect(r.bGauge).toMatchObject({ packets: CONCURRENCY, amount: Number(r.heldAmount) })
        expect(r.bLoss).toBe(r.heldAmount)
        expect(r.aLoss + r.cLoss).toBe(0n)
      }
      // Stalled at a random instant: at most what A had forwarded to B, as A's gauge shows it.
      for (let i = 0; i < 2; i++) {
        const r = await round(l, 'stall, flowing')
        expect(r.lineLoss).toBeLessThanOrEqual(BigInt(r.aGaugeAtStall ?? 0))
        expect(r.aLoss + r.cLoss).toBe(0n)
      }
      // Killed: the socket closes, C sees B go first and keeps the Fulfills: C is out of them.
      const r = await round(l, 'kill, held')
      expect(r.bGauge).toMatchObject({ packets: CONCURRENCY, amount: Number(r.heldAmount) })
      expect(r.cLoss).toBe(r.heldAmount)
      expect(r.aLoss + r.bLoss).toBe(0n)
      // Killed at a random instant under load: whatever was in the air, never more (in round()).
      for (let i = 0; i < 4; i++) await round(l, 'kill, flowing')
    } finally {
      await l.alice.close()
      await l.bob.close()
    }
  }, 150_000)
})
