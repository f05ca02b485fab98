// `pnpm demo:cluster`: one connector node run as three `stack-connector` processes, on loopback.
//
//                      ┌── instance a ──BTP── bob (attached to a)
//   alice ──HTTP──▶ haproxy ── instance b ─┐   (b and c reach bob through a's internal link)
//                      └── instance c ─────┘
//                 balances of all three: one PostgreSQL
//
// alice streams packets to bob through the load balancer; halfway, instance b is SIGKILLed,
// and later started again. At the end the demo prints each side's books and the store's journal,
// and checks that they square. It starts PostgreSQL and haproxy itself, in temporary folders.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BtpClient } from '@stack/channel-btp'
import { HttpLink, IlpHttpServer } from '@stack/channel-http'
import { startPostgres } from '@stack/db-servers'
import { conditionOf, decodePrepare, decodeReply, encodePrepare, encodeReply, IlpPacketType } from '@stack/ilp-core'
import { openPostgresBalanceStore } from '@stack/ilp-shared-balances'
import { freePort, startHaproxy } from '@stack/load-balancer'
import { ConnectorProcess, type AdminBook } from './connector-process.js'

const log = (who: string, line: string): void => console.log(`${who.padEnd(11)} ${line}`)
const ADDRESS = 'test.cluster'
const IDS = ['a', 'b', 'c'] as const
const secret = (): string => randomBytes(16).toString('hex')

export interface ClusterDemoResult {
  /** What alice saw fulfilled, the node charged her, the node owes bob, bob delivered. */
  fulfilled: bigint
  charged: bigint
  owed: bigint
  delivered: bigint
  /** Packets alice had out when b was killed (the most the books may differ by). */
  inFlightAtKill: bigint
  /** Each instance's share of alice's packets. */
  perInstance: Record<string, number>
  checks: [string, boolean][]
}

export async function runClusterDemo(options: { packets?: number; concurrency?: number } = {}): Promise<ClusterDemoResult> {
  const packets = options.packets ?? 2_000
  const concurrency = options.concurrency ?? 8
  const dir = mkdtempSync(join(tmpdir(), 'stack-demo-cluster-'))
  const stops: (() => Promise<unknown> | void)[] = []
  try {
    const store = await startPostgres()
    stops.push(() => store.stop())
    log('store', `PostgreSQL at ${store.url} (fsync on, synchronous_commit on)`)

    const tokens = { bob: secret(), aliceIn: secret(), aliceOut: secret(), cluster: secret() }
    const alicePost = new IlpHttpServer({ accounts: { node: tokens.aliceOut } })
    await alicePost.listen()
    stops.push(() => alicePost.close())
    const ports = Object.fromEntries(await Promise.all(IDS.map(async (id) => [id, { http: await freePort(), internal: await freePort() }] as const)))
    const files = Object.fromEntries(IDS.map((id) => {
      const file = join(dir, `${id}.json`)
      writeFileSync(file, JSON.stringify({
        address: ADDRESS,
        asset: { code: 'USD', scale: 2 },
        listen: { btp: { port: 0 }, http: { port: ports[id]?.http } },
        admin: { port: 0 },
        peers: [
          { id: 'bob', relation: 'child', btp: { token: tokens.bob } },
          { id: 'alice', relation: 'child', http: { url: alicePost.url, token: tokens.aliceOut, incomingToken: tokens.aliceIn } },
        ],
        balances: { store: 'postgres', url: store.url },
        cluster: { instance: id, token: tokens.cluster, instances: Object.fromEntries(IDS.map((i) => [i, `http://127.0.0.1:${ports[i]?.internal}`])), attach: { bob: 'a' } },
        packets: { minMessageWindowMs: 200, maxHoldTimeMs: 10_000 },
        log: { level: 'warn' },
        shutdownTimeoutMs: 2_000,
      }))
      return [id, file]
    }))
    const instances = new Map<string, ConnectorProcess>()
    const start = async (id: string): Promise<void> => {
      instances.set(id, await ConnectorProcess.start({ name: `instance ${id}`, configFile: files[id] as string, env: { STACK_CONNECTOR__LOG__LEVEL: 'info' } }))
    }
    stops.push(() => Promise.all([...instances.values()].map((node) => node.stop().catch(() => node.kill()))))
    for (const id of IDS) await start(id)
    const lb = await startHaproxy({ backends: IDS.map((id) => ({ name: id, port: ports[id]?.http as number })) })
    stops.push(() => lb.stop())
    await lb.whenUp()
    log('haproxy', `${lb.url} → instances ${IDS.join(', ')} (round robin, health-checked)`)

    // bob: a BTP client of instance a, fulfilling what alice's conditions open.
    const fulfillments = new Map<string, Uint8Array>()
    const bob = new BtpClient({ url: `btp+ws://bob:${tokens.bob}@127.0.0.1:${(instances.get('a') as ConnectorProcess).ports.btp}`, reconnect: false })
    let delivered = 0n
    bob.setRequestHandler(async (bytes) => {
      const prepare = decodePrepare(bytes)
      const fulfillment = fulfillments.get(Buffer.from(prepare.executionCondition).toString('hex'))
      if (fulfillment === undefined) return encodeReply({ type: IlpPacketType.Reject, code: 'F06', triggeredBy: prepare.destination, message: '', data: new Uint8Array(0) })
      delivered += prepare.amount
      return encodeReply({ type: IlpPacketType.Fulfill, fulfillment, data: new Uint8Array(0) })
    })
    await bob.connect()
    stops.push(() => bob.close())
    const alice = new HttpLink({ url: `${lb.url}/ilp`, token: tokens.aliceIn })
    alicePost.attach('node', alice)
    await alice.connect()
    stops.push(() => alice.close())
    log('bob', `attached to instance a over BTP; instances b and c reach him through a`)

    // alice's stream: 1.00 USD a packet; b dies at a third, comes back at two thirds.
    let sent = 0
    let fulfilled = 0n
    let inFlight = 0n
    let inFlightAtKill = 0n
    let restarting: Promise<void> | undefined
    const pay = async (): Promise<void> => {
      while (sent < packets) {
        const n = ++sent
        if (n === Math.floor(packets / 3)) {
          inFlightAtKill = inFlight
          ;(instances.get('b') as ConnectorProcess).kill()
          log('demo', `packet ${n}: instance b SIGKILLed (${inFlight / 100n} USD in flight)`)
        }
        if (n === Math.floor((2 * packets) / 3)) {
          restarting = start('b').then(() => lb.whenUp(['b'])).then(() => log('demo', `packet ${n}: instance b restarted, back in the balancer`))
        }
        // A sender waits for its link: a reset from the balancer (b's requests cut) takes it down a moment.
        while (alice.state !== 'connected') await new Promise((resolve) => setTimeout(resolve, 20))
        const fulfillment = randomBytes(32)
        const condition = conditionOf(fulfillment)
        fulfillments.set(Buffer.from(condition).toString('hex'), fulfillment)
        const prepare = encodePrepare({ amount: 100n, destination: `${ADDRESS}.bob`, executionCondition: condition, expiresAt: new Date(Date.now() + 5_000), data: new Uint8Array(0) })
        inFlight += 100n
        try {
          const reply = decodeReply(await alice.request(prepare, { timeoutMs: 6_000 }))
          if (reply.type === IlpPacketType.Fulfill) fulfilled += 100n
        } catch {
          // 502: the instance that had it died; alice saw no Fulfill
        } finally {
          inFlight -= 100n
        }
        if (n % 500 === 0) log('alice', `${n} packets sent, ${fulfilled / 100n} USD fulfilled`)
      }
    }
    const began = Date.now()
    await Promise.all(Array.from({ length: concurrency }, pay))
    await restarting
    log('alice', `${packets} packets in ${((Date.now() - began) / 1000).toFixed(1)} s: ${fulfilled / 100n} USD fulfilled`)

    // Holds of the killed instance are released by the others at their Prepare's expiry.
    const a = instances.get('a') as ConnectorProcess
    const books = async (): Promise<Record<string, AdminBook>> => a.admin<Record<string, AdminBook>>('/balances')
    await a.waitFor(async () => Object.values(await books()).every((b) => b.pendingDebit === '0' && b.pendingCredit === '0'), 60_000, 'the dead instance\'s holds to expire')
    const final = await books()
    const charged = -BigInt(final.alice?.balance ?? 0)
    const owed = BigInt(final.bob?.balance ?? 0)
    const perInstance: Record<string, number> = {}
    for (const [id, node] of instances) {
      const text = await (await fetch(`http://127.0.0.1:${node.ports.admin}/metrics`)).text()
      perInstance[id] = Number(/^ilp_connector_packets_total\{direction="incoming",peer="alice",result="fulfilled"\} (\d+)$/m.exec(text)?.[1] ?? 0)
    }
    log('books', `alice saw ${fulfilled / 100n} USD fulfilled; the node charged her ${charged / 100n}, owes bob ${owed / 100n}; bob delivered ${delivered / 100n}`)
    log('books', `packets fulfilled per instance since its last start: ${JSON.stringify(perInstance)}`)

    const audit = await openPostgresBalanceStore({ url: store.url, expireEveryMs: 0, refreshEveryMs: 0 })
    const rows = await audit.audit().finally(() => audit.close())
    for (const row of rows) log('journal', `${row.peerId}: balance ${row.balance}, journal Σ ${row.journalSum} over ${row.journalRows} rows`)
    const checks: [string, boolean][] = [
      ['every balance is the sum of its journal', rows.every((row) => row.balance === row.journalSum)],
      ['alice saw ≤ charged ≤ owed to bob ≤ bob delivered', fulfilled <= charged && charged <= owed && owed <= delivered],
      ['what differs was in flight at the kill', delivered - fulfilled <= inFlightAtKill],
    ]
    for (const [what, ok] of checks) log('check', `${ok ? 'ok  ' : 'FAIL'} ${what}`)
    return { fulfilled, charged, owed, delivered, inFlightAtKill, perInstance, checks }
  } finally {
    for (const stop of stops.reverse()) await Promise.resolve(stop()).catch(() => undefined)
    rmSync(dir, { recursive: true, force: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // A signal ends the run through process.exit: the servers' watchdogs stop them (process-guard).
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130))
  runClusterDemo().then(
    (result) => {
      process.exitCode = result.checks.every(([, ok]) => ok) ? 0 : 1
    },
    (error: unknown) => {
      console.error(error)
      process.exitCode = 1
    },
  )
}
