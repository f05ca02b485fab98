import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HttpLink, IlpHttpServer } from '@stack/channel-http'
import { startPostgres, type DbServer } from '@stack/db-servers'
import { IlpPacketType } from '@stack/ilp-core'
import { startHaproxy, type LoadBalancer } from '@stack/load-balancer'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ConnectorNode } from '../src/node.js'
import { buildBin, killBins, startBin, type RunningBin } from './bin.js'
import { freePort, host, hostOn, intents, token, waitFor, type Host } from './harness.js'
import { audited, sqliteLedger, startCarol, USD2 } from './http-peer-fixture.js'

// The owner of carol — an ILP-over-HTTP peer paid with claims on a sqlite payment channel — is
// SIGKILLed while packets to her flow through all three `stack-connector` processes and it
// settles every few of them. Until it is back nobody pays her; then it pays what is owed, once.

const ids = ['a', 'b', 'c'] as const
const THRESHOLD = 300n
const cleanups: (() => Promise<unknown>)[] = []
const bins = new Map<string, RunningBin>()
const paths = new Map<string, string>()
let dir: string
let store: DbServer
let lb: LoadBalancer
let carol: ConnectorNode
let dave: Host
let alice: Host

beforeAll(async () => {
  buildBin()
  dir = mkdtempSync(join(tmpdir(), 'cluster-http-settle-kill-'))
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }))
  const ledgerFile = join(dir, 'usd.ledger')
  await sqliteLedger(ledgerFile, { node: 1_000_000n, carol: 0n })
  store = await startPostgres()
  cleanups.push(() => store.stop())
  const secrets = { carolIn: token(), carolOut: token(), aliceIn: token(), aliceOut: token(), dave: token(), cluster: token() + token() }
  const lbPort = await freePort()
  carol = await startCarol({ dir, ledgerFile, lbPort, tokens: secrets })
  cleanups.push(() => carol.stop())
  const aliceServer = new IlpHttpServer({ accounts: { node: secrets.aliceOut } })
  await aliceServer.listen()
  cleanups.push(() => aliceServer.close())
  const ports = new Map<string, { http: number; admin: number }>()
  for (const id of ids) ports.set(id, { http: await freePort(), admin: await freePort() })
  const internal = Object.fromEntries(await Promise.all(ids.map(async (id) => [id, `http://127.0.0.1:${await freePort()}`])))
  for (const id of ids) {
    paths.set(id, join(dir, `${id}.json`))
    bins.set(id, await startBin(paths.get(id) as string, {
      address: 'test.node',
      asset: USD2,
      listen: { http: { port: ports.get(id)?.http } },
      admin: { port: ports.get(id)?.admin },
      balances: { store: 'postgres', url: store.url },
      peers: [
        {
          id: 'carol', relation: 'peer', sendRoutes: false, receiveRoutes: false,
          http: { url: `http://127.0.0.1:${carol.ports.http}/ilp`, token: secrets.carolIn, incomingToken: secrets.carolOut },
          settleThreshold: THRESHOLD.toString(), settleTo: '0',
          settlement: { kind: 'sqlite', ledger: ledgerFile, account: 'node', peerAccount: 'carol', claims: join(dir, 'node.claims'), deposit: '100000', settleDelayMs: 86_400_000, watchIntervalMs: 50 },
        },
        { id: 'alice', relation: 'child', http: { url: aliceServer.url, token: secrets.aliceOut, incomingToken: secrets.aliceIn }, minBalance: '-1000000' },
      ],
      routes: [{ prefix: 'test.carol', peer: 'carol' }],
      cluster: { instance: id, token: secrets.cluster, instances: internal, attach: { carol: 'a' }, settleIntervalMs: 50 },
      log: { level: 'info' },
      shutdownTimeoutMs: 2_000,
    }))
  }
  cleanups.push(async () => killBins())
  lb = await startHaproxy({ port: lbPort, backends: ids.map((id) => ({ name: id, port: ports.get(id)?.http as number })) })
  cleanups.push(() => lb.stop())
  await lb.whenUp()
  const shared = intents()
  dave = await host(`btp+ws://dave:${secrets.dave}@127.0.0.1:${carol.ports.btp}`, shared)
  const link = new HttpLink({ url: `${lb.url}/ilp`, token: secrets.aliceIn })
  aliceServer.attach('node', link)
  alice = await hostOn(link, shared)
  cleanups.push(() => dave.close(), () => alice.close())
}, 180_000)

afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
})

/** What the node owes carol in the store (its journal summed, checked equal). */
async function owed(): Promise<bigint> {
  const book = (await audited(store.url)).carol
  expect(book?.journalSum).toBe(book?.balance)
  return book?.balance ?? 0n
}

const received = (): bigint => carol.connector.counters().settlement.receivedAmount
const delivered = (): bigint => dave.delivered.reduce((sum, amount) => sum + amount, 0n)

async function pay(n: number): Promise<void> {
  for (let i = 0; i < n; i++) expect((await alice.pay('test.carol.dave', 50n, 'fulfill')).type).toBe(IlpPacketType.Fulfill)
}

describe('the owner of an HTTP peer with a payment channel, SIGKILLed', () => {
  it('pays nothing while down and what is owed once it is back: both books, the store and the channel agree', async () => {
    await pay(20) // 1 000: a pays at each 300 it sees owed
    await waitFor(() => received() >= 900n, 20_000, 'a to pay carol')
    // The owner dies with packets still coming through the others.
    const a = bins.get('a') as RunningBin
    await lb.setBackendState('a', 'maint') // alice's packets all go through b and c meanwhile
    a.child.kill('SIGKILL')
    await a.exited
    await pay(20)
    const paidBefore = received()
    expect(await owed()).toBe(delivered() - paidBefore)
    expect(await owed()).toBeGreaterThanOrEqual(THRESHOLD) // due, and nobody pays it
    for (const id of ['b', 'c']) expect((await (bins.get(id) as RunningBin).admin<Record<string, unknown>>('/settlement')).carol).toBeUndefined()
    expect(received()).toBe(paidBefore)

    bins.set('a', await startBin(paths.get('a') as string))
    await lb.setBackendState('a', 'ready')
    await lb.whenUp(['a'])
    await waitFor(() => received() > paidBefore, 30_000, 'the owner, back, to pay carol')
    await pay(4)
    // Settled down to below the threshold, each unit once: owed + paid is what carol delivered.
    await expect.poll(async () => (await owed()) + received(), { timeout: 20_000, interval: 100 }).toBe(delivered())
    await expect.poll(() => owed(), { timeout: 20_000, interval: 100 }).toBeLessThan(THRESHOLD)
    const left = await owed()
    expect(left + received()).toBe(delivered())
    expect(delivered()).toBe(44n * 50n)
    expect(carol.connector.balance('node').balance).toBe(-left)
    expect(carol.connector.balance('dave').balance).toBe(delivered())
    // Carol's best claim on the node's one channel is what she was credited.
    const channels = (await carol.settlements.channelState('node'))?.channels ?? []
    expect(channels.map((c) => [c.direction, c.claimed, c.ledger?.deposit])).toEqual([['incoming', received(), 100_000n]])
  }, 150_000)
})
