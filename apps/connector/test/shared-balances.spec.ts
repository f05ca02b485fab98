import { startPostgres, startRedis, type DbServer } from '@stack/db-servers'
import { IlpPacketType } from '@stack/ilp-core'
import { openPostgresBalanceStore, openRedisBalanceStore } from '@stack/ilp-shared-balances'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ConnectorNode } from '../src/node.js'
import { host, intents, node, stopAll, token, type Host } from './harness.js'

const USD = { code: 'USD', scale: 2 }
const engines = [
  { store: 'postgres', start: () => startPostgres(), open: (url: string) => openPostgresBalanceStore({ url, expireEveryMs: 0, refreshEveryMs: 0 }) },
  { store: 'redis', start: () => startRedis(), open: (url: string) => openRedisBalanceStore({ url, expireEveryMs: 0, refreshEveryMs: 0 }) },
] as const

// Two connector instances of one node (one address, the same peers) on one shared store:
// sender ⇉ {one, two} ⇉ receiver. The sender's credit limit holds across both.
describe.each(engines)('two connector instances on one $store balance store', (engine) => {
  let server: DbServer
  let instances: ConnectorNode[] = []
  let senders: Host[] = []
  let receivers: Host[] = []
  const tokens = { sender: token(), receiver: token() }

  beforeAll(async () => {
    server = await engine.start()
    const raw = {
      address: 'test.shared',
      asset: USD,
      listen: { btp: { port: 0 } },
      peers: [
        { id: 'sender', relation: 'child', btp: { token: tokens.sender }, minBalance: '-1000' },
        { id: 'receiver', relation: 'child', btp: { token: tokens.receiver } },
      ],
      balances: { store: engine.store, url: server.url },
    }
    instances = await Promise.all([node(raw), node(raw)])
    const shared = intents()
    senders = await Promise.all(instances.map((i) => host(`btp+ws://sender:${tokens.sender}@127.0.0.1:${i.ports.btp}`, shared)))
    receivers = await Promise.all(instances.map((i) => host(`btp+ws://receiver:${tokens.receiver}@127.0.0.1:${i.ports.btp}`, shared)))
  })
  afterAll(async () => {
    await stopAll(...senders, ...receivers, ...instances)
    await server?.stop()
  })

  it('carries payments through either instance, refuses past the shared credit limit (T04), and the store and its journal square', async () => {
    const replies = []
    for (let i = 0; i < 25; i++) replies.push(await (senders[i % 2] as Host).pay('test.shared.receiver', 50n, 'fulfill'))
    const fulfilled = replies.filter((r) => r.type === IlpPacketType.Fulfill)
    expect(fulfilled).toHaveLength(20) // 20 × 50 = the limit of 1000, whichever instance took them
    expect(replies.slice(20).map((r) => (r.type === IlpPacketType.Reject ? r.code : r.type))).toEqual(Array(5).fill('T04'))
    const delivered = receivers.flatMap((r) => r.delivered).reduce((a, b) => a + b, 0n)
    expect(delivered).toBe(1000n)
    expect(receivers.every((r) => r.delivered.length > 0)).toBe(true) // both instances carried some

    const store = await engine.open(server.url)
    try {
      await store.refresh()
      expect(store.get('sender')).toEqual({ balance: -1000n, pendingDebit: 0n, pendingCredit: 0n })
      expect(store.get('receiver')).toEqual({ balance: 1000n, pendingDebit: 0n, pendingCredit: 0n })
      const audit = await store.audit()
      expect(audit.map((row) => [row.peerId, row.journalSum, row.journalRows])).toEqual([['receiver', 1000n, 20], ['sender', -1000n, 20]])
    } finally {
      await store.close()
    }
  })
})
