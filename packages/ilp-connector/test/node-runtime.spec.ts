import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Link } from '@stack/channel-core'
import { IlpPacketType, serveOnLink, type PrepareHandler } from '@stack/ilp-core'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { SqliteBalanceStore } from '../src/balances/sqlite-balance-store.js'
import type { NodeEvent } from '../src/events.js'
import { InvalidPeerConfigError } from '../src/peer-config.js'
import { createConnectorNode, type ConnectorNode } from '../src/node.js'
import { silentLogger } from '../src/logger.js'
import { FakeClock, fulfill, testPrepare } from './fixtures.js'
import { linkPair, send } from './harness.js'

const USD = { code: 'USD', scale: 2 }
const running: ConnectorNode[] = []
afterEach(async () => {
  for (const node of running.splice(0)) await node.kill()
})

function answer(link: Link, handler: PrepareHandler): void {
  link.setRequestHandler(serveOnLink((prepare) => handler(prepare), { triggeredBy: '' }))
}

describe('a running node changed at run time', () => {
  it('adds, updates and removes peers and static routes, telling its events', async () => {
    const clock = new FakeClock()
    const [aliceAtA, alice] = await linkPair()
    const node = await createConnectorNode({ address: 'test.a', clock, logger: silentLogger, peers: [{ id: 'alice', relation: 'child', asset: USD, link: aliceAtA, dial: false, minBalance: -1000n }] })
    running.push(node)
    const events: NodeEvent[] = []
    node.events.subscribe((event) => events.push(event))
    const pay = (destination: string, amount: bigint) => {
      const { prepare, fulfillment } = testPrepare({ destination, amount, expiresAt: new Date(clock.now() + 30_000) })
      return { fulfillment, reply: send(alice, prepare) }
    }

    const [bobAtA, bob] = await linkPair()
    node.addPeer({ id: 'bob', relation: 'peer', asset: USD, link: bobAtA, dial: false })
    expect(() => node.addPeer({ id: 'bob', relation: 'peer', asset: USD, link: bobAtA })).toThrow(InvalidPeerConfigError)
    node.setRoute('test.elsewhere', 'bob')
    let paid = pay('test.elsewhere.x', 300n)
    answer(bob, async () => fulfill(paid.fulfillment))
    expect((await paid.reply).type).toBe(IlpPacketType.Fulfill)
    expect({ alice: node.connector.balance('alice').balance, bob: node.connector.balance('bob').balance }).toEqual({ alice: -300n, bob: 300n })

    // A lower credit limit applies to the next packet; the balance stays.
    node.updatePeer({ id: 'alice', relation: 'child', asset: USD, link: aliceAtA, dial: false, minBalance: -400n })
    expect(node.connector.balance('alice').balance).toBe(-300n)
    paid = pay('test.elsewhere.x', 200n)
    expect(await paid.reply).toMatchObject({ type: IlpPacketType.Reject, code: 'T04' })
    expect(node.connector.adjustBalance('alice', 300n, 'paid by wire')).toBe(0n)
    paid = pay('test.elsewhere.x', 200n)
    expect((await paid.reply).type).toBe(IlpPacketType.Fulfill)

    expect(node.removeRoute('test.elsewhere')).toBe(true)
    expect(node.removeRoute('test.elsewhere')).toBe(false)
    expect(await pay('test.elsewhere.x', 10n).reply).toMatchObject({ type: IlpPacketType.Reject, code: 'F02' })
    node.setRoute('test.elsewhere', 'bob')
    expect(node.removePeer('bob')).toBe(true)
    expect(node.peers().map((p) => p.id)).toEqual(['alice'])
    expect(await pay('test.elsewhere.x', 10n).reply).toMatchObject({ type: IlpPacketType.Reject, code: 'F02' })
    expect(node.connector.balance('bob').balance).toBe(500n) // kept in the store

    expect(events.filter((e) => e.type !== 'packet' && e.type !== 'balance')).toEqual([
      { type: 'peer', action: 'added', peer: 'bob' },
      { type: 'peer', action: 'state', peer: 'bob', state: 'connected' },
      { type: 'route', action: 'set', prefix: 'test.elsewhere', peer: 'bob' },
      { type: 'peer', action: 'updated', peer: 'alice' },
      { type: 'peer', action: 'state', peer: 'alice', state: 'connected' },
      { type: 'route', action: 'removed', prefix: 'test.elsewhere' },
      { type: 'route', action: 'set', prefix: 'test.elsewhere', peer: 'bob' },
      { type: 'route', action: 'removed', prefix: 'test.elsewhere' },
      { type: 'peer', action: 'removed', peer: 'bob' },
    ])
    expect(events.filter((e) => e.type === 'balance' && e.cause === 'adjustment')).toEqual([{ type: 'balance', peer: 'alice', delta: 300n, balance: 0n, cause: 'adjustment', reason: 'paid by wire' }])
    expect(events.filter((e) => e.type === 'packet').map((e) => e.type === 'packet' && [e.to, e.outcome, e.code])).toEqual([
      ['bob', 'fulfilled', undefined], ['bob', 'rejected', 'T04'], ['bob', 'fulfilled', undefined], [undefined, 'rejected', 'F02'], [undefined, 'rejected', 'F02'],
    ])
  })
})

describe('SqliteBalanceStore adjustments', () => {
  it('journals each with its reason, across restarts, and the journal still sums to the balance', () => {
    const dir = mkdtempSync(join(tmpdir(), 'adjustments-'))
    try {
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }).filter((d) => d !== 0n), fc.string({ minLength: 1, maxLength: 40 })), { maxLength: 8 }), (changes) => {
          const path = join(dir, `${Math.random()}.db`)
          let store = SqliteBalanceStore.open(path)
          store.reserve('bob', 7n).commit()
          for (const [delta, reason] of changes.slice(0, 4)) store.adjust('bob', delta, reason)
          store.close()
          store = SqliteBalanceStore.open(path)
          for (const [delta, reason] of changes.slice(4)) store.adjust('bob', delta, reason)
          try {
            expect(store.adjustments().map((a) => [a.delta, a.reason])).toEqual(changes)
            expect(store.get('bob').balance).toBe(changes.reduce((sum, [delta]) => sum + delta, 7n))
            expect(store.audit().find((row) => row.peerId === 'bob')?.journalSum ?? 0n).toBe(store.get('bob').balance)
          } finally {
            store.close()
          }
        }),
        { numRuns: 25 },
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
