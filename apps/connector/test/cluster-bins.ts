import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HttpLink, IlpHttpServer } from '@stack/channel-http'
import { startPostgres, startRedis, type DbServer } from '@stack/db-servers'
import { startHaproxy, type LoadBalancer } from '@stack/load-balancer'
import { book, killBins, startBin, type RunningBin } from './bin.js'
import { freePort, host, hostOn, intents, token, type Host, type Intents } from './harness.js'

// Several `stack-connector` processes as one node (config `cluster`), as an operator runs them:
// PostgreSQL for the shared balances, haproxy in front of the instances' ILP-over-HTTP
// listeners. alice (ILP over HTTP) pays through the load balancer; bob (BTP) is attached to
// instance a, and the others reach him over the internal link.

export const ADDRESS = 'test.cluster'

export interface ClusterUnderTest {
  readonly ids: readonly string[]
  readonly instances: Map<string, RunningBin>
  readonly lb: LoadBalancer
  readonly store: DbServer
  readonly engine: 'postgres' | 'redis'
  readonly shared: Intents
  /** alice's link through the load balancer. */
  readonly alice: Host
  /** alice's link to one instance's HTTP listener, not through the balancer. */
  aliceAt(id: string): Promise<Host>
  readonly bob: Host
  /** bob's BTP URL: instance a's listener, with his credentials. */
  readonly bobUrl: string
  /** SIGKILLs the instance and waits for its exit. */
  kill(id: string): Promise<void>
  /** Starts the instance again on its file, and waits for the balancer to see it up. */
  restart(id: string): Promise<void>
  /** The shared store's book of a peer, as one instance's admin API shows it. */
  book(peer: string, via?: string): Promise<{ balance: bigint; pendingDebit: bigint; pendingCredit: bigint }>
  stop(): Promise<void>
}

export interface ClusterOptions {
  instances?: number
  /** Extra fields of the peer alice (minBalance …). */
  alice?: Record<string, unknown>
  /** The shared store's engine (default postgres). */
  engine?: 'postgres' | 'redis'
}

export async function startCluster(options: ClusterOptions): Promise<ClusterUnderTest> {
  const dir = mkdtempSync(join(tmpdir(), 'stack-cluster-'))
  const ids = ['a', 'b', 'c'].slice(0, options.instances ?? 3)
  const engine = options.engine ?? 'postgres'
  const store = engine === 'postgres' ? await startPostgres() : await startRedis()
  const secrets = { bob: token(), aliceIn: token(), aliceOut: token(), cluster: token() + token() }
  const aliceServer = new IlpHttpServer({ accounts: { node: secrets.aliceOut } })
  await aliceServer.listen()
  const ports = new Map<string, { btp: number; http: number; admin: number; internal: number }>()
  for (const id of ids) ports.set(id, { btp: await freePort(), http: await freePort(), admin: await freePort(), internal: await freePort() })
  const instancesSection = Object.fromEntries(ids.map((id) => [id, `http://127.0.0.1:${ports.get(id)?.internal}`]))
  const paths = new Map<string, string>()
  for (const id of ids) {
    const p = ports.get(id) as { btp: number; http: number; admin: number }
    const path = join(dir, `${id}.json`)
    writeFileSync(path, JSON.stringify({
      address: ADDRESS,
      asset: { code: 'USD', scale: 6 },
      listen: { btp: { port: p.btp }, http: { port: p.http } },
      admin: { port: p.admin },
      peers: [
        { id: 'bob', relation: 'child', btp: { token: secrets.bob } },
        { id: 'alice', relation: 'child', http: { url: aliceServer.url, token: secrets.aliceOut, incomingToken: secrets.aliceIn }, ...options.alice },
      ],
      balances: { store: engine, url: store.url },
      cluster: { instance: id, token: secrets.cluster, instances: instancesSection, attach: { bob: 'a' } },
      packets: { minMessageWindowMs: 200, maxHoldTimeMs: 10_000 },
      log: { level: 'info' },
      shutdownTimeoutMs: 2_000,
    }))
    paths.set(id, path)
  }
  const instances = new Map<string, RunningBin>()
  for (const id of ids) instances.set(id, await startBin(paths.get(id) as string))
  const lb = await startHaproxy({ backends: ids.map((id) => ({ name: id, port: ports.get(id)?.http as number })) })
  await lb.whenUp()

  const shared = intents()
  const bobUrl = `btp+ws://bob:${secrets.bob}@127.0.0.1:${ports.get('a')?.btp}`
  const bob = await host(bobUrl, shared)
  const aliceLink = (url: string): HttpLink => {
    const link = new HttpLink({ url, token: secrets.aliceIn })
    aliceServer.attach('node', link)
    return link
  }
  const alice = await hostOn(aliceLink(`${lb.url}/ilp`), shared)
  const extra: Host[] = []
  const running = (id: string): RunningBin => instances.get(id) as RunningBin
  return {
    ids,
    instances,
    lb,
    store,
    engine,
    shared,
    alice,
    bob,
    bobUrl,
    async aliceAt(id) {
      const h = await hostOn(aliceLink(`http://127.0.0.1:${ports.get(id)?.http}/ilp`), shared)
      extra.push(h)
      return h
    },
    async kill(id) {
      running(id).child.kill('SIGKILL')
      await running(id).exited
    },
    async restart(id) {
      instances.set(id, await startBin(paths.get(id) as string))
      await lb.whenUp([id])
    },
    book: (peer, via = ids.find((id) => running(id).child.exitCode === null && running(id).child.signalCode === null) as string) => book(running(via), peer),
    async stop() {
      for (const h of [alice, bob, ...extra]) await h.close().catch(() => undefined)
      for (const r of instances.values()) {
        if (r.child.exitCode === null && r.child.signalCode === null) {
          r.child.kill('SIGTERM')
          await r.exited
        }
      }
      killBins()
      await lb.stop()
      await aliceServer.close()
      await store.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
